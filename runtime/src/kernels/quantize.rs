//! Input quantization (SPEC.md §4.2): the scaler and the input's int8 scale folded
//! into one affine per feature, rounded half up, saturated.

use bottleneck_format::squared_error;

#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
use super::arm_vfp;
#[cfg(all(target_arch = "x86_64", feature = "std"))]
use super::x86_avx2;

/// Quantizes one float feature: `clamp(round_half_up(x * a + b), -128, 127)`.
///
/// `x * a + b` is two separately rounded f32 operations (never a fused multiply-add), so
/// every IEEE-754 target computes the same value.
#[inline]
pub fn quantize_input(x: f32, a: f32, b: f32) -> i8 {
    // Without a floating-point unit every f32 operation is a library call of about a
    // hundred instructions: the same roundings on the integers instead.
    #[cfg(soft_float)]
    return super::soft_quantize::quantize(x, a, b);
    #[allow(unreachable_code)]
    round_half_up_float(x * a + b)
}

/// `sat8(round_half_up(v))` in f32 arithmetic (`floor` without libm), for cores with a
/// floating-point unit.
#[inline]
pub fn round_half_up_float(v: f32) -> i8 {
    // Anything beyond ±200 saturates anyway; clamping first keeps the integer
    // conversions below exact (and maps ±inf to the right end).
    let v = v.clamp(-200.0, 200.0);
    // floor(v) without libm: truncation is exact for |v| <= 200, one step down fixes
    // negative non-integers.
    let t = v as i32;
    let floor = if t as f32 > v { t - 1 } else { t };
    // `v - floor` is exact for every finite f32, so this rounds half up without the
    // double rounding of `floor(v + 0.5)`.
    let rounded = if v - floor as f32 >= 0.5 {
        floor + 1
    } else {
        floor
    };
    rounded.clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8
}

/// Quantizes a sample with its per-feature affine (`affine`: little-endian f32 pairs
/// `a_i, b_i`, as stored in the file) into `out`, element by element as
/// [`quantize_input`]; as many features as all three slices cover.
pub fn quantize_inputs(sample: &[f32], affine: &[u8], out: &mut [i8]) {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    let done = x86_avx2::quantize_inputs(sample, affine, out);
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    let done = arm_vfp::quantize_inputs(sample, affine, out);
    #[cfg(not(any(
        all(target_arch = "x86_64", feature = "std"),
        all(target_arch = "arm", target_abi = "eabihf")
    )))]
    let done = 0;
    // The features the vector path did not cover (all of them without one).
    quantize_inputs_portable(
        sample.get(done..).unwrap_or(&[]),
        affine.get(8 * done..).unwrap_or(&[]),
        out.get_mut(done..).unwrap_or(&mut []),
    );
}

/// [`quantize_inputs`] without any vector fast path: the reference for tests.
pub fn quantize_inputs_portable(sample: &[f32], affine: &[u8], out: &mut [i8]) {
    for ((q, &x), ab) in out.iter_mut().zip(sample).zip(affine.chunks_exact(8)) {
        let [a0, a1, a2, a3, b0, b1, b2, b3] = ab.try_into().unwrap_or([0; 8]);
        let a = f32::from_le_bytes([a0, a1, a2, a3]);
        let b = f32::from_le_bytes([b0, b1, b2, b3]);
        *q = quantize_input(x, a, b);
    }
}

/// The anomaly score `Σ (q_i - r_i)²` of `reconstruction` against the quantized
/// `sample` (SPEC.md §6.3), quantizing the sample again 32 features at a time into a
/// small stack buffer: for layouts whose layers wrote over the quantized sample.
pub fn requantized_score(sample: &[f32], affine: &[u8], reconstruction: &[i8]) -> u32 {
    const CHUNK: usize = 32;
    let mut q = [0i8; CHUNK];
    sample
        .chunks(CHUNK)
        .zip(affine.chunks(8 * CHUNK))
        .zip(reconstruction.chunks(CHUNK))
        .map(|((x, ab), r)| {
            let q = q.get_mut(..x.len()).unwrap_or(&mut []);
            quantize_inputs(x, ab, q);
            squared_error(q.iter().copied(), r.iter().copied())
        })
        .sum()
}
