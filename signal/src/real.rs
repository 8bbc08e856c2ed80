//! Stage 3 (SPEC.md §8.4): the spectrum of the real frame from the FFT of its halves.

use crate::fft::rotate;
use crate::tables::{LOG2_MAX_FRAME, TWIDDLES};

/// Turns the `M = frame_len / 2` point FFT `Z` in `work` into `Y_k ≈ 2·X_k`, the real
/// frame's spectrum for bins `k = 0 ..= M`, in place: bin `k` (`0 < k < M`) at
/// `work[2k]`, `work[2k + 1]`; the real `Y_0` at `work[0]` and the real `Y_M` at
/// `work[1]` (both have a zero imaginary part).
///
/// With `A = Z_k + conj(Z_(M-k))`, `B = Z_k - conj(Z_(M-k))` (`Z_M = Z_0`) and the Q30
/// twiddle `(c, s)` of angle `2πk / frame_len`: `Y_k = A + (-i·W^k)·B`, the product
/// rounded as in the FFT.
pub fn split_in_place(work: &mut [i32], log2_frame_len: u32) {
    let m = 1usize << (log2_frame_len - 1);
    let step = 1usize << (LOG2_MAX_FRAME - log2_frame_len);
    let Some(work) = work.get_mut(..2 * m) else {
        return;
    };
    // Bins k < M/2 in the lower half, the others in the upper; bins k and M - k read the
    // same two FFT values, so the loop takes them together, one from each end.
    let (lower, upper) = work.split_at_mut(m);
    let (Some((z0, lower)), Some((middle, upper))) =
        (lower.split_at_mut_checked(2), upper.split_at_mut_checked(2))
    else {
        return;
    };
    // Bin 0 pairs with Z_0 itself (Z_M is Z_0: the FFT is M-periodic); Y_0 and Y_M are
    // real and packed into bin 0's two slots. Their twiddles are entries 0 and 1024.
    if let &mut [re, im] = z0 {
        let z = (re, im);
        let y0 = spectrum_bin(z, z, (1 << 30, 0));
        let ym = spectrum_bin(z, z, (-(1 << 30), 0));
        z0.copy_from_slice(&[y0.0, ym.0]);
    }
    // Entry j = k · step, and for bin M - k entry 1024 - j: (-c_j, s_j), as the angles
    // are mirrored (the table is symmetric: no value lies near a tie, see SPEC.md §8.3).
    let twiddles = TWIDDLES.get(step..).unwrap_or(&[]).chunks_exact(step);
    let pairs = lower.chunks_exact_mut(2).zip(upper.rchunks_exact_mut(2));
    for ((z, zm), w) in pairs.zip(twiddles) {
        let (&mut [re, im], &mut [mre, mim], &[[c, s], ..]) = (&mut *z, &mut *zm, w) else {
            continue;
        };
        let y = spectrum_bin((re, im), (mre, mim), (c, s));
        let ym = spectrum_bin((mre, mim), (re, im), (c.wrapping_neg(), s));
        z.copy_from_slice(&[y.0, y.1]);
        zm.copy_from_slice(&[ym.0, ym.1]);
    }
    // Bin M/2 pairs with itself; its twiddle is entry 512, (0, 2^30).
    if let &mut [re, im] = middle {
        let y = spectrum_bin((re, im), (re, im), (0, 1 << 30));
        middle.copy_from_slice(&[y.0, y.1]);
    }
}

/// One bin of the split: `Y = A + (-i·W)·B` from `Z_k`, `Z_(M-k)` and `W = c - i·s`.
#[inline(always)]
fn spectrum_bin(z: (i32, i32), zm: (i32, i32), (c, s): (i32, i32)) -> (i32, i32) {
    let (a_re, a_im) = (z.0.wrapping_add(zm.0), z.1.wrapping_sub(zm.1));
    let (b_re, b_im) = (z.0.wrapping_sub(zm.0), z.1.wrapping_add(zm.1));
    // -i·W = -s - i·c: the rotation by the twiddle (c', s') = (-s, c) of `rotate`.
    let (c_re, c_im) = rotate(s.wrapping_neg(), c, b_re, b_im);
    (a_re.wrapping_add(c_re), a_im.wrapping_add(c_im))
}

/// Bin `k` (`0 ..= frame_len / 2`) of a spectrum [`split_in_place`] left in `work`.
#[inline(always)]
pub fn bin(work: &[i32], k: usize, log2_frame_len: u32) -> (i32, i32) {
    let m = 1usize << (log2_frame_len - 1);
    let at = |i: usize| work.get(i).copied().unwrap_or(0);
    match k {
        0 => (at(0), 0),
        k if k == m => (at(1), 0),
        k => (at(2 * k), at(2 * k + 1)),
    }
}
