//! Dot products with the M-profile Vector Extension (Helium: Cortex-M55, Cortex-M85),
//! the `mve` cfg.
//!
//! One `VMLADAVA.S8` multiplies 16 int8 weights by 16 int8 inputs and adds the 16
//! products to a general-purpose register, exactly (the loader bounds every accumulator
//! to i32). Four weight rows share each 16-byte load of the input, as CMSIS-NN's
//! `arm_nn_vec_mat_mult_t_s8` does: one input load, four weight loads and four
//! `VMLADAVA` per 64 multiply-accumulates. The loop is a tail-predicated low-overhead
//! loop (`DLSTP.8` / `LETP`): the last pass disables the lanes past the row's `n`
//! weights, so every width runs through the same loop, nothing is read past a row and
//! the rows' padding is never needed.
//!
//! Whole layers with the usual shared channel records go through one assembly routine,
//! requantization included ([`arm_mve_dense`]); this file serves the other layers, the
//! rows left over and the head, requantizing in Rust ([`record_output`]). The int8 input
//! is read directly, so the layers alternate between two buffers (the ping-pong layout
//! of `scratch.rs`).
//!
//! Rust has no MVE intrinsics, hence inline assembly. `VMLADAVA` accumulates only in an
//! even-numbered register, so the accumulators are pinned to r0, r2, r4 and r8 (Rust
//! reserves r6).
#![allow(unsafe_code)]

use core::arch::asm;

use bottleneck_format::{Activation, DenseLayer, Requant, SHARED_CHANNEL_LEN as RECORD};

use super::arm_mve_dense;
use super::dense::{LayerRows, rows_by_pairs, rows_in_blocks};
use super::portable;
use super::requantize::record_output;

/// A whole dense layer: its groups of four rows through [`arm_mve_dense`] where its
/// records allow, otherwise through [`four_rows`] and Rust requantization; the rows left
/// over one at a time. False (nothing done) if the buffers are not as the loader
/// guarantees.
pub fn dense(layer: &DenseLayer<'_>, x: &[i8], dst: &mut [i8]) -> bool {
    let n = layer.n_in().max(1);
    if x.len() < n {
        return false;
    }
    let output = record_output(layer);
    let rows = LayerRows::of(layer);
    let stride = rows.stride;
    let done = match whole_quads(layer, x, dst) {
        Some(done) => done,
        None => rows_in_blocks::<4>(
            rows,
            dst,
            0,
            |block| {
                let start = block.as_ptr();
                // SAFETY: the block is four whole rows of `stride >= n` bytes, and `x`
                // holds at least `n` values (checked above).
                unsafe { four_rows([0, 1, 2, 3].map(|k| start.wrapping_add(k * stride)), x, n) }
            },
            &output,
        ),
    };
    // SAFETY (both closures): every row `rows_by_pairs` hands out is `stride >= n` bytes,
    // and `x` holds at least `n` values (checked above).
    rows_by_pairs(
        rows,
        dst,
        done,
        |r0, r1| unsafe { (one_row(r0.as_ptr(), x, n), one_row(r1.as_ptr(), x, n)) },
        |row| unsafe { one_row(row.as_ptr(), x, n) },
        output,
    );
    true
}

/// The layer's groups of four rows through [`arm_mve_dense::dense_quads`]: the number of
/// rows done, or `None` (nothing done) unless its records are the shared 9-byte kind and
/// it has at least four rows.
fn whole_quads(layer: &DenseLayer<'_>, x: &[i8], dst: &mut [i8]) -> Option<usize> {
    let (n, n_out, stride) = (layer.n_in(), layer.n_out(), layer.row_stride());
    let (weights, records) = (layer.weights(), layer.channel_records());
    let (activation, slope) = match layer.activation() {
        Activation::Linear => (arm_mve_dense::LINEAR, Requant::default()),
        Activation::LeakyRelu(slope) => (arm_mve_dense::LEAKY_RELU, slope),
        Activation::Relu => (arm_mve_dense::RELU, Requant::default()),
        _ => return None,
    };
    let quads = n_out / 4;
    let fits = quads >= 1
        && n >= 1
        && stride >= n
        && x.len() >= n
        && weights.len() >= n_out * stride
        && layer.record_len() == RECORD
        && records.len() >= n_out * RECORD
        && dst.len() >= n_out;
    if !fits {
        return None;
    }
    let ctx = arm_mve_dense::Layer {
        x: x.as_ptr(),
        weights: weights.as_ptr(),
        n: n as u32,
        stride: stride as u32,
        dst: dst.as_mut_ptr(),
        zero_point: i32::from(layer.output_zero_point()),
        records: records.as_ptr(),
        records_end: records.as_ptr().wrapping_add(4 * quads * RECORD),
        activation,
        slope_multiplier: slope.multiplier,
        slope_shift: i32::from(slope.shift),
    };
    // SAFETY: checked above: `4 * quads <= n_out` rows of `stride >= n >= 1` bytes, as
    // many records (`records_end` just past them) and outputs, `n` input values; the
    // loader bounds every accumulator and every total shift.
    unsafe { arm_mve_dense::dense_quads(&ctx) };
    Some(4 * quads)
}

/// Dot products of the rows of `block` (one every `stride` bytes, `n_in` weights each)
/// with `x`, into `acc`: four rows at a time, then one at a time.
pub fn dots(block: &[u8], n_in: usize, stride: usize, x: &[i8], acc: &mut [i32]) {
    let n = n_in.max(1);
    let stride = stride.max(1);
    if x.len() < n || stride < n || block.len() < (acc.len().max(1) - 1) * stride + n {
        return portable::dots(block, n_in, stride, x, acc);
    }
    let row = |k: usize| block.as_ptr().wrapping_add(k * stride);
    let (quads, rest) = acc.as_chunks_mut::<4>();
    let mut k = 0;
    for quad in quads {
        // SAFETY: rows `k .. k + 4` start inside `block` and hold `n` weights each
        // (checked above: `block` reaches `n` bytes past the start of its last row); `x`
        // holds `n` values.
        *quad = unsafe { four_rows([row(k), row(k + 1), row(k + 2), row(k + 3)], x, n) };
        k += 4;
    }
    for a in rest {
        // SAFETY: as above, for row `k`.
        *a = unsafe { one_row(row(k), x, n) };
        k += 1;
    }
}

/// Four dot products of length `n >= 1`, the rows starting at `rows`.
///
/// # Safety
/// Each row holds at least `n` bytes, and `x` at least `n` values. The loop reads no byte
/// past them (tail predication disables the lanes past `n`).
#[inline(always)]
unsafe fn four_rows(rows: [*const u8; 4], x: &[i8], n: usize) -> [i32; 4] {
    let [p0, p1, p2, p3] = rows;
    let (mut a0, mut a1, mut a2, mut a3) = (0i32, 0i32, 0i32, 0i32);
    // SAFETY: the caller guarantees the reads; the loop runs `ceil(n / 16)` times, the
    // last with only the lanes below `n` enabled. q0-q3 (d0-d7) and lr are clobbered.
    unsafe {
        asm!(
            "dlstp.8 lr, {n}",
            "2:",
            "vldrb.u8 q0, [{x}], #16",
            "vldrb.u8 q1, [{p0}], #16",
            "vmladava.s8 r0, q0, q1",
            "vldrb.u8 q2, [{p1}], #16",
            "vmladava.s8 r2, q0, q2",
            "vldrb.u8 q3, [{p2}], #16",
            "vmladava.s8 r4, q0, q3",
            "vldrb.u8 q1, [{p3}], #16",
            "vmladava.s8 r8, q0, q1",
            "letp lr, 2b",
            n = in(reg) n,
            x = inout(reg) x.as_ptr() => _,
            p0 = inout(reg) p0 => _,
            p1 = inout(reg) p1 => _,
            p2 = inout(reg) p2 => _,
            p3 = inout(reg) p3 => _,
            inout("r0") a0,
            inout("r2") a1,
            inout("r4") a2,
            inout("r8") a3,
            out("lr") _,
            out("d0") _,
            out("d1") _,
            out("d2") _,
            out("d3") _,
            out("d4") _,
            out("d5") _,
            out("d6") _,
            out("d7") _,
            options(readonly, nostack),
        );
    }
    [a0, a1, a2, a3]
}

/// One dot product of length `n >= 1`, the row starting at `row`.
///
/// # Safety
/// As for [`four_rows`], for one row.
#[inline(always)]
unsafe fn one_row(row: *const u8, x: &[i8], n: usize) -> i32 {
    let mut a = 0i32;
    // SAFETY: as in `four_rows`; q0-q1 (d0-d3) and lr are clobbered.
    unsafe {
        asm!(
            "dlstp.8 lr, {n}",
            "2:",
            "vldrb.u8 q0, [{x}], #16",
            "vldrb.u8 q1, [{p}], #16",
            "vmladava.s8 r0, q0, q1",
            "letp lr, 2b",
            n = in(reg) n,
            x = inout(reg) x.as_ptr() => _,
            p = inout(reg) row => _,
            inout("r0") a,
            out("lr") _,
            out("d0") _,
            out("d1") _,
            out("d2") _,
            out("d3") _,
            options(readonly, nostack),
        );
    }
    a
}
