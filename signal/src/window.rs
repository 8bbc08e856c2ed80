//! Stage 1 (SPEC.md §8.2): window one channel's frame and lay it out for the FFT.

use crate::fft::bit_reverse;

/// Windows `frame_len` samples of one channel into `work` as the FFT's input: the
/// windowed values `v_n = (x_n · w_n + 2^(s-1)) >> s`, `s = log2(frame_len) + 1`, paired
/// as complex values `z_m = v_2m + i·v_2m+1` and stored in bit-reversed order of `m`
/// (`work[2·rev(m)]`, `work[2·rev(m) + 1]`), so the FFT runs in place without a
/// permutation pass.
///
/// The frame is `parts[0]` then `parts[1]` (a ring buffer's two halves, oldest first;
/// either may be empty), `channels` samples per instant, whole instants in each part;
/// this windows channel `channel`. `window` is the Q15 table as the file stores it
/// (`frame_len` u16 LE; empty: every value 32768). `work` must hold `frame_len` values (a
/// shorter one is left as it was).
pub fn window_into(
    parts: [&[i16]; 2],
    channel: usize,
    channels: usize,
    window: &[u8],
    log2_frame_len: u32,
    work: &mut [i32],
) {
    let shift = log2_frame_len + 1;
    let round = 1i32 << (shift - 1);
    let n = 1usize << log2_frame_len;
    let bits = log2_frame_len - 1;
    let Some(work) = work.get_mut(..n) else {
        return;
    };
    let weight = |i: usize| match window.get(2 * i..2 * i + 2) {
        Some(&[lo, hi]) => u32::from(u16::from_le_bytes([lo, hi])),
        _ => Q15_ONE,
    };
    // Plain loops over the parts' instants: this stage runs once per sample, and
    // iterator adaptors (chain, step_by) cost more here than the arithmetic.
    let mut i = 0;
    for part in parts {
        for instant in part.chunks_exact(channels.max(1)) {
            if i == n {
                return;
            }
            let x = instant.get(channel).copied().unwrap_or(0);
            // |x · w| ≤ 2^15 · 2^15 = 2^30: fits i32 with the rounding term.
            let v = (i32::from(x) * weight(i) as i32 + round) >> shift;
            if let Some(slot) = work.get_mut(2 * bit_reverse(i >> 1, bits) + (i & 1)) {
                *slot = v;
            }
            i += 1;
        }
    }
}

/// The Q15 value of 1.0.
const Q15_ONE: u32 = 32768;
