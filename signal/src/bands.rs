//! Stage 4 (SPEC.md §8.5): power per bin, the frame's shift, weighted band energies.

use bottleneck_format::FrontEnd;

use crate::real::bin;

/// Power of bin `k`: `Y_k.re² + Y_k.im²`, exact (below 2^62 for a checked front end).
#[inline(always)]
pub fn power(re: i32, im: i32) -> u64 {
    let (re, im) = (i64::from(re), i64::from(im));
    (re * re) as u64 + (im * im) as u64
}

/// Bits of `x`: `64 - clz(x)`, 0 for 0.
#[inline(always)]
pub fn bit_length(x: u64) -> u32 {
    u64::BITS - x.leading_zeros()
}

/// The frame's shift `p = max(0, bits(P_max) + weight_bits - 64)`: the least that keeps
/// every band sum `Σ w · (P >> p)` below 2^64 (SPEC.md §8.5).
pub fn frame_shift(front_end: &FrontEnd<'_>, work: &[i32], weight_bits: u32) -> u32 {
    let log2n = front_end.log2_frame_len();
    let largest = (0..front_end.n_bins())
        .map(|k| {
            let (re, im) = bin(work, k, log2n);
            power(re, im)
        })
        .max()
        .unwrap_or(0);
    (bit_length(largest) + weight_bits).saturating_sub(64)
}

/// Calls `out(b, E_b)` for every band `b` of `front_end`, in band order, with
/// `E_b = Σ_j w_(b,j) · (P_(first_b + j) >> shift)` over the spectrum
/// [`crate::split_in_place`] left in `work`; with the [`frame_shift`] no sum overflows.
pub fn band_energies(
    front_end: &FrontEnd<'_>,
    work: &[i32],
    shift: u32,
    mut out: impl FnMut(usize, u64),
) {
    let log2n = front_end.log2_frame_len();
    for (b, band) in front_end.bands().enumerate() {
        let mut energy = 0u64;
        for (j, w) in band.weights().enumerate() {
            let (re, im) = bin(work, band.first_bin + j, log2n);
            energy = energy.wrapping_add(u64::from(w).wrapping_mul(power(re, im) >> shift));
        }
        out(b, energy);
    }
}
