//! AVX2 dot products for x86-64 hosts (run-time detected, `std` feature): the input is
//! widened to i16 once per layer, then `vpmaddwd` does 16 multiply-accumulates per
//! instruction, four weight rows sharing each load of the input.
#![allow(unsafe_code)]

use core::arch::x86_64::{
    __m256i, _mm_add_epi32, _mm_cvtsi128_si32, _mm_extract_epi32, _mm_loadu_si128,
    _mm_shuffle_epi32, _mm256_add_epi32, _mm256_and_si256, _mm256_castsi256_si128,
    _mm256_cvtepi8_epi16, _mm256_extracti128_si256, _mm256_hadd_epi32, _mm256_loadu_si256,
    _mm256_madd_epi16, _mm256_setzero_si256,
};

use bottleneck_format::DenseLayer;

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
    super::dense_with(Backend::X86Avx2, layer, src, wide, dst);
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
pub fn dots(block: &[u8], n_in: usize, src: &[i8], wide: &[i16], acc: &mut [i32]) {
    let n = n_in.max(1);
    // Rows narrower than one vector are left to the portable loop.
    if n < 16 || !supported() || wide.len() < n || src.len() < n || block.len() < acc.len() * n {
        return portable::dots(block, n_in, src, acc);
    }
    if let Ok(acc4) = <&mut [i32; 4]>::try_from(&mut *acc) {
        // SAFETY: AVX2 is present (checked above); `block` holds 4 rows of `n >= 16`
        // bytes and `wide` at least `n` halfwords (checked above).
        *acc4 = unsafe { rows_avx2::<4>(block, n, wide) };
    } else {
        for (row, a) in block.chunks_exact(n).zip(acc.iter_mut()) {
            // SAFETY: as above, with one row of `n` bytes.
            let [d] = unsafe { rows_avx2::<1>(row, n, wide) };
            *a = d;
        }
    }
}

/// `MASK[k..]` loaded as 16 halfwords keeps the last `k` lanes and zeroes the others.
static MASK: [i16; 32] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1,
];

/// `R` dot products of length `n`.
///
/// Columns past the last multiple of 16 are covered by one more vector ending exactly at
/// column `n`, with the input lanes that the main loop already counted masked to zero:
/// no scalar tail, no read past a row.
///
/// # Safety
/// The CPU must support AVX2; `n >= 16`, `block.len() >= R * n` and `wide.len() >= n`.
#[target_feature(enable = "avx2")]
unsafe fn rows_avx2<const R: usize>(block: &[u8], n: usize, wide: &[i16]) -> [i32; R] {
    let mut sums: [__m256i; R] = [_mm256_setzero_si256(); R];
    let full = n - n % 16;
    let mut j = 0;
    while j < full {
        // SAFETY: j + 16 <= n <= wide.len().
        let x = unsafe { _mm256_loadu_si256(wide.as_ptr().add(j).cast()) };
        for (r, sum) in sums.iter_mut().enumerate() {
            // SAFETY: r * n + j + 16 <= R * n <= block.len().
            let w = unsafe { _mm_loadu_si128(block.as_ptr().add(r * n + j).cast()) };
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
            // SAFETY: r * n + n <= R * n <= block.len().
            let w = unsafe { _mm_loadu_si128(block.as_ptr().add(r * n + n - 16).cast()) };
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
