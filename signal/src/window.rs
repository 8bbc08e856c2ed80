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
/// this windows channel `channel` (`< channels`). `window` is the Q15 table as the file
/// stores it (`frame_len` u16 LE; empty, or any table shorter than the frame: every
/// value 32768). `work` must hold `frame_len` values (a shorter one is left as it was).
pub fn window_into(
    parts: [&[i16]; 2],
    channel: usize,
    channels: usize,
    window: &[u8],
    log2_frame_len: u32,
    work: &mut [i32],
) {
    let n = 1usize << log2_frame_len;
    let Some(work) = work.get_mut(..n) else {
        return;
    };
    let stride = channels.max(1);
    let at = Layout {
        shift: log2_frame_len + 1,
        bits: log2_frame_len - 1,
        window: window.get(..2 * n).unwrap_or(&[]),
    };
    // Instants each part gives the frame, oldest first.
    let n0 = (parts[0].len() / stride).min(n);
    let n1 = (parts[1].len() / stride).min(n - n0);
    let head = parts[0].get(..n0 * stride).unwrap_or(&[]);
    let tail = parts[1].get(..n1 * stride).unwrap_or(&[]);
    // The stage works on pairs of instants (one complex value); when the first part
    // holds an odd number, one pair has an instant in each part.
    let straddles = n0 % 2 == 1;
    let (head, last) = head.split_at(head.len() - usize::from(straddles) * stride);
    let (first, tail) = tail.split_at(usize::from(straddles) * stride.min(tail.len()));
    at.pairs(head, stride, channel, 0, work);
    if straddles {
        let pick = |instant: &[i16]| instant.get(channel).copied().unwrap_or(0);
        at.store(n0 / 2, [pick(last), pick(first)], work);
    }
    at.pairs(tail, stride, channel, n0.div_ceil(2), work);
}

/// What every pair of the frame needs: the scaling, the FFT's bit count, the window.
struct Layout<'a> {
    /// `s = log2(frame_len) + 1`.
    shift: u32,
    /// Bits of a complex index (`log2(frame_len) - 1`).
    bits: u32,
    /// The whole Q15 table, or empty for none.
    window: &'a [u8],
}

impl Layout<'_> {
    /// Windows the whole pairs of instants in `samples` (channel `channel` of `stride`),
    /// the first of them the frame's pair `first_pair`.
    fn pairs(
        &self,
        samples: &[i16],
        stride: usize,
        channel: usize,
        first_pair: usize,
        work: &mut [i32],
    ) {
        // Mono is the common case: with the stride a constant, the pair is two adjacent
        // samples and the loop has no index arithmetic left.
        match (stride, self.window.is_empty()) {
            (1, false) => self.run(samples, 1, 0, first_pair, self.weights(first_pair), work),
            (1, true) => self.run(samples, 1, 0, first_pair, unit_weights(), work),
            (_, false) => self.run(
                samples,
                stride,
                channel,
                first_pair,
                self.weights(first_pair),
                work,
            ),
            (_, true) => self.run(samples, stride, channel, first_pair, unit_weights(), work),
        }
    }

    /// The pair loop: one counted loop over the samples and the weights together.
    #[inline(always)]
    fn run(
        &self,
        samples: &[i16],
        stride: usize,
        channel: usize,
        first_pair: usize,
        weights: impl Iterator<Item = [i32; 2]>,
        work: &mut [i32],
    ) {
        for (j, (pair, w)) in samples.chunks_exact(2 * stride).zip(weights).enumerate() {
            let x = |i: usize| pair.get(i).map_or(0, |&x| i32::from(x));
            self.put(first_pair + j, [x(channel), x(stride + channel)], w, work);
        }
    }

    /// Stores pair `m` from its two samples and weights.
    #[inline(always)]
    fn put(&self, m: usize, [a, b]: [i32; 2], [wa, wb]: [i32; 2], work: &mut [i32]) {
        let round = 1i32 << (self.shift - 1);
        // |x · w| ≤ 2^15 · 2^15 = 2^30: fits i32 with the rounding term.
        let v = [
            (a * wa + round) >> self.shift,
            (b * wb + round) >> self.shift,
        ];
        let r = 2 * bit_reverse(m, self.bits);
        if let Some(slot) = work.get_mut(r..r + 2) {
            slot.copy_from_slice(&v);
        }
    }

    /// The window's weights in pairs from pair `first_pair` on.
    fn weights(&self, first_pair: usize) -> impl Iterator<Item = [i32; 2]> + '_ {
        let table = self.window.get(4 * first_pair..).unwrap_or(&[]);
        table.chunks_exact(4).map(|c| match *c {
            [a, b, c, d] => [
                i32::from(u16::from_le_bytes([a, b])),
                i32::from(u16::from_le_bytes([c, d])),
            ],
            _ => [0, 0],
        })
    }

    /// One pair from its two samples (the pair across the ring's two halves).
    fn store(&self, m: usize, [a, b]: [i16; 2], work: &mut [i32]) {
        let w = self.weights(m).next().unwrap_or([Q15_ONE; 2]);
        self.put(m, [i32::from(a), i32::from(b)], w, work);
    }
}

/// The weights of "no window": every value 1.0.
fn unit_weights() -> impl Iterator<Item = [i32; 2]> {
    core::iter::repeat([Q15_ONE; 2])
}

/// The Q15 value of 1.0.
const Q15_ONE: i32 = 32768;
