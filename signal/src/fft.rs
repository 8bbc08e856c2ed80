//! Stage 2 (SPEC.md §8.3): the complex radix-2 FFT of half a frame, in place.

use crate::tables::{LOG2_MAX_FRAME, twiddle};

/// `m` with its lowest `bits` bits in reverse order.
#[inline(always)]
pub fn bit_reverse(m: usize, bits: u32) -> usize {
    if bits == 0 {
        return 0;
    }
    m.reverse_bits() >> (usize::BITS - bits)
}

/// `(w · b)` rounded, for the Q30 twiddle `w = c - i·s` (SPEC.md §8.3).
#[inline(always)]
pub fn rotate(c: i32, s: i32, re: i32, im: i32) -> (i32, i32) {
    let (c, s, re, im) = (i64::from(c), i64::from(s), i64::from(re), i64::from(im));
    let round = 1i64 << 29;
    (
        ((c * re + s * im + round) >> 30) as i32,
        ((c * im - s * re + round) >> 30) as i32,
    )
}

/// The decimation-in-time FFT of the `frame_len / 2` complex values in `work`
/// (interleaved re, im; already in bit-reversed order, as [`crate::window_into`] leaves
/// them), with the twiddles `W_len^k = W_2048^(k · 2048 / len)` of the shared table.
pub fn fft_in_place(work: &mut [i32], log2_frame_len: u32) {
    let m = 1usize << (log2_frame_len - 1);
    let Some(work) = work.get_mut(..2 * m) else {
        return;
    };
    let mut len = 2;
    while len <= m {
        let half = len / 2;
        // Table index step: 2048 / len.
        let step = 1usize << (LOG2_MAX_FRAME - len.trailing_zeros());
        for block in work.chunks_exact_mut(2 * len) {
            let (lower, upper) = block.split_at_mut(2 * half);
            for (k, (a, b)) in lower
                .chunks_exact_mut(2)
                .zip(upper.chunks_exact_mut(2))
                .enumerate()
            {
                let (&mut [ar, ai], &mut [br, bi]) = (&mut *a, &mut *b) else {
                    continue;
                };
                // The twiddle of k = 0 is exactly 1 (2^30, 0): its rounded product is b
                // itself, so a fifth of the butterflies (every one of the first stage)
                // skip the multiplications with the same result.
                let (tr, ti) = if k == 0 {
                    (br, bi)
                } else {
                    let (c, s) = twiddle(k * step);
                    rotate(c, s, br, bi)
                };
                a.copy_from_slice(&[ar.wrapping_add(tr), ai.wrapping_add(ti)]);
                b.copy_from_slice(&[ar.wrapping_sub(tr), ai.wrapping_sub(ti)]);
            }
        }
        len *= 2;
    }
}
