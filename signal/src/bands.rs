//! Stage 4 (SPEC.md §8.5): power per bin, the frame's shift, weighted band energies.

use bottleneck_format::FrontEnd;

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

/// What [`power_in_place`] returns beside the powers it leaves in place: the frame's
/// shift and the shifted powers of the two bins that share slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Powers {
    /// `P_0 >> shift`, of the DC bin.
    pub dc: u64,
    /// `P_M >> shift`, of the Nyquist bin.
    pub nyquist: u64,
    /// The frame's shift `p` ([`frame_shift`]).
    pub shift: u32,
}

/// Replaces the spectrum [`crate::split_in_place`] left in `work` by each bin's power
/// shifted by the frame's shift, `P_k >> p` (SPEC.md §8.5): bin `k` (`0 < k < M`) as a
/// u64 in its two slots (low word at `work[2k]`, high at `work[2k + 1]`); bins 0 and M,
/// which share slots, are returned with `p`. `weight_bits` is
/// [`FrontEnd::band_weight_bits`]. `work` must hold `frame_len` values (a shorter one
/// gives all powers 0).
pub fn power_in_place(work: &mut [i32], log2_frame_len: u32, weight_bits: u32) -> Powers {
    let n = 1usize << log2_frame_len;
    let Some((&mut [y0, ym], bins)) = work
        .get_mut(..n)
        .and_then(|w| w.split_first_chunk_mut::<2>())
    else {
        return Powers {
            dc: 0,
            nyquist: 0,
            shift: 0,
        };
    };
    let (dc, nyquist) = (power(y0, 0), power(ym, 0));
    // The largest power has as many bits as all powers OR'ed together: one pass finds
    // the shift, a second stores the shifted powers (squaring again is cheaper than
    // storing, reloading and shifting).
    let mut all = dc | nyquist;
    for bin in bins.chunks_exact(2) {
        if let &[re, im] = bin {
            all |= power(re, im);
        }
    }
    let shift = frame_shift(bit_length(all), weight_bits);
    // A checked front end's shift is below 32 (P < 2^62, at most 26 weight bits): the
    // mask says so to the compiler, which then shifts a u64 without testing for 32.
    let s = shift & 31;
    for bin in bins.chunks_exact_mut(2) {
        if let &mut [re, im] = bin {
            let p = power(re, im) >> s;
            bin.copy_from_slice(&[p as u32 as i32, (p >> 32) as u32 as i32]);
        }
    }
    Powers {
        dc: dc >> s,
        nyquist: nyquist >> s,
        shift,
    }
}

/// The frame's shift `p = max(0, bits(P_max) + weight_bits - 64)` from the bits of the
/// largest power: the least that keeps every band sum `Σ w · (P >> p)` below 2^64
/// (SPEC.md §8.5).
pub fn frame_shift(largest_power_bits: u32, weight_bits: u32) -> u32 {
    (largest_power_bits + weight_bits).saturating_sub(64)
}

/// Calls `out(b, E_b)` for every band `b` of `front_end`, in band order, with
/// `E_b = Σ_j w_(b,j) · (P_(first_b + j) >> p)` over the shifted powers
/// [`power_in_place`] left in `work` and returned.
pub fn band_energies(
    front_end: &FrontEnd<'_>,
    work: &[i32],
    powers: &Powers,
    mut out: impl FnMut(usize, u64),
) {
    let m = front_end.frame_len() / 2;
    let weight = |w: &[u8; 2]| u64::from(u16::from_le_bytes(*w));
    for (b, band) in front_end.bands().enumerate() {
        let (mut weights, mut first) = (band.weights, band.first_bin);
        let mut end = first + band.len();
        let mut energy = 0u64;
        // Bins 0 and M live outside `work`; every other bin's power is in place.
        if first == 0
            && let Some((w, rest)) = weights.split_first_chunk::<2>()
        {
            energy = weight(w).wrapping_mul(powers.dc);
            (weights, first) = (rest, 1);
        }
        if end == m + 1
            && let Some((rest, w)) = weights.split_last_chunk::<2>()
        {
            energy = energy.wrapping_add(weight(w).wrapping_mul(powers.nyquist));
            (weights, end) = (rest, m);
        }
        let bins = work.get(2 * first..2 * end).unwrap_or(&[]);
        // w · P as w · P.lo plus 2^32 · w · P.hi (wrapping): one 32 × 32 → 64-bit
        // multiply-accumulate and one 32-bit one per bin instead of a 64 × 64-bit
        // product; the band's true sum is below 2^64, so the wrapped one equals it.
        for (w, p) in weights.chunks_exact(2).zip(bins.chunks_exact(2)) {
            let (&[w0, w1], &[lo, hi]) = (w, p) else {
                continue;
            };
            let w = u32::from(u16::from_le_bytes([w0, w1]));
            energy = energy
                .wrapping_add(u64::from(w) * u64::from(lo as u32))
                .wrapping_add(u64::from(w.wrapping_mul(hi as u32)) << 32);
        }
        out(b, energy);
    }
}
