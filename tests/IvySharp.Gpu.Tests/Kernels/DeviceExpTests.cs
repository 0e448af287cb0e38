using IvySharp.Gpu.Kernels;

namespace IvySharp.Gpu.Tests.Kernels;

/// <summary>
/// The device exp (the CPU engine's reduction and polynomial over the device FMA) within the CPU engine's asserted
/// bounds of <see cref="Math.Exp"/> on the softmax's range x ≤ 0, with the special values.
/// </summary>
public sealed class DeviceExpTests
{
    [Fact]
    public void Float_exp_is_within_2_ulp_and_double_within_4_5e_16_of_Math_Exp()
    {
        double worstFloat = 0, worstDouble = 0;
        for (int i = 0; i <= 400_000; i++)
        {
            double x = -87.0 * i / 400_000;
            worstFloat = Math.Max(worstFloat, Math.Abs(CpuFloat32.ExpNonPositive((float)x) - Math.Exp((float)x)) / Math.Exp((float)x));
            double y = -708.0 * i / 400_000;
            worstDouble = Math.Max(worstDouble, Math.Abs(CpuFloat64.ExpNonPositive(y) - Math.Exp(y)) / Math.Exp(y));
        }

        Assert.True(worstFloat <= 1.2e-7, $"float worst {worstFloat:0.00e+0}");
        Assert.True(worstDouble <= 4.5e-16, $"double worst {worstDouble:0.00e+0}");
    }

    [Fact]
    public void Special_values_are_those_of_the_cpu_engine()
    {
        Assert.Equal(0f, CpuFloat32.ExpNonPositive(float.NegativeInfinity));
        Assert.True(float.IsNaN(CpuFloat32.ExpNonPositive(float.NaN)));
        Assert.Equal(1f, CpuFloat32.ExpNonPositive(0f));
        Assert.Equal(0f, CpuFloat32.ExpNonPositive(-200f));
        Assert.Equal(0.0, CpuFloat64.ExpNonPositive(double.NegativeInfinity));
        Assert.True(double.IsNaN(CpuFloat64.ExpNonPositive(double.NaN)));
        Assert.Equal(1.0, CpuFloat64.ExpNonPositive(0.0));
    }
}
