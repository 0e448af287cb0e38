#!/usr/bin/python3
"""Derives the Chebyshev coefficients of IvySharp's float64 erfc (src/IvySharp/Kernels/Ops/Erfc.cs).

    /usr/bin/python3 tools/golden/erfc_coefficients.py     # prints the C# array and the fit's error

For z >= 0, erfc(z) = exp(-z^2) * erfcx(z), and erfcx is smooth on [0, inf). The substitution
t = (z - C) / (z + C) maps [0, inf) onto [-1, 1), and g(t) = (1 + 2z) * erfcx(z) is analytic on the
closed interval (g(-1) = 1, g(1) = 2/sqrt(pi)), so its Chebyshev series converges geometrically:
with C = 3 the coefficients fall below 1e-18 * |c0| after 26 terms. The coefficients are computed
from mpmath at 50 digits (Chebyshev nodes, discrete cosine sums) and printed with 17 significant
digits (round-trip exact for float64). Negative z uses erfc(z) = 2 - erfc(-z) (no cancellation:
the result is in (1, 2]). The script also evaluates the truncated series in float64 at 20001
points, as the C# code does (Clenshaw), and prints the worst relative error of erfc against mpmath.
It uses the C library's exp where the C# code has its own (src/IvySharp/Kernels/Ops/OpExp.cs, within
1 ulp of it); the C# GELU as a whole is measured against mpmath by tests/IvySharp.Tests/Ops/GeluTests.cs.
"""

import mpmath as mp

mp.mp.dps = 50
C = 3
NODES = 64
TERMS = 28


def g(t):
    if t == 1:
        return 2 / mp.sqrt(mp.pi)
    z = C * (1 + t) / (1 - t)
    return (1 + 2 * z) * mp.exp(z * z) * mp.erfc(z)


def chebyshev(f, n):
    nodes = [mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n) for k in range(n)]
    values = [f(x) for x in nodes]
    cs = []
    for j in range(n):
        s = sum(values[k] * mp.cos(mp.pi * j * (k + mp.mpf(1) / 2) / n) for k in range(n))
        cs.append(2 * s / n)
    cs[0] /= 2
    return cs


def erfc_float64(z, cs):
    """What Erfc.cs computes, in float64 arithmetic (Python floats), for z >= 0."""
    import math
    t = (z - C) / (z + C)
    b1 = b2 = 0.0
    for c in reversed(cs[1:]):
        b1, b2 = 2 * t * b1 - b2 + c, b1
    gval = t * b1 - b2 + cs[0]
    zz = z * z
    r = float(mp.mpf(z) ** 2 - zz)  # exact: the C# code gets it from Math.FusedMultiplyAdd(z, z, -zz)
    return math.exp(-zz) * (1 - r) * gval / (1 + 2 * z)


def main():
    cs = [float(c) for c in chebyshev(g, NODES)[:TERMS]]
    print("// Chebyshev coefficients c0..c%d of g(t) = (1 + 2z)·erfcx(z), t = (z − %d)/(z + %d)" % (TERMS - 1, C, C))
    for i in range(0, TERMS, 3):
        print("        " + ", ".join("%.17e" % c for c in cs[i:i + 3]) + ",")
    worst = 0
    for i in range(20001):
        z = 26.0 * i / 20000
        exact = mp.erfc(mp.mpf(z))
        if exact < mp.mpf("1e-300"):
            continue
        err = abs((mp.mpf(erfc_float64(z, cs)) - exact) / exact)
        worst = max(worst, err)
    # Same operations and order as the C# code, with libm's exp in place of OpExp (which is within 1 ulp of it).
    print("worst relative error of the float64 evaluation on [0, 26]:", mp.nstr(worst, 3))


if __name__ == "__main__":
    main()
