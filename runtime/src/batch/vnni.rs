//! AVX-512 VNNI: `vpdpbusd` multiplies 64 unsigned input bytes by 64 signed weights and
//! adds each group of four products to one of 16 int32 lanes. The lanes are 16 output
//! rows (weights packed `[block][group][row][4]`), the four bytes of a group are four
//! inputs of one sample, broadcast; eight samples share each weight load.
//!
//! The inputs are int8, the instruction wants them unsigned: each is offset by 128
//! (`x ^ 0x80`), and `128 * Σ w` per row comes off again, exactly (the sums stay far
//! inside i32 for the widths the loader allows).
#![allow(unsafe_code)]

use core::arch::x86_64::{
    __m512i, __mmask16, _mm_set1_epi8, _mm_storeu_si128, _mm_xor_si128, _mm512_add_epi32,
    _mm512_add_epi64, _mm512_and_si512, _mm512_cmplt_epi32_mask, _mm512_cvtepi32_epi8,
    _mm512_dpbusd_epi32, _mm512_loadu_si512, _mm512_mask_blend_epi32, _mm512_mask_storeu_epi32,
    _mm512_max_epi32, _mm512_max_epi64, _mm512_min_epi32, _mm512_min_epi64, _mm512_mul_epi32,
    _mm512_set1_epi32, _mm512_set1_epi64, _mm512_setzero_si512, _mm512_slli_epi64,
    _mm512_sllv_epi64, _mm512_srav_epi64, _mm512_srli_epi64, _mm512_sub_epi32, _mm512_sub_epi64,
};

use std::vec::Vec;

use super::pack::{BlockParams, Output, Packed};

/// Rows (lanes) per block.
pub const LANES: usize = 16;
/// Inputs per group.
pub const GROUP: usize = 4;
/// Samples sharing each weight load.
const SAMPLES: usize = 8;

/// Whether this CPU has the instructions.
pub fn supported() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vnni")
}

/// One layer for `rows` samples: `x` holds each sample's `GROUP * groups` offset inputs
/// in turn, `out` receives each sample's `n_out` finished values in turn.
///
/// Does nothing if `x`, `out` or the packed weights are shorter than that.
///
/// # Safety
/// The CPU has AVX-512F, BW and VNNI ([`supported`]).
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub unsafe fn layer(p: &Packed<i8, LANES, GROUP>, x: &[u8], rows: usize, out: &mut [i32]) {
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

/// [`super::fill_inputs`] for this kernel: sixteen values at a time, truncated to
/// bytes (`vpmovdb`; finished outputs are int8 already) and offset by 128.
///
/// # Safety
/// The CPU has AVX-512F and BW ([`supported`]).
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub unsafe fn fill_inputs(acts: &[i32], width: usize, stride: usize, rows: usize, x: &mut Vec<u8>) {
    let width = width.min(stride);
    x.clear();
    // The padding past `width`: the offset zero.
    x.resize(rows * stride, 0x80);
    let samples = acts
        .chunks_exact(width.max(1))
        .zip(x.chunks_exact_mut(stride.max(1)));
    for (sample, dst) in samples {
        let mut i = 0;
        while i + 16 <= width {
            // SAFETY: `i + 16 <= width`, the length of `sample`, and `<= stride`, that of
            // `dst`; AVX-512F is present (this function's features).
            unsafe {
                let v = _mm512_loadu_si512(sample.as_ptr().add(i).cast());
                let bytes = _mm_xor_si128(_mm512_cvtepi32_epi8(v), _mm_set1_epi8(i8::MIN));
                _mm_storeu_si128(dst.as_mut_ptr().add(i).cast(), bytes);
            }
            i += 16;
        }
        for (d, &v) in dst.iter_mut().zip(sample).skip(i) {
            *d = super::Lane::from_act(v as i8);
        }
    }
}

/// Samples `first .. first + S` through every block of the layer.
///
/// # Safety
/// As for [`layer`], whose checks passed, with `first + S <= rows`.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn samples<const S: usize>(
    p: &Packed<i8, LANES, GROUP>,
    x: &[u8],
    stride: usize,
    first: usize,
    out: &mut [i32],
) {
    // In bounds: `layer` checked that `x` holds `rows * stride` values.
    let inputs: [*const u8; S] =
        core::array::from_fn(|j| x.as_ptr().wrapping_add((first + j) * stride));
    for (b, params) in p.params.iter().enumerate() {
        // In bounds: `layer` checked the packed weights' length.
        let block = p
            .weights
            .as_ptr()
            .wrapping_add(b * p.groups * LANES * GROUP);
        let mut acc: [__m512i; S] = [_mm512_setzero_si512(); S];
        for g in 0..p.groups {
            // SAFETY: block b holds `groups` chunks of 64 weights; each sample holds
            // `stride = 4 * groups` inputs (the caller's guarantee).
            unsafe {
                let w = _mm512_loadu_si512(block.add(g * LANES * GROUP).cast());
                for (a, &xp) in acc.iter_mut().zip(&inputs) {
                    let four = xp.add(GROUP * g).cast::<i32>().read_unaligned();
                    *a = _mm512_dpbusd_epi32(*a, _mm512_set1_epi32(four), w);
                }
            }
        }
        let rows = (p.n_out - b * LANES).min(LANES);
        // 128 * Σ w per row, which the unsigned inputs added.
        // SAFETY: 64 bytes from a 16-lane i32 array.
        let offset = unsafe { _mm512_loadu_si512(params.row_sum.as_ptr().cast()) };
        let offset = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli(offset));
        // The block's real rows: the last block of a layer may have fewer than 16.
        let mask: __mmask16 = if rows >= LANES {
            !0
        } else {
            (1u16 << rows) - 1
        };
        for (j, a) in acc.iter().enumerate() {
            let at = (first + j) * p.n_out + b * LANES;
            // SAFETY: AVX-512 is present (this function's features); `layer` checked
            // that `out` holds `rows * n_out` values, so the block's `rows` lanes from
            // `at` are in bounds, and the mask keeps the store to them.
            unsafe {
                let v = finish(_mm512_add_epi32(*a, offset), params, p.output);
                _mm512_mask_storeu_epi32(out.as_mut_ptr().add(at).cast(), mask, v);
            }
        }
    }
}

/// `128 * x` per lane.
#[inline(always)]
fn _mm512_slli(x: __m512i) -> __m512i {
    // SAFETY: AVX-512F is enabled in every caller.
    unsafe { core::arch::x86_64::_mm512_slli_epi32::<7>(x) }
}

/// [`super::pack::finish`] on 16 lanes at once: the bias, the sign's multiplier and total
/// shift, `(a * m + 2^(t-1)) >> t` in 64-bit lanes (`vpmuldq` is exact: `m < 2^31`), the
/// even lanes and the odd ones apart so that nothing crosses the register's halves, then
/// saturation (to i32 for logits; for int8 outputs to a range far enough inside i32 that
/// the zero point cannot wrap and far enough outside int8 that it saturates the same),
/// the zero point and int8 saturation.
///
/// # Safety
/// The CPU has AVX-512F ([`supported`]).
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
#[inline]
unsafe fn finish(acc: __m512i, p: &BlockParams<LANES>, output: Output) -> __m512i {
    // SAFETY: 64-byte loads from 16-lane i32 arrays.
    let load = |x: &[i32; LANES]| unsafe { _mm512_loadu_si512(x.as_ptr().cast()) };
    let a = _mm512_add_epi32(acc, load(&p.bias));
    let negative = _mm512_cmplt_epi32_mask(a, _mm512_setzero_si512());
    let m = _mm512_mask_blend_epi32(negative, load(&p.m_pos), load(&p.m_neg));
    let t = _mm512_mask_blend_epi32(negative, load(&p.t_pos), load(&p.t_neg));
    let (low, high) = match output {
        Output::Logits => (i64::from(i32::MIN), i64::from(i32::MAX)),
        Output::Int8 { .. } => (-(1 << 20), 1 << 20),
    };
    let (low, high) = (_mm512_set1_epi64(low), _mm512_set1_epi64(high));
    let one = _mm512_set1_epi64(1);
    // The i32 lanes in the low halves of the 64-bit lanes: `vpmuldq` reads only those
    // (sign-extended); the shift count is masked to them.
    let scale = |a: __m512i, m: __m512i, t: __m512i| -> __m512i {
        let t = _mm512_and_si512(t, _mm512_set1_epi64(0xFFFF_FFFF));
        let round = _mm512_sllv_epi64(one, _mm512_sub_epi64(t, one));
        let v = _mm512_srav_epi64(_mm512_add_epi64(_mm512_mul_epi32(a, m), round), t);
        _mm512_min_epi64(_mm512_max_epi64(v, low), high)
    };
    let even = scale(a, m, t);
    let odd = scale(
        _mm512_srli_epi64::<32>(a),
        _mm512_srli_epi64::<32>(m),
        _mm512_srli_epi64::<32>(t),
    );
    // Each 64-bit lane's value fits in its low 32 bits after the saturation.
    let v = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64::<32>(odd));
    match output {
        Output::Logits => v,
        Output::Int8 { zero_point } => {
            let v = _mm512_add_epi32(v, _mm512_set1_epi32(zero_point));
            _mm512_min_epi32(
                _mm512_max_epi32(v, _mm512_set1_epi32(-128)),
                _mm512_set1_epi32(127),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::pack;
    use core::arch::x86_64::_mm512_storeu_si512;

    #[test]
    fn vector_finish_is_the_scalar_one() {
        if !supported() {
            std::eprintln!(
                "NOTE: no AVX-512 VNNI on this CPU: its requantization is not tested here"
            );
            return;
        }
        for output in [Output::Logits, Output::Int8 { zero_point: -7 }] {
            for (p, acc) in pack::test_blocks::<LANES>() {
                let mut got = [0i32; LANES];
                // SAFETY: AVX-512 is present (checked above).
                unsafe {
                    let v = finish(_mm512_loadu_si512(acc.as_ptr().cast()), &p, output);
                    _mm512_storeu_si512(got.as_mut_ptr().cast(), v);
                }
                assert_eq!(got, pack::finish(&acc, &p, output), "{acc:?} {p:?}");
            }
        }
    }
}
