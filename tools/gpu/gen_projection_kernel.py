"""Prints the 8 x 8 register block of src/IvySharp.Gpu/Kernels/ProjectionKernel.cs (accumulator declarations, the
shared-memory loads, the FMAs and the stores): 64 named accumulators are too many to write by hand, and a local
array would live in local memory rather than registers. Paste the output over the matching lines of the kernel."""
for i in range(8):
    print("        T " + ", ".join(f"c{i}{j} = T.Zero" for j in range(8)) + ";")
print("                T " + ", ".join(f"a{i} = xs[at + ty + {16 * i}]" for i in range(8)) + ";")
print("                T " + ", ".join(f"b{j} = ws[at + tx + {16 * j}]" for j in range(8)) + ";")
for i in range(8):
    for half in (range(4), range(4, 8)):
        print("                " + " ".join(f"c{i}{j} = TMath.Fma(a{i}, b{j}, c{i}{j});" for j in half))
for i in range(8):
    print(f"        Store(y, bias, s, row0 + ty + {16 * i}, col0 + tx, " + ", ".join(f"c{i}{j}" for j in range(8)) + ");")
