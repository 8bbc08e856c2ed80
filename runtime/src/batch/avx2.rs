//! AVX2: `vpmaddwd` multiplies 16 pairs of int16 and adds each pair into one of 8 int32
//! lanes. The lanes are 8 output rows (weights widened and packed
//! `[block][pair][row][2]`), the two halfwords of a pair are two inputs of one sample,
//! broadcast; eight samples share each weight load. No offset is needed: int8 values
//! widened to int16 multiply exactly.
#![allow(unsafe_code)]

use core::arch::x86_64::{
    __m256i, _mm256_add_epi32, _mm256_add_epi64, _mm256_blend_epi32, _mm256_blendv_epi8,
    _mm256_cmpgt_epi32, _mm256_cmpgt_epi64, _mm256_loadu_si256, _mm256_madd_epi16,
    _mm256_max_epi32, _mm256_min_epi32, _mm256_mul_epi32, _mm256_set1_epi32, _mm256_set1_epi64x,
    _mm256_setzero_si256, _mm256_slli_epi64, _mm256_sllv_epi64, _mm256_srli_epi64,
    _mm256_srlv_epi64, _mm256_storeu_si256, _mm256_sub_epi64, _mm256_xor_si256,
};

use super::pack::{BlockParams, Output, Packed};

/// Rows (lanes) per block.
pub const LANES: usize = 8;
/// Inputs per group.
pub const GROUP: usize = 2;
/// Samples sharing each weight load.
const SAMPLES: usize = 8;

/// Whether this CPU has the instructions.
pub fn supported() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// A weight as the packed matrix holds it.
pub fn weight(w: i8) -> i16 {
    i16::from(w)
}

/// One layer for `rows` samples, as [`super::vnni::layer`] with int16 inputs.
///
/// Does nothing if `x`, `out` or the packed weights are shorter than that.
///
/// # Safety
/// The CPU has AVX2 ([`supported`]).
#[target_feature(enable = "avx2")]
pub unsafe fn layer(p: &Packed<i16, LANES, GROUP>, x: &[i16], rows: usize, out: &mut [i32]) {
    let stride = GROUP * p.groups;
    let blocks = p.n_out.div_ceil(LANES);
    let fits = p.params.len() == blocks
        && p.weights.len() >= blocks * p.groups * LANES * GROUP
        && x.len() >= rows * stride
        && out.len() >= rows * p.n_out;
    if !fits {
        return;
    }
    let mut s = 0;
    while s + SAMPLES <= rows {
        // SAFETY: as the caller guarantees, for samples s..s + SAMPLES.
        unsafe { samples::<SAMPLES>(p, x, stride, s, out) };
        s += SAMPLES;
    }
    while s < rows {
        // SAFETY: as above, for sample s.
        unsafe { samples::<1>(p, x, stride, s, out) };
        s += 1;
    }
}

/// Samples `first .. first + S` through every block of the layer.
///
/// # Safety
/// As for [`layer`], whose checks passed, with `first + S <= rows`.
#[target_feature(enable = "avx2")]
unsafe fn samples<const S: usize>(
    p: &Packed<i16, LANES, GROUP>,
    x: &[i16],
    stride: usize,
    first: usize,
    out: &mut [i32],
) {
    // In bounds: `layer` checked that `x` holds `rows * stride` values.
    let inputs: [*const i16; S] =
        core::array::from_fn(|j| x.as_ptr().wrapping_add((first + j) * stride));
    for (b, params) in p.params.iter().enumerate() {
        // In bounds: `layer` checked the packed weights' length.
        let block = p
            .weights
            .as_ptr()
            .wrapping_add(b * p.groups * LANES * GROUP);
        let mut acc: [__m256i; S] = [_mm256_setzero_si256(); S];
        for g in 0..p.groups {
            // SAFETY: block b holds `groups` chunks of 16 halfwords; each sample holds
            // `stride = 2 * groups` inputs (the caller's guarantee).
            unsafe {
                let w = _mm256_loadu_si256(block.add(g * LANES * GROUP).cast());
                for (a, &xp) in acc.iter_mut().zip(&inputs) {
                    let pair = xp.add(GROUP * g).cast::<i32>().read_unaligned();
                    *a = _mm256_add_epi32(*a, _mm256_madd_epi16(_mm256_set1_epi32(pair), w));
                }
            }
        }
        let rows = (p.n_out - b * LANES).min(LANES);
        for (j, a) in acc.iter().enumerate() {
            let mut done = [0i32; LANES];
            // SAFETY: AVX2 is present (this function's feature); 32 bytes into an 8-lane
            // i32 array.
            unsafe { _mm256_storeu_si256(done.as_mut_ptr().cast(), finish(*a, params, p.output)) };
            let at = (first + j) * p.n_out + b * LANES;
            if let (Some(o), Some(d)) = (out.get_mut(at..at + rows), done.get(..rows)) {
                o.copy_from_slice(d);
            }
        }
    }
}

/// [`super::pack::finish`] on 8 lanes at once. AVX2 multiplies only the even 32-bit lanes
/// into 64 bits (`vpmuldq`) and has no 64-bit arithmetic shift or compare-and-clamp of
/// its own, so the odd lanes are shifted down first, the arithmetic shift is a logical
/// one between two flips of the sign, and the clamp is a compare and a blend.
///
/// # Safety
/// The CPU has AVX2 ([`supported`]).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn finish(acc: __m256i, p: &BlockParams<LANES>, output: Output) -> __m256i {
    // SAFETY: 32-byte loads from 8-lane i32 arrays.
    let load = |x: &[i32; LANES]| unsafe { _mm256_loadu_si256(x.as_ptr().cast()) };
    let zero = _mm256_setzero_si256();
    let a = _mm256_add_epi32(acc, load(&p.bias));
    let negative = _mm256_cmpgt_epi32(zero, a);
    let m = _mm256_blendv_epi8(load(&p.m_pos), load(&p.m_neg), negative);
    let t = _mm256_blendv_epi8(load(&p.t_pos), load(&p.t_neg), negative);
    let one = _mm256_set1_epi64x(1);
    let (min, max) = (
        _mm256_set1_epi64x(i64::from(i32::MIN)),
        _mm256_set1_epi64x(i64::from(i32::MAX)),
    );
    let low = _mm256_set1_epi64x(0xFFFF_FFFF);
    // Lanes 0, 2, 4, 6 (`even`) or 1, 3, 5, 7 moved down, as 64-bit values.
    let scaled = |a: __m256i, m: __m256i, t: __m256i| {
        let t = core::arch::x86_64::_mm256_and_si256(t, low);
        let x = _mm256_add_epi64(
            _mm256_mul_epi32(a, m),
            _mm256_sllv_epi64(one, _mm256_sub_epi64(t, one)),
        );
        let sign = _mm256_cmpgt_epi64(zero, x);
        let v = _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(x, sign), t), sign);
        let v = _mm256_blendv_epi8(v, min, _mm256_cmpgt_epi64(min, v));
        _mm256_blendv_epi8(v, max, _mm256_cmpgt_epi64(v, max))
    };
    let even = scaled(a, m, t);
    let odd = scaled(
        _mm256_srli_epi64::<32>(a),
        _mm256_srli_epi64::<32>(m),
        _mm256_srli_epi64::<32>(t),
    );
    let v = _mm256_blend_epi32::<0b1010_1010>(even, _mm256_slli_epi64::<32>(odd));
    match output {
        Output::Logits => v,
        Output::Int8 { zero_point } => {
            // As in the AVX-512 kernel: clamp inside i32, add the zero point, saturate.
            let v = _mm256_min_epi32(
                _mm256_max_epi32(v, _mm256_set1_epi32(-(1 << 20))),
                _mm256_set1_epi32(1 << 20),
            );
            let v = _mm256_add_epi32(v, _mm256_set1_epi32(zero_point));
            _mm256_min_epi32(
                _mm256_max_epi32(v, _mm256_set1_epi32(-128)),
                _mm256_set1_epi32(127),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::pack;

    #[test]
    fn vector_finish_is_the_scalar_one() {
        if !supported() {
            std::eprintln!("NOTE: no AVX2 on this CPU: its requantization is not tested here");
            return;
        }
        for output in [Output::Logits, Output::Int8 { zero_point: -7 }] {
            for (p, acc) in pack::test_blocks::<LANES>() {
                let mut got = [0i32; LANES];
                // SAFETY: AVX2 is present (checked above).
                unsafe {
                    let v = finish(_mm256_loadu_si256(acc.as_ptr().cast()), &p, output);
                    _mm256_storeu_si256(got.as_mut_ptr().cast(), v);
                }
                assert_eq!(got, pack::finish(&acc, &p, output), "{acc:?} {p:?}");
            }
        }
    }
}
