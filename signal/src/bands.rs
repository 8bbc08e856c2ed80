//! Stage 4 (SPEC.md §8.5): power per bin, weighted into band energies.

use bottleneck_format::FrontEnd;

use crate::real::bin;

/// Power of bin `k`: `Y_k.re² + Y_k.im²`, exact (below 2^62 for a checked front end).
#[inline(always)]
pub fn power(re: i32, im: i32) -> u64 {
    let (re, im) = (i64::from(re), i64::from(im));
    (re * re) as u64 + (im * im) as u64
}

/// Calls `out(b, E_b)` for every band `b` of `front_end`, in band order, with
/// `E_b = Σ_j w_(b,j) · (P_(first_b + j) >> power_shift)` over the spectrum
/// [`crate::split_in_place`] left in `work`. The loader has checked that no sum can
/// overflow u64.
pub fn band_energies(front_end: &FrontEnd<'_>, work: &[i32], mut out: impl FnMut(usize, u64)) {
    let log2n = front_end.log2_frame_len();
    let shift = front_end.power_shift();
    for (b, band) in front_end.bands().enumerate() {
        let mut energy = 0u64;
        for (j, w) in band.weights().enumerate() {
            let (re, im) = bin(work, band.first_bin + j, log2n);
            energy = energy.wrapping_add(u64::from(w).wrapping_mul(power(re, im) >> shift));
        }
        out(b, energy);
    }
}
