//! Cortex-M4/M7 dot products with the DSP extension (`dsp` feature).
//!
//! The input is widened once per layer into halfword pairs ordered so that one `SXTB16`
//! of a weight word lines up with one input word: for inputs `x0 x1 x2 x3` the words are
//! `(x0, x2)` and `(x1, x3)`, matching `SXTB16 w` = `(w0, w2)` and `SXTB16 w, ROR #8` =
//! `(w1, w3)`. Each `SMLAD` then does two multiply-accumulates, and two weight rows share
//! every `LDM` of the input: 16 MACs in 23 instructions (CMSIS-NN's loop needs 26, since
//! it re-extends the input for every pair of rows). Whole layers whose rows are aligned
//! groups of four go through the faster [`super::arm_dsp_dense`]; this loop serves the
//! others (version 1 layouts, odd widths) and the head.
//!
//! The kernels read only the widened input, never the int8 one, so a layer may write its
//! outputs over its input: the Cortex-M4 keeps one int8 activation buffer, not two.
//!
//! Every assembly block starts with `.arch armv7e-m`. On Armv7E-M that is the target's own
//! architecture. On Armv8-M Mainline (Cortex-M33) the DSP extension is optional and stable
//! rustc does not pass its unstable `dsp` target feature on to the inline assembler, so
//! the block names an architecture that has these instructions: `SMLAD`, `SXTB16` and the
//! rest encode identically in both, and LLVM parses each block with its own copy of the
//! subtarget, so nothing outside the block changes.
#![allow(unsafe_code)]

use core::arch::asm;

use bottleneck_format::{Activation, DenseLayer, Requant, SHARED_CHANNEL_LEN as RECORD};

use super::arm_dsp_dense;
use super::portable;
use super::requantize::dense_output;

/// Interleaves each group of four inputs as `x0 x2 x1 x3` halfwords (one `SXTB16` pair
/// per word), the last group zero-padded: `4 * ceil(n / 4)` halfwords for `n` inputs,
/// as many as fit in `wide`. The kernels then read only `wide`, so a layer may write its
/// outputs over its own input.
pub fn prepare(src: &[i8], wide: &mut [i16]) {
    let (groups, rest) = src.as_chunks::<4>();
    let (words, _) = wide.as_chunks_mut::<4>();
    let full = groups.len().min(words.len());
    if full > 0 && (wide.as_ptr() as usize).is_multiple_of(4) {
        // SAFETY: reads `4 * full` bytes of `src` (unaligned `LDR` is architectural on
        // Armv7-M) and writes `4 * full` halfwords of `wide`, word-aligned for `STRD`
        // (checked above); `full` is at most what each holds.
        unsafe {
            asm!(
                ".arch armv7e-m",
                "2:",
                "ldr {w}, [{s}], #4",
                "sxtb16 {a}, {w}",
                "sxtb16 {b}, {w}, ror #8",
                "strd {a}, {b}, [{d}], #8",
                "subs {k}, {k}, #1",
                "bne 2b",
                s = inout(reg) src.as_ptr() => _,
                d = inout(reg) wide.as_mut_ptr() => _,
                k = inout(reg) full => _,
                w = out(reg) _,
                a = out(reg) _,
                b = out(reg) _,
                options(nostack),
            );
        }
    } else {
        for (g, w) in groups.iter().zip(wide.chunks_exact_mut(4)) {
            let [x0, x1, x2, x3] = g.map(i16::from);
            w.copy_from_slice(&[x0, x2, x1, x3]);
        }
    }
    if let (false, Some(last)) = (rest.is_empty(), wide.as_chunks_mut::<4>().0.get_mut(full)) {
        let x = |j: usize| rest.get(j).map_or(0, |&v| i16::from(v));
        *last = [x(0), x(2), x(1), x(3)];
    }
}

/// A whole dense layer: through [`super::arm_dsp_dense`] where the layer's layout allows,
/// otherwise two rows at a time ([`super::dense::dense_by_pairs`]). Reads only `wide`,
/// which must already hold the prepared input ([`prepare`]), so `dst` may be the buffer
/// the input came from. False (nothing done) if the buffers are not as the loader
/// guarantees.
pub fn dense_prepared(layer: &DenseLayer<'_>, wide: &[i16], dst: &mut [i8]) -> bool {
    let n = layer.n_in().max(1);
    let aligned = (wide.as_ptr() as usize).is_multiple_of(4);
    if !aligned || wide.len() < n.next_multiple_of(4) {
        return false;
    }
    if whole_layer(layer, wide, dst) {
        return true;
    }
    // SAFETY (both closures): rows are `row_stride() >= n` bytes (the loader checks the
    // weight length against it); `wide` holds the prepared `4 * ceil(n / 4)` halfwords,
    // word-aligned (checked above).
    super::dense::dense_by_pairs(
        layer,
        dst,
        |r0, r1| unsafe { two_rows(r0, r1, wide, n) },
        |row| unsafe { one_row(row, wide, n) },
    );
    true
}

/// [`dense_prepared`] after [`prepare`], for an input and output in separate buffers.
pub fn dense(layer: &DenseLayer<'_>, src: &[i8], wide: &mut [i16], dst: &mut [i8]) -> bool {
    if src.len() < layer.n_in() {
        return false;
    }
    prepare(src.get(..layer.n_in()).unwrap_or(&[]), wide);
    dense_prepared(layer, wide, dst)
}

/// The layer through [`arm_dsp_dense::dense_pairs`] and its odd last row through
/// [`one_row`]; false (nothing done) unless its rows are word-aligned groups of four
/// with shared-requantization records.
fn whole_layer(layer: &DenseLayer<'_>, wide: &[i16], dst: &mut [i8]) -> bool {
    let (n, n_out) = (layer.n_in(), layer.n_out());
    let groups = n.div_ceil(4);
    let stride = layer.row_stride();
    let (weights, records) = (layer.weights(), layer.channel_records());
    let (activation, slope) = match layer.activation() {
        Activation::Linear => (arm_dsp_dense::LINEAR, Requant::default()),
        Activation::LeakyRelu(slope) => (arm_dsp_dense::LEAKY_RELU, slope),
        Activation::Relu => (arm_dsp_dense::RELU, Requant::default()),
        _ => return false,
    };
    // At least one pass of 32 inputs (narrower layers take the general path: the routine
    // has no per-pair test for an empty pass loop).
    let fits = groups >= 8
        && stride == 4 * groups
        && (weights.as_ptr() as usize).is_multiple_of(4)
        && weights.len() >= n_out * stride
        && layer.record_len() == RECORD
        && records.len() >= n_out * RECORD
        && dst.len() >= n_out
        && wide.len() >= stride;
    if !fits {
        return false;
    }
    let pairs = n_out / 2;
    let ctx = arm_dsp_dense::Layer {
        weights: weights.as_ptr(),
        records: records.as_ptr(),
        wide: wide.as_ptr(),
        passes: (groups / 8) as u32,
        stride: stride as u32,
        dst: dst.as_mut_ptr(),
        zero_point_term: 2 * i32::from(layer.output_zero_point()) + 1,
        activation,
        records_end: records.as_ptr().wrapping_add(2 * pairs * RECORD),
        slope_multiplier: slope.multiplier,
        slope_shift: i32::from(slope.shift),
        fours: (groups % 8) as u32,
    };
    if pairs > 0 {
        // SAFETY: checked above: at least one pass, `2 * pairs <= n_out` rows of `stride
        // = 4 * groups` bytes from a word-aligned start, as many records (`records_end`
        // just past them) and outputs, `stride` halfwords of word-aligned input; the
        // loader bounds every accumulator.
        unsafe { arm_dsp_dense::dense_pairs(&ctx) };
    }
    if n_out % 2 == 1 {
        let last = n_out - 1;
        let (Some(row), Some(record), Some(out)) = (
            weights.get(last * stride..(last + 1) * stride),
            records.get(last * RECORD..(last + 1) * RECORD),
            dst.get_mut(last),
        ) else {
            return true;
        };
        // SAFETY: the row holds `stride >= n` bytes, `wide` the prepared input (checked).
        let acc = unsafe { one_row(row, wide, n) };
        if let Some(ch) = layer.decode_channel(record) {
            *out = dense_output(acc, &ch, i32::from(layer.output_zero_point()));
        }
    }
    true
}

/// Dot products of the rows of `block` with the input: pairs of rows, then a last row.
/// `wide` is the prepared input ([`prepare`]); `src` the int8 input, for the portable
/// fallback.
pub fn dots(block: &[u8], n_in: usize, stride: usize, src: &[i8], wide: &[i16], acc: &mut [i32]) {
    let n = n_in.max(1);
    let aligned = (wide.as_ptr() as usize).is_multiple_of(4);
    if !aligned
        || wide.len() < n.next_multiple_of(4)
        || stride < n
        || block.len() < acc.len() * stride
    {
        return portable::dots(block, n_in, stride, src, acc);
    }
    // SAFETY (both closures): as in `dense_prepared`; `dots_by_pairs` hands out rows of
    // `stride >= n` bytes (checked above).
    super::dense::dots_by_pairs(
        block,
        stride,
        acc,
        |r0, r1| unsafe { two_rows(r0, r1, wide, n) },
        |row| unsafe { one_row(row, wide, n) },
    );
}

/// The columns past the last complete group of four, from the zero-padded last group of
/// the prepared input (`x0 x2 x1 x3`).
#[inline(always)]
fn tail(row: &[u8], wide: &[i16], n: usize) -> i32 {
    // Most widths are whole groups of four: skip the slicing's checks outright.
    if n.is_multiple_of(4) {
        return 0;
    }
    let start = n - n % 4;
    let (Some(w), Some(&[x0, x2, x1, _])) = (
        row.get(start..n),
        wide.get(start..start + 4).and_then(|g| g.as_array::<4>()),
    ) else {
        return 0;
    };
    w.iter()
        .zip([x0, x1, x2])
        .map(|(&w, x)| i32::from(w as i8) * i32::from(x))
        .sum()
}

/// Two dot products of length `n`.
///
/// # Safety
/// `row0` and `row1` hold at least `n` bytes, and `wide` is word-aligned and holds the
/// prepared input ([`prepare`]): at least `4 * ceil(n / 4)` halfwords. The assembly reads them without bounds checks.
unsafe fn two_rows(row0: &[u8], row1: &[u8], wide: &[i16], n: usize) -> (i32, i32) {
    let (mut a0, mut a1) = (0i32, 0i32);
    let (mut p0, mut p1, mut xp) = (row0.as_ptr(), row1.as_ptr(), wide.as_ptr());
    let eights = n / 8;
    if eights > 0 {
        // SAFETY: reads `8 * eights <= n` bytes of each row and `8 * eights` halfwords of
        // `wide` (word-aligned, checked by the caller); the pointers advance by what was
        // read. Unaligned `LDR` of the weights is architectural on Armv7-M.
        unsafe {
            asm!(
                ".arch armv7e-m",
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
                ".arch armv7e-m",
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
    (a0 + tail(row0, wide, n), a1 + tail(row1, wide, n))
}

/// One dot product of length `n`.
///
/// # Safety
/// As for [`two_rows`], for one row.
unsafe fn one_row(row: &[u8], wide: &[i16], n: usize) -> i32 {
    let mut a = 0i32;
    let (p, xp) = (row.as_ptr(), wide.as_ptr());
    let fours = n / 4;
    if fours > 0 {
        // SAFETY: reads `4 * fours <= n` bytes of the row and as many halfwords of `wide`.
        unsafe {
            asm!(
                ".arch armv7e-m",
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
    a + tail(row, wide, n)
}
