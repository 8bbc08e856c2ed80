//! Cortex-M4/M7 dot products with the DSP extension (`dsp` feature).
//!
//! The input is widened once per layer into halfword pairs ordered so that one `SXTB16`
//! of a weight word lines up with one input word: for inputs `x0 x1 x2 x3` the words are
//! `(x0, x2)` and `(x1, x3)`, matching `SXTB16 w` = `(w0, w2)` and `SXTB16 w, ROR #8` =
//! `(w1, w3)`. Each `SMLAD` then does two multiply-accumulates, and two weight rows share
//! every `LDM` of the input: 16 MACs in 23 instructions (CMSIS-NN's loop needs 26, since
//! it re-extends the input for every pair of rows).
#![allow(unsafe_code)]

use core::arch::asm;

use bottleneck_format::DenseLayer;

use super::portable;

/// Interleaves each complete group of four inputs as `x0 x2 x1 x3` halfwords; a tail of
/// fewer than four is left to the scalar loop.
pub fn prepare(src: &[i8], wide: &mut [i16]) {
    let (groups, _) = src.as_chunks::<4>();
    for (g, w) in groups.iter().zip(wide.chunks_exact_mut(4)) {
        let [x0, x1, x2, x3] = g.map(i16::from);
        w.copy_from_slice(&[x0, x2, x1, x3]);
    }
}

/// A whole dense layer, two rows at a time ([`super::dense::dense_by_pairs`]). False (nothing
/// done) if the buffers are not as the loader guarantees.
pub fn dense(layer: &DenseLayer<'_>, src: &[i8], wide: &mut [i16], dst: &mut [i8]) -> bool {
    let n = layer.n_in().max(1);
    let aligned = (wide.as_ptr() as usize).is_multiple_of(4);
    if !aligned || wide.len() < n - n % 4 || src.len() < n {
        return false;
    }
    prepare(src, wide);
    let wide: &[i16] = wide;
    // SAFETY (both closures): rows are `row_stride() >= n` bytes (the loader checks the
    // weight length against it); `src` holds `n` values and `wide` the
    // prepared `n - n % 4` halfwords, word-aligned (checked above).
    super::dense::dense_by_pairs(
        layer,
        dst,
        |r0, r1| unsafe { two_rows(r0, r1, src, wide, n) },
        |row| unsafe { one_row(row, src, wide, n) },
    );
    true
}

/// Dot products of the rows of `block` with the input: pairs of rows, then a last row.
pub fn dots(block: &[u8], n_in: usize, stride: usize, src: &[i8], wide: &[i16], acc: &mut [i32]) {
    let n = n_in.max(1);
    let aligned = (wide.as_ptr() as usize).is_multiple_of(4);
    if !aligned
        || wide.len() < n - n % 4
        || src.len() < n
        || stride < n
        || block.len() < acc.len() * stride
    {
        return portable::dots(block, n_in, stride, src, acc);
    }
    // SAFETY (both closures): as in `dense`; `dots_by_pairs` hands out rows of `stride
    // >= n` bytes (checked above).
    super::dense::dots_by_pairs(
        block,
        stride,
        acc,
        |r0, r1| unsafe { two_rows(r0, r1, src, wide, n) },
        |row| unsafe { one_row(row, src, wide, n) },
    );
}

/// The columns past the last complete group of four, in plain Rust.
#[inline(always)]
fn tail(row: &[u8], src: &[i8], n: usize) -> i32 {
    // Most widths are whole groups of four: skip the slicing's checks outright.
    if n.is_multiple_of(4) {
        return 0;
    }
    let start = n - n % 4;
    portable::dot(
        row.get(start..n).unwrap_or(&[]),
        src.get(start..n).unwrap_or(&[]),
    )
}

/// Two dot products of length `n`.
///
/// # Safety
/// `row0` and `row1` hold at least `n` bytes, `src` at least `n` values, and `wide` is
/// word-aligned and holds the prepared input ([`prepare`]): at least `n - n % 4`
/// halfwords. The assembly reads them without bounds checks.
unsafe fn two_rows(row0: &[u8], row1: &[u8], src: &[i8], wide: &[i16], n: usize) -> (i32, i32) {
    let (mut a0, mut a1) = (0i32, 0i32);
    let (mut p0, mut p1, mut xp) = (row0.as_ptr(), row1.as_ptr(), wide.as_ptr());
    let eights = n / 8;
    if eights > 0 {
        // SAFETY: reads `8 * eights <= n` bytes of each row and `8 * eights` halfwords of
        // `wide` (word-aligned, checked by the caller); the pointers advance by what was
        // read. Unaligned `LDR` of the weights is architectural on Armv7-M.
        unsafe {
            asm!(
                "2:",
                "ldm {xp}!, {{r2, r3, r4, r5}}",
                "ldr {w}, [{p0}], #4",
                "sxtb16 {t}, {w}",
                "smlad {a0}, {t}, r2, {a0}",
                "sxtb16 {t}, {w}, ror #8",
                "smlad {a0}, {t}, r3, {a0}",
                "ldr {w}, [{p0}], #4",
                "sxtb16 {t}, {w}",
                "smlad {a0}, {t}, r4, {a0}",
                "sxtb16 {t}, {w}, ror #8",
                "smlad {a0}, {t}, r5, {a0}",
                "ldr {w}, [{p1}], #4",
                "sxtb16 {t}, {w}",
                "smlad {a1}, {t}, r2, {a1}",
                "sxtb16 {t}, {w}, ror #8",
                "smlad {a1}, {t}, r3, {a1}",
                "ldr {w}, [{p1}], #4",
                "sxtb16 {t}, {w}",
                "smlad {a1}, {t}, r4, {a1}",
                "sxtb16 {t}, {w}, ror #8",
                "smlad {a1}, {t}, r5, {a1}",
                "subs {k}, {k}, #1",
                "bne 2b",
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                xp = inout(reg) xp,
                p0 = inout(reg) p0,
                p1 = inout(reg) p1,
                k = inout(reg) eights => _,
                w = out(reg) _,
                t = out(reg) _,
                out("r2") _,
                out("r3") _,
                out("r4") _,
                out("r5") _,
                options(readonly, nostack),
            );
        }
    }
    if n % 8 >= 4 {
        // SAFETY: one more group of four: 4 bytes of each row and 4 halfwords of `wide`
        // remain (n % 8 >= 4).
        unsafe {
            asm!(
                "ldm {xp}, {{r2, r3}}",
                "ldr {w}, [{p0}]",
                "sxtb16 {t}, {w}",
                "smlad {a0}, {t}, r2, {a0}",
                "sxtb16 {t}, {w}, ror #8",
                "smlad {a0}, {t}, r3, {a0}",
                "ldr {w}, [{p1}]",
                "sxtb16 {t}, {w}",
                "smlad {a1}, {t}, r2, {a1}",
                "sxtb16 {t}, {w}, ror #8",
                "smlad {a1}, {t}, r3, {a1}",
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                xp = in(reg) xp,
                p0 = in(reg) p0,
                p1 = in(reg) p1,
                w = out(reg) _,
                t = out(reg) _,
                out("r2") _,
                out("r3") _,
                options(readonly, nostack),
            );
        }
    }
    (a0 + tail(row0, src, n), a1 + tail(row1, src, n))
}

/// One dot product of length `n`.
///
/// # Safety
/// As for [`two_rows`], for one row.
unsafe fn one_row(row: &[u8], src: &[i8], wide: &[i16], n: usize) -> i32 {
    let mut a = 0i32;
    let (p, xp) = (row.as_ptr(), wide.as_ptr());
    let fours = n / 4;
    if fours > 0 {
        // SAFETY: reads `4 * fours <= n` bytes of the row and as many halfwords of `wide`.
        unsafe {
            asm!(
                "2:",
                "ldm {xp}!, {{r2, r3}}",
                "ldr {w}, [{p}], #4",
                "sxtb16 {t}, {w}",
                "smlad {a}, {t}, r2, {a}",
                "sxtb16 {t}, {w}, ror #8",
                "smlad {a}, {t}, r3, {a}",
                "subs {k}, {k}, #1",
                "bne 2b",
                a = inout(reg) a,
                xp = inout(reg) xp => _,
                p = inout(reg) p => _,
                k = inout(reg) fours => _,
                w = out(reg) _,
                t = out(reg) _,
                out("r2") _,
                out("r3") _,
                options(readonly, nostack),
            );
        }
    }
    a + tail(row, src, n)
}
