//! Dot products for every Cortex-M in Thumb-1 assembly (the Cortex-M0 has no DSP or
//! multiply-accumulate instruction).
//!
//! Two weight rows share each load of the input, and one index counting up from `-n` to
//! zero addresses all three arrays and ends the loop; unrolled four times, eight
//! multiply-accumulates take 33 instructions. Requantization decodes the usual channel
//! record in place ([`record_output`]). The two accumulators live in r8 and r9, since the
//! M0's arithmetic only reaches the eight low registers and Rust reserves r6 and r7.
#![allow(unsafe_code)]

use core::arch::asm;

use bottleneck_format::DenseLayer;

use super::arm_thumb_quad::{Rows, dots4};
use super::dense::{LayerRows, rows_by_pairs, rows_in_blocks};
use super::portable;
use super::requantize::record_output;

/// A whole dense layer, four rows at a time (`arm_thumb_quad.rs`), then the rest two at a
/// time. False (nothing done) if the buffers are not as the loader guarantees.
pub fn dense(layer: &DenseLayer<'_>, x: &[i8], dst: &mut [i8]) -> bool {
    let n = layer.n_in().max(1);
    if x.len() < n || n > i32::MAX as usize {
        return false;
    }
    let output = record_output(layer);
    let rows = LayerRows::of(layer);
    let stride = rows.stride;
    let x_end = x.as_ptr().wrapping_add(n);
    let stop = -((n - n % 4) as i32);
    // Four rows at a time, each sharing every input load with the three others.
    let done = rows_in_blocks::<4>(
        rows,
        dst,
        0,
        |block| {
            let start = block.as_ptr();
            let ctx = Rows {
                ends: [0, 1, 2, 3].map(|k| start.wrapping_add(k * stride + n)),
                stop,
            };
            let mut acc = [0i32; 4];
            // SAFETY: each of the four rows is `stride >= n` bytes (a whole chunk of `4 *
            // stride`), `x` holds at least `n` values (checked above); `stop` and `-n` are
            // as `dots4` wants them.
            unsafe { dots4(x_end, &ctx, -(n as i32), &mut acc) };
            acc
        },
        &output,
    );
    // SAFETY (both closures): every weight row `rows_by_pairs` hands out is `stride >= n`
    // bytes, and `x` holds at least `n` values (checked above).
    rows_by_pairs(
        rows,
        dst,
        done,
        |r0, r1| unsafe { two_rows(r0, r1, x, n) },
        |row| unsafe { one_row(row, x, n) },
        output,
    );
    true
}

/// Dot products of the rows of `block` with `x`: pairs of rows, then a last row.
pub fn dots(block: &[u8], n_in: usize, stride: usize, x: &[i8], acc: &mut [i32]) {
    let n = n_in.max(1);
    if x.len() < n || stride < n || block.len() < acc.len() * stride || n > i32::MAX as usize {
        return portable::dots(block, n_in, stride, x, acc);
    }
    // SAFETY (both closures): `dots_by_pairs` hands out rows of `stride >= n` bytes, and
    // `x` holds at least `n` values (checked above).
    super::dense::dots_by_pairs(
        block,
        stride,
        acc,
        |r0, r1| unsafe { two_rows(r0, r1, x, n) },
        |row| unsafe { one_row(row, x, n) },
    );
}

/// One column of a pair of rows: the input value, two multiply-accumulates, the index.
macro_rules! column {
    () => {
        concat!(
            "ldrsb r0, [r3, r2]\n",
            "ldrsb r1, [r4, r2]\n",
            "muls r1, r0, r1\n",
            "add r8, r1\n",
            "ldrsb r1, [r5, r2]\n",
            "muls r1, r0, r1\n",
            "add r9, r1\n",
            "adds r2, #1\n",
        )
    };
}

/// Two dot products of length `n`: the `n % 4` first columns one at a time, then four
/// per loop iteration (33 instructions for 8 multiply-accumulates).
///
/// # Safety
/// `1 <= n <= i32::MAX`, and `row0`, `row1` and `x` each hold at least `n` values: the
/// assembly reads the first `n` of each without bounds checks.
unsafe fn two_rows(row0: &[u8], row1: &[u8], x: &[i8], n: usize) -> (i32, i32) {
    let (a0, a1): (i32, i32);
    // SAFETY: the index runs over -n..0, so the loads touch exactly the first `n` bytes
    // of each slice (pointers are one past that end; the caller guarantees the lengths);
    // the unrolled loop starts at a multiple of 4 below zero, so its index reaches zero
    // only at the end of an iteration. r8 and r9 are declared clobbered.
    unsafe {
        asm!(
            "mov r12, r0",
            "movs r1, #0",
            "mov r8, r1",
            "mov r9, r1",
            "cmp r2, r12",
            "beq 3f",
            "2:",
            column!(),
            "cmp r2, r12",
            "bne 2b",
            "3:",
            "cmp r2, #0",
            "beq 5f",
            "4:",
            column!(),
            column!(),
            column!(),
            column!(),
            "bne 4b",
            "5:",
            "mov r0, r8",
            "mov r1, r9",
            // Where the single columns end: the index of the first unrolled column.
            inout("r0") -((n - n % 4) as i32) => a0,
            out("r1") a1,
            inout("r2") -(n as i32) => _,
            in("r3") x.as_ptr().wrapping_add(n),
            in("r4") row0.as_ptr().wrapping_add(n),
            in("r5") row1.as_ptr().wrapping_add(n),
            out("r8") _,
            out("r9") _,
            out("r12") _,
            options(readonly, nostack),
        );
    }
    (a0, a1)
}

/// One dot product of length `n`.
///
/// # Safety
/// As for [`two_rows`]: `1 <= n <= i32::MAX`, `row` and `x` hold at least `n` values.
unsafe fn one_row(row: &[u8], x: &[i8], n: usize) -> i32 {
    let a: i32;
    // SAFETY: as in `two_rows`, for one row.
    unsafe {
        asm!(
            "movs r1, #0",
            "mov r8, r1",
            "2:",
            "ldrsb r0, [r3, r2]",
            "ldrsb r1, [r4, r2]",
            "muls r1, r0, r1",
            "add r8, r1",
            "adds r2, #1",
            "bne 2b",
            "mov r0, r8",
            out("r0") a,
            out("r1") _,
            inout("r2") -(n as i32) => _,
            in("r3") x.as_ptr().wrapping_add(n),
            in("r4") row.as_ptr().wrapping_add(n),
            out("r8") _,
            options(readonly, nostack),
        );
    }
    a
}
