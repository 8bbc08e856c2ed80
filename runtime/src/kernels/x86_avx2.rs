//! AVX2 dot products for x86-64 hosts (run-time detected, `std` feature): the input is
//! widened to i16 once per layer, then `vpmaddwd` does 16 multiply-accumulates per
//! instruction, four weight rows sharing each load of the input.
#![allow(unsafe_code)]

use core::arch::x86_64::{
    __m256i, _CMP_GE_OQ, _CMP_GT_OQ, _CMP_UNORD_Q, _mm_add_epi32, _mm_add_epi64, _mm_and_si128,
    _mm_andnot_si128, _mm_blendv_epi8, _mm_cmpgt_epi32, _mm_cvtsi128_si32, _mm_cvtsi128_si64,
    _mm_extract_epi32, _mm_i32gather_epi32, _mm_loadu_si128, _mm_movemask_epi8, _mm_mul_epi32,
    _mm_mul_epu32, _mm_or_si128, _mm_packs_epi16, _mm_packs_epi32, _mm_set_epi32, _mm_set1_epi32,
    _mm_set1_epi64x, _mm_setr_epi32, _mm_setzero_si128, _mm_shuffle_epi32, _mm_slli_epi32,
    _mm_slli_epi64, _mm_sllv_epi64, _mm_srai_epi32, _mm_srav_epi32, _mm_srli_epi64, _mm_sub_epi32,
    _mm256_add_epi32, _mm256_add_ps, _mm256_and_si256, _mm256_andnot_si256, _mm256_castpd_ps,
    _mm256_castps_pd, _mm256_castps_si256, _mm256_castsi256_si128, _mm256_cmp_ps,
    _mm256_cvtepi8_epi16, _mm256_cvtepi32_ps, _mm256_cvttps_epi32, _mm256_extracti128_si256,
    _mm256_hadd_epi32, _mm256_loadu_ps, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_max_ps,
    _mm256_min_ps, _mm256_mul_ps, _mm256_permute4x64_pd, _mm256_set1_ps, _mm256_setzero_si256,
    _mm256_shuffle_ps, _mm256_sub_epi32, _mm256_sub_ps,
};

use bottleneck_format::{Activation, DENSE_CHANNEL_LEN, DenseLayer, SHARED_CHANNEL_LEN};

use super::{Backend, portable};

/// Whether this CPU has AVX2 (std caches the answer).
pub fn supported() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// Runs a whole dense layer compiled for AVX2, so the requantization around the dot
/// products is scheduled together with them; false (nothing done) without AVX2.
pub fn dense(layer: &DenseLayer<'_>, src: &[i8], wide: &mut [i16], dst: &mut [i8]) -> bool {
    if !supported() {
        return false;
    }
    // SAFETY: AVX2 is present.
    unsafe { dense_avx2(layer, src, wide, dst) };
    true
}

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
unsafe fn dense_avx2(layer: &DenseLayer<'_>, src: &[i8], wide: &mut [i16], dst: &mut [i8]) {
    let n = layer.n_in().max(1);
    let stride = layer.row_stride();
    let (weights, channels) = (layer.weights(), layer.channel_records());
    if n < 16 || stride < n || wide.len() < n || src.len() < n {
        return super::dense::dense_with(Backend::X86Avx2, layer, src, wide, dst);
    }
    prepare(src, wide);
    let zero_point = i32::from(layer.output_zero_point());
    let len = layer.record_len();
    let blocks = weights
        .chunks_exact(4 * stride)
        .zip(channels.chunks_exact(4 * len))
        .zip(dst.chunks_exact_mut(4));
    let mut done = 0;
    for ((block, records), out) in blocks {
        // SAFETY: AVX2 is present; `block` is 4 rows of stride >= n >= 16 bytes,
        // `wide` >= n.
        let acc = unsafe { rows_avx2::<4>(block, n, stride, wide) };
        // SAFETY: AVX2 is present; `records` is 4 whole channel records.
        match unsafe { requantize4(acc, records, layer.activation(), zero_point) } {
            Some(bytes) => out.copy_from_slice(&bytes),
            None => {
                for (k, (o, a)) in out.iter_mut().zip(acc).enumerate() {
                    if let Some(ch) = layer.channel(done + k) {
                        *o = super::requantize::dense_output(a, &ch, zero_point);
                    }
                }
            }
        }
        done += 4;
    }
    // The last rows, fewer than four.
    let rows = weights
        .get(done * stride..)
        .unwrap_or(&[])
        .chunks_exact(stride);
    let records = layer.channels().skip(done);
    let outs = dst.get_mut(done..).unwrap_or(&mut []);
    for ((row, ch), o) in rows.zip(records).zip(outs) {
        // SAFETY: AVX2 is present; one row of stride >= n >= 16 bytes, `wide` >= n.
        let [a] = unsafe { rows_avx2::<1>(row, n, stride, wide) };
        *o = super::requantize::dense_output(a, &ch, zero_point);
    }
}

/// Requantizes four accumulators at once, exactly as [`super::requantize::dense_output`] does each:
/// bias, LeakyReLU select, `(acc * m + 2^(31 + t)) >> (32 + t)` with one rounding step,
/// zero point, saturation. `None` when a shift is outside the usual `1..=31` (total shifts
/// of 32 bits or more), which the scalar path handles.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
unsafe fn requantize4(
    acc: [i32; 4],
    records: &[u8],
    activation: Activation,
    zero_point: i32,
) -> Option<[i8; 4]> {
    let base = records.as_ptr();
    let (bias, positive, negative, positive_shift, negative_shift) = match activation {
        Activation::PerChannel => {
            if records.len() < 4 * DENSE_CHANNEL_LEN {
                return None;
            }
            let stride = DENSE_CHANNEL_LEN as i32;
            let index = _mm_setr_epi32(0, stride, 2 * stride, 3 * stride);
            // SAFETY: every gathered word lies inside the four records: the last one read
            // starts at 3 * 14 + 10 and ends at 56 = 4 * 14.
            let (bias, positive, negative, shifts) = unsafe {
                (
                    _mm_i32gather_epi32::<1>(base.cast(), index),
                    _mm_i32gather_epi32::<1>(base.add(4).cast(), index),
                    _mm_i32gather_epi32::<1>(base.add(8).cast(), index),
                    // Bytes 10..14: the top of the negative multiplier, then the shifts.
                    _mm_i32gather_epi32::<1>(base.add(10).cast(), index),
                )
            };
            let positive_shift = _mm_srai_epi32::<24>(_mm_slli_epi32::<8>(shifts));
            (
                bias,
                positive,
                negative,
                positive_shift,
                _mm_srai_epi32::<24>(shifts),
            )
        }
        Activation::Linear | Activation::LeakyRelu(_) | Activation::Relu => {
            if records.len() < 4 * SHARED_CHANNEL_LEN {
                return None;
            }
            let stride = SHARED_CHANNEL_LEN as i32;
            let index = _mm_setr_epi32(0, stride, 2 * stride, 3 * stride);
            // SAFETY: the last gathered word starts at 3 * 9 + 5 and ends at 36 = 4 * 9.
            let (bias, positive, shifts) = unsafe {
                (
                    _mm_i32gather_epi32::<1>(base.cast(), index),
                    _mm_i32gather_epi32::<1>(base.add(4).cast(), index),
                    // Bytes 5..9: the top of the multiplier, then the shift.
                    _mm_i32gather_epi32::<1>(base.add(5).cast(), index),
                )
            };
            let shift = _mm_srai_epi32::<24>(shifts);
            match activation {
                Activation::LeakyRelu(slope) => {
                    // Requant::scaled_by, four lanes: round_half_up(m * k / 2^31).
                    let k = _mm_set1_epi32(slope.multiplier);
                    let half = _mm_set1_epi64x(1 << 30);
                    let even =
                        _mm_srli_epi64::<31>(_mm_add_epi64(_mm_mul_epu32(positive, k), half));
                    let odd = _mm_srli_epi64::<31>(_mm_add_epi64(
                        _mm_mul_epu32(_mm_srli_epi64::<32>(positive), k),
                        half,
                    ));
                    let negative = _mm_or_si128(
                        _mm_and_si128(even, _mm_set_epi32(0, -1, 0, -1)),
                        _mm_slli_epi64::<32>(odd),
                    );
                    let negative_shift =
                        _mm_add_epi32(shift, _mm_set1_epi32(i32::from(slope.shift)));
                    (bias, positive, negative, shift, negative_shift)
                }
                // Multiplier 0 below zero: the output is the zero point.
                Activation::Relu => (bias, positive, _mm_setzero_si128(), shift, shift),
                // Exhaustive on purpose: a new activation must say what it does here.
                Activation::Linear | Activation::PerChannel => {
                    (bias, positive, positive, shift, shift)
                }
            }
        }
    };
    let acc = _mm_add_epi32(_mm_setr_epi32(acc[0], acc[1], acc[2], acc[3]), bias);
    let is_negative = _mm_cmpgt_epi32(_mm_setzero_si128(), acc);
    let multiplier = _mm_blendv_epi8(positive, negative, is_negative);
    // Total shift 31 + s = 32 + t.
    let t = _mm_sub_epi32(
        _mm_blendv_epi8(positive_shift, negative_shift, is_negative),
        _mm_set1_epi32(1),
    );
    let out_of_range = _mm_or_si128(
        _mm_cmpgt_epi32(_mm_setzero_si128(), t),
        _mm_cmpgt_epi32(t, _mm_set1_epi32(30)),
    );
    if _mm_movemask_epi8(out_of_range) != 0 {
        return None;
    }
    // 64-bit products of the even lanes, then of the odd lanes.
    let even = _mm_mul_epi32(acc, multiplier);
    let odd = _mm_mul_epi32(_mm_srli_epi64::<32>(acc), _mm_srli_epi64::<32>(multiplier));
    // Rounding constants 2^(31 + t), per 64-bit lane.
    let count = _mm_add_epi32(t, _mm_set1_epi32(31));
    let low = _mm_set_epi32(0, -1, 0, -1);
    let one = _mm_set1_epi64x(1);
    let even = _mm_add_epi64(even, _mm_sllv_epi64(one, _mm_and_si128(count, low)));
    let odd = _mm_add_epi64(odd, _mm_sllv_epi64(one, _mm_srli_epi64::<32>(count)));
    // High words of the four sums, back in lane order, then the remaining shift by t.
    let high = _mm_or_si128(_mm_srli_epi64::<32>(even), _mm_andnot_si128(low, odd));
    let v = _mm_add_epi32(_mm_srav_epi32(high, t), _mm_set1_epi32(zero_point));
    let packed = _mm_packs_epi16(_mm_packs_epi32(v, v), _mm_setzero_si128());
    Some(_mm_cvtsi128_si32(packed).to_le_bytes().map(|b| b as i8))
}

/// Quantizes the first multiple of eight features as [`super::quantize::quantize_input`] does, eight
/// at a time; returns how many were done (0 without AVX2).
pub fn quantize_inputs(sample: &[f32], affine: &[u8], out: &mut [i8]) -> usize {
    let n = sample.len().min(affine.len() / 8).min(out.len());
    let n = n - n % 8;
    if n == 0 || !supported() {
        return 0;
    }
    // SAFETY: AVX2 is present; all three slices cover `n` features.
    unsafe { quantize8(sample, affine, out, n) };
    n
}

/// # Safety
/// The CPU must support AVX2; `sample`, `affine` (8 bytes per feature) and `out` must
/// cover `n`, a multiple of 8, features.
#[target_feature(enable = "avx2")]
unsafe fn quantize8(sample: &[f32], affine: &[u8], out: &mut [i8], n: usize) {
    let mut i = 0;
    while i < n {
        // SAFETY: features i..i + 8 are inside all three slices.
        let (x, lo, hi) = unsafe {
            (
                _mm256_loadu_ps(sample.as_ptr().add(i)),
                _mm256_loadu_ps(affine.as_ptr().add(8 * i).cast()),
                _mm256_loadu_ps(affine.as_ptr().add(8 * i + 32).cast()),
            )
        };
        // Deinterleave a0 b0 a1 b1 ... into a0..a7 and b0..b7.
        let a = _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_castps_pd(
            _mm256_shuffle_ps::<0b10_00_10_00>(lo, hi),
        )));
        let b = _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_castps_pd(
            _mm256_shuffle_ps::<0b11_01_11_01>(lo, hi),
        )));
        // Two roundings, never a fused multiply-add, then the scalar path's clamp, exact
        // floor and round-half-up.
        let v = _mm256_add_ps(_mm256_mul_ps(x, a), b);
        // NaN (only from callers that skip the finiteness check) quantizes to 0, as in the
        // scalar path.
        let nan = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_UNORD_Q>(v, v));
        let v = _mm256_max_ps(
            _mm256_min_ps(v, _mm256_set1_ps(200.0)),
            _mm256_set1_ps(-200.0),
        );
        let t = _mm256_cvttps_epi32(v);
        let above = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_GT_OQ>(_mm256_cvtepi32_ps(t), v));
        let floor = _mm256_add_epi32(t, above);
        let frac = _mm256_sub_ps(v, _mm256_cvtepi32_ps(floor));
        let up = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_GE_OQ>(frac, _mm256_set1_ps(0.5)));
        let q = _mm256_andnot_si256(nan, _mm256_sub_epi32(floor, up));
        // Saturating packs clamp to -128..=127 exactly as the scalar clamp does.
        let q16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256::<1>(q));
        let q8 = _mm_packs_epi16(q16, q16);
        let bytes = (_mm_cvtsi128_si64(q8) as u64).to_le_bytes();
        if let Some(o) = out.get_mut(i..i + 8) {
            for (o, b) in o.iter_mut().zip(bytes) {
                *o = b as i8;
            }
        }
        i += 8;
    }
}

/// Sign-extends the input to i16, in order.
#[inline(always)]
pub fn prepare(src: &[i8], wide: &mut [i16]) {
    for (w, &x) in wide.iter_mut().zip(src) {
        *w = i16::from(x);
    }
}

/// Dot products of the rows of `block` with the input; four rows per pass when possible.
#[inline(always)]
pub fn dots(block: &[u8], n_in: usize, stride: usize, src: &[i8], wide: &[i16], acc: &mut [i32]) {
    let n = n_in.max(1);
    // Rows narrower than one vector are left to the portable loop.
    if n < 16
        || !supported()
        || stride < n
        || wide.len() < n
        || src.len() < n
        || block.len() < acc.len() * stride
    {
        return portable::dots(block, n_in, stride, src, acc);
    }
    if let Ok(acc4) = <&mut [i32; 4]>::try_from(&mut *acc) {
        // SAFETY: AVX2 is present (checked above); `block` holds 4 rows of `stride >= n
        // >= 16` bytes and `wide` at least `n` halfwords (checked above).
        *acc4 = unsafe { rows_avx2::<4>(block, n, stride, wide) };
    } else {
        for (row, a) in block.chunks_exact(stride).zip(acc.iter_mut()) {
            // SAFETY: as above, with one row of `stride >= n` bytes.
            let [d] = unsafe { rows_avx2::<1>(row, n, stride, wide) };
            *a = d;
        }
    }
}

/// `MASK[k..]` loaded as 16 halfwords keeps the last `k` lanes and zeroes the others.
static MASK: [i16; 32] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1,
];

/// `R` dot products of length `n`, one row every `stride` bytes of `block`.
///
/// Columns past the last multiple of 16 are covered by one more vector ending exactly at
/// column `n`, with the input lanes that the main loop already counted masked to zero:
/// no scalar tail, no read past a row.
///
/// # Safety
/// The CPU must support AVX2; `n >= 16`, `stride >= n`, `block.len() >= (R - 1) *
/// stride + n` and `wide.len() >= n`.
#[target_feature(enable = "avx2")]
unsafe fn rows_avx2<const R: usize>(
    block: &[u8],
    n: usize,
    stride: usize,
    wide: &[i16],
) -> [i32; R] {
    let mut sums: [__m256i; R] = [_mm256_setzero_si256(); R];
    let full = n - n % 16;
    let mut j = 0;
    while j < full {
        // SAFETY: j + 16 <= n <= wide.len().
        let x = unsafe { _mm256_loadu_si256(wide.as_ptr().add(j).cast()) };
        for (r, sum) in sums.iter_mut().enumerate() {
            // SAFETY: r * stride + j + 16 <= (R - 1) * stride + n <= block.len().
            let w = unsafe { _mm_loadu_si128(block.as_ptr().add(r * stride + j).cast()) };
            *sum = _mm256_add_epi32(*sum, _mm256_madd_epi16(_mm256_cvtepi8_epi16(w), x));
        }
        j += 16;
    }
    let rest = n - full;
    if rest > 0 {
        // SAFETY: n >= 16, so [n - 16, n) is inside `wide` and inside every row;
        // rest + 16 <= 32 = MASK.len().
        let x = unsafe {
            let x = _mm256_loadu_si256(wide.as_ptr().add(n - 16).cast());
            let keep = _mm256_loadu_si256(MASK.as_ptr().add(rest).cast());
            _mm256_and_si256(x, keep)
        };
        for (r, sum) in sums.iter_mut().enumerate() {
            // SAFETY: r * stride + n <= (R - 1) * stride + n <= block.len().
            let w = unsafe { _mm_loadu_si128(block.as_ptr().add(r * stride + n - 16).cast()) };
            *sum = _mm256_add_epi32(*sum, _mm256_madd_epi16(_mm256_cvtepi8_epi16(w), x));
        }
    }
    let mut out = [0i32; R];
    if let ([s0, s1, s2, s3], [o0, o1, o2, o3]) = (sums.as_slice(), out.as_mut_slice()) {
        // Four horizontal sums at once: two rounds of pairwise adds, then the halves.
        let s = _mm256_hadd_epi32(_mm256_hadd_epi32(*s0, *s1), _mm256_hadd_epi32(*s2, *s3));
        let v = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256::<1>(s));
        (*o0, *o1, *o2, *o3) = (
            _mm_extract_epi32::<0>(v),
            _mm_extract_epi32::<1>(v),
            _mm_extract_epi32::<2>(v),
            _mm_extract_epi32::<3>(v),
        );
        return out;
    }
    for (sum, o) in sums.iter().zip(out.iter_mut()) {
        let v = _mm_add_epi32(
            _mm256_castsi256_si128(*sum),
            _mm256_extracti128_si256::<1>(*sum),
        );
        let v = _mm_add_epi32(v, _mm_shuffle_epi32::<0b01_00_11_10>(v));
        let v = _mm_add_epi32(v, _mm_shuffle_epi32::<0b10_11_00_01>(v));
        *o = _mm_cvtsi128_si32(v);
    }
    out
}
