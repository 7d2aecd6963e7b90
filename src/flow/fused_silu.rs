//! SiLU and its slope in one pass on the CPU backend, for the forward-mode divergences of the
//! density views: burn's CPU sigmoid calls the scalar `expf` per element and the slope takes
//! six more passes over the tensor; here one vectorised loop writes both.

use burn::tensor::{Device, Tensor, TensorData};

/// (x·σ(x), σ(x)·(1 + x·(1 − σ(x)))) element-wise, when `x` lives on the CPU backend in f32;
/// `None` elsewhere (a GPU computes it in place faster than a copy to the host could).
pub(super) fn silu_with_slope(x: &Tensor<2>) -> Option<(Tensor<2>, Tensor<2>)> {
    let device = x.device();
    if device != Device::flex() {
        return None;
    }
    let dims = x.dims();
    let data = x.clone().into_data();
    let input = data.as_slice::<f32>().ok()?;
    let mut value = vec![0.0f32; input.len()];
    let mut slope = vec![0.0f32; input.len()];
    silu_and_slope(input, &mut value, &mut slope);
    Some((
        Tensor::from_data(TensorData::new(value, dims), &device),
        Tensor::from_data(TensorData::new(slope, dims), &device),
    ))
}

/// SiLU of each `input` into `value` and its derivative into `slope`.
fn silu_and_slope(input: &[f32], value: &mut [f32], slope: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports AVX2 and FMA, checked just above.
        return unsafe { silu_and_slope_avx2(input, value, slope) };
    }
    silu_and_slope_portable(input, value, slope)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn silu_and_slope_avx2(input: &[f32], value: &mut [f32], slope: &mut [f32]) {
    silu_and_slope_portable(input, value, slope)
}

#[inline(always)]
fn silu_and_slope_portable(input: &[f32], value: &mut [f32], slope: &mut [f32]) {
    for ((&x, v), s) in input.iter().zip(value.iter_mut()).zip(slope.iter_mut()) {
        let sigmoid = 1.0 / (1.0 + exp(-x));
        *v = x * sigmoid;
        *s = sigmoid * (1.0 + x * (1.0 - sigmoid));
    }
}

/// e^x to within a few units in the last place of f32, without branches so that the loop
/// above vectorises: x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor polynomial of
/// degree 7 (remainder under 10⁻⁸), 2^n written into the exponent bits. Inputs beyond
/// ±87 are clamped, which leaves the sigmoid at 0 or 1 to f32 precision.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split (Cody and Waite) so that n·LN2_HIGH is exact for the n that occur here.
    const LN2_HIGH: f32 = 0.693_359_4;
    const LN2_LOW: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5·2^23 rounds to the nearest integer.
    const ROUNDER: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 87.0);
    let rounded = x * LOG2_E + ROUNDER;
    let n = rounded - ROUNDER;
    // The integer n sits in the low bits of `rounded`: no float-to-int conversion, whose
    // saturating form does not vectorise.
    let exponent = (rounded.to_bits() as i32).wrapping_sub(ROUNDER.to_bits() as i32);
    let r = x - n * LN2_HIGH - n * LN2_LOW;
    let mut p = 1.0 / 5040.0;
    for coefficient in [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + coefficient;
    }
    let scale = f32::from_bits(((exponent + 127) << 23) as u32);
    p * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_scalar_silu_and_its_slope() {
        let input: Vec<f32> = (-20_000..=20_000).map(|i| i as f32 * 5e-3).collect();
        let (mut value, mut slope) = (vec![0.0; input.len()], vec![0.0; input.len()]);
        silu_and_slope(&input, &mut value, &mut slope);
        for ((&x, &v), &s) in input.iter().zip(&value).zip(&slope) {
            let x64 = f64::from(x);
            let sigmoid = 1.0 / (1.0 + (-x64).exp());
            let (exact_value, exact_slope) =
                (x64 * sigmoid, sigmoid * (1.0 + x64 * (1.0 - sigmoid)));
            assert!(
                (f64::from(v) - exact_value).abs() <= 1e-6 * exact_value.abs().max(1.0),
                "silu({x}) = {v} against {exact_value}"
            );
            assert!(
                (f64::from(s) - exact_slope).abs() <= 1e-6 * exact_slope.abs().max(1.0),
                "silu'({x}) = {s} against {exact_slope}"
            );
        }
        // Far out it saturates without overflow or NaN.
        let far = [-1e30f32, -200.0, 200.0, 1e30];
        let (mut value, mut slope) = ([0.0; 4], [0.0; 4]);
        silu_and_slope(&far, &mut value, &mut slope);
        assert_eq!(value[2], 200.0);
        assert!(
            value.iter().chain(&slope).all(|v| v.is_finite()),
            "{value:?} {slope:?}"
        );
    }
}
