//! One frame, all stages: samples of every channel to `channels × n_bands` log-band values.

use bottleneck_format::FrontEnd;

use crate::{band_energies, fft_in_place, log2_q16, power_in_place, split_in_place, window_into};

/// Computes one frame's log-band values into `out` (`channels × n_bands`, channel by
/// channel, SPEC.md §8.8).
///
/// The frame is `parts[0]` then `parts[1]`, interleaved, oldest instant first (a ring
/// buffer's two halves; whole instants in each); `work` must hold `frame_len` values
/// ([`FrontEnd::frame_len`]); `weight_bits` is
/// [`FrontEnd::band_weight_bits`] (computed once per model by the caller). Returns
/// `false`, computing nothing, when `work` or `out` is too short.
pub fn log_bands(
    front_end: &FrontEnd<'_>,
    weight_bits: u32,
    parts: [&[i16]; 2],
    work: &mut [i32],
    out: &mut [u32],
) -> bool {
    let n = front_end.frame_len();
    let n_bands = front_end.n_bands();
    let log2n = front_end.log2_frame_len();
    if work.len() < n || out.len() < front_end.frame_width() {
        return false;
    }
    for (c, out) in out
        .chunks_exact_mut(n_bands)
        .take(front_end.channels())
        .enumerate()
    {
        window_into(
            parts,
            c,
            front_end.channels(),
            front_end.window_bytes(),
            log2n,
            work,
        );
        fft_in_place(work, log2n);
        split_in_place(work, log2n);
        let powers = power_in_place(work, log2n, weight_bits);
        band_energies(front_end, work, &powers, |b, e| {
            if let Some(slot) = out.get_mut(b) {
                *slot = log_band(e, powers.shift);
            }
        });
    }
    true
}

/// `L = log2q16(E) + p · 2^16` for a band energy `E ≥ 1` computed with frame shift `p`,
/// and 0 for `E = 0` (SPEC.md §8.6): the logarithm of the unshifted sum.
#[inline]
pub fn log_band(energy: u64, shift: u32) -> u32 {
    if energy == 0 {
        0
    } else {
        log2_q16(energy) + (shift << 16)
    }
}
