//! Stage 1 (SPEC.md §8.2): window one channel's frame and lay it out for the FFT.

use crate::fft::bit_reverse;

/// Windows `frame_len` samples of one channel into `work` as the FFT's input: the
/// windowed values `v_n = (x_n · w_n + 2^(s-1)) >> s`, `s = log2(frame_len) + 1`, paired
/// as complex values `z_m = v_2m + i·v_2m+1` and stored in bit-reversed order of `m`
/// (`work[2·rev(m)]`, `work[2·rev(m) + 1]`), so the FFT runs in place without a
/// permutation pass.
///
/// `samples` yields the frame oldest first; `window(n)` is the Q15 window value of
/// sample `n`. `work` must hold `frame_len` values; a shorter `samples` leaves the rest
/// as it was.
pub fn window_into(
    mut samples: impl Iterator<Item = i16>,
    window: impl Fn(usize) -> u32,
    log2_frame_len: u32,
    work: &mut [i32],
) {
    let shift = log2_frame_len + 1;
    let round = 1i32 << (shift - 1);
    // |x · w| ≤ 2^15 · 2^15 = 2^30: fits i32 with the rounding term.
    let windowed = |x: i16, n: usize| (i32::from(x) * window(n) as i32 + round) >> shift;
    let bits = log2_frame_len - 1;
    for m in 0..1usize << bits {
        let (Some(even), Some(odd)) = (samples.next(), samples.next()) else {
            return;
        };
        let at = 2 * bit_reverse(m, bits);
        if let Some(slot) = work.get_mut(at..at + 2) {
            slot.copy_from_slice(&[windowed(even, 2 * m), windowed(odd, 2 * m + 1)]);
        }
    }
}
