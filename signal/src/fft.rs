//! Stage 2 (SPEC.md §8.3): the complex radix-2 FFT of half a frame, in place.

use crate::tables::{LOG2_MAX_FRAME, TWIDDLES};

/// `m` with its lowest `bits` bits in reverse order.
#[inline(always)]
pub fn bit_reverse(m: usize, bits: u32) -> usize {
    // For `bits = 0` the shift wraps to 0, and the only such index, 0, reverses to 0.
    m.reverse_bits().wrapping_shr(usize::BITS - bits)
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
///
/// The arithmetic is SPEC.md §8.3's radix-2 butterflies, stage by stage; only the order
/// of the work differs. Twiddles that are exactly 1 (`k = 0`) or `-i` (`k = len/4`)
/// rotate without rounding, so those butterflies skip the multiplications with the same
/// result: the first two stages have no others and run as one pass of four values.
pub fn fft_in_place(work: &mut [i32], log2_frame_len: u32) {
    let m = 1usize << (log2_frame_len - 1);
    let Some(work) = work.get_mut(..2 * m) else {
        return;
    };
    if m < 4 {
        // A checked front end's frames have at least 64 samples; shorter ones only get
        // the first stage if any.
        for z in work.chunks_exact_mut(4) {
            let (a, b) = z.split_at_mut(2);
            if let &mut [br, bi] = b {
                butterfly(a, b, (br, bi));
            }
        }
        return;
    }
    for z in work.chunks_exact_mut(8) {
        first_two_stages(z);
    }
    let mut len = 8;
    while len <= m {
        stage(work, len);
        len *= 2;
    }
}

/// Stages 1 and 2 on four values in place: butterflies of length 2 (twiddle 1), then of
/// length 4 (twiddles 1 and `-i`).
#[inline(always)]
fn first_two_stages(z: &mut [i32]) {
    let &mut [r0, i0, r1, i1, r2, i2, r3, i3] = z else {
        return;
    };
    let (ur0, ui0, ur1, ui1) = (
        r0.wrapping_add(r1),
        i0.wrapping_add(i1),
        r0.wrapping_sub(r1),
        i0.wrapping_sub(i1),
    );
    let (ur2, ui2, ur3, ui3) = (
        r2.wrapping_add(r3),
        i2.wrapping_add(i3),
        r2.wrapping_sub(r3),
        i2.wrapping_sub(i3),
    );
    // -i · u3 = (u3.im, -u3.re).
    z.copy_from_slice(&[
        ur0.wrapping_add(ur2),
        ui0.wrapping_add(ui2),
        ur1.wrapping_add(ui3),
        ui1.wrapping_sub(ur3),
        ur0.wrapping_sub(ur2),
        ui0.wrapping_sub(ui2),
        ur1.wrapping_sub(ui3),
        ui1.wrapping_add(ur3),
    ]);
}

/// One stage of butterflies of length `len` (≥ 8) over the whole of `work`.
///
/// Each block's butterflies run in four groups so that no loop tests `k`: `k = 0`
/// (twiddle 1) and `k = len/4` (twiddle `-i`) alone, exactly; the others by rotation.
fn stage(work: &mut [i32], len: usize) {
    let half = len / 2;
    let quarter = half / 2;
    // Table index step: 2048 / len; the stage's twiddle k is entry k · step.
    let step = 1usize << (LOG2_MAX_FRAME - len.trailing_zeros());
    // The quarter - 1 twiddles from index `from` on, as a slice of exactly that many
    // steps: the loop's count is then the same for all it zips.
    let twiddles = |from: usize| {
        TWIDDLES
            .get(from * step..(from + quarter - 1) * step)
            .unwrap_or(&[])
            .chunks_exact(step)
    };
    for block in work.chunks_exact_mut(2 * len) {
        let (lower, upper) = block.split_at_mut(len);
        let (l0, l1) = lower.split_at_mut(half);
        let (u0, u1) = upper.split_at_mut(half);
        for (l, u, minus_i) in [(&mut *l0, &mut *u0, false), (&mut *l1, &mut *u1, true)] {
            let (Some((a, l)), Some((b, u))) =
                (l.split_at_mut_checked(2), u.split_at_mut_checked(2))
            else {
                continue;
            };
            if let &mut [br, bi] = b {
                let t = if minus_i {
                    (bi, br.wrapping_neg())
                } else {
                    (br, bi)
                };
                butterfly(a, b, t);
            }
            rotating(l, u, twiddles(if minus_i { quarter + 1 } else { 1 }));
        }
    }
}

/// The butterflies `(a, b) → (a + W·b, a - W·b)` of pairs `lower[2j..]`, `upper[2j..]`
/// with the twiddle of each from `twiddles` (its first entry).
#[inline(always)]
fn rotating<'t>(
    lower: &mut [i32],
    upper: &mut [i32],
    twiddles: impl Iterator<Item = &'t [[i32; 2]]>,
) {
    let pairs = lower.chunks_exact_mut(2).zip(upper.chunks_exact_mut(2));
    for ((a, b), w) in pairs.zip(twiddles) {
        let (&mut [br, bi], &[[c, s], ..]) = (&mut *b, w) else {
            continue;
        };
        butterfly(a, b, rotate(c, s, br, bi));
    }
}

/// The butterfly of SPEC.md §8.3 on the pair `a`, `b` (two values each) with the rotated
/// `t = W·b`: `a' = a + t`, `b' = a - t`.
#[inline(always)]
fn butterfly(a: &mut [i32], b: &mut [i32], (tr, ti): (i32, i32)) {
    if let &mut [ar, ai] = a {
        a.copy_from_slice(&[ar.wrapping_add(tr), ai.wrapping_add(ti)]);
        b.copy_from_slice(&[ar.wrapping_sub(tr), ai.wrapping_sub(ti)]);
    }
}
