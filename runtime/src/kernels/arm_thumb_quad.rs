//! Four dot products at once in Thumb-1 assembly, for every Cortex-M without the DSP
//! extension (the Cortex-M0 above all).
//!
//! Four weight rows share each load of the input: per column one `LDRSB` of the input,
//! then per row `LDRSB`, `MULS`, `ADD` into a high-register accumulator, and one index
//! increment — 14 instructions for 4 multiply-accumulates, 57 for 16 with the loop
//! unrolled four times (the two-row loop needs 66). It needs all eight low registers, two
//! more than inline assembly may use (Rust reserves r6 and r7), hence a naked function
//! that saves them itself.
#![allow(unsafe_code)]

use core::arch::naked_asm;

/// The four rows and where the single columns end.
#[repr(C)]
#[derive(Debug)]
pub struct Rows {
    /// One past the `n`-th weight of each row.
    pub ends: [*const u8; 4],
    /// `-(n - n % 4)`: the index from which the loop takes four columns per pass.
    pub stop: i32,
}

/// One column of the four rows: r1 the index (negative, counting up), r0 the input's end,
/// r2-r5 the rows' ends, r8-r11 the accumulators.
macro_rules! column {
    () => {
        concat!(
            "ldrsb r6, [r0, r1]\n",
            "ldrsb r7, [r2, r1]\n",
            "muls r7, r6, r7\n",
            "add r8, r7\n",
            "ldrsb r7, [r3, r1]\n",
            "muls r7, r6, r7\n",
            "add r9, r7\n",
            "ldrsb r7, [r4, r1]\n",
            "muls r7, r6, r7\n",
            "add r10, r7\n",
            "ldrsb r7, [r5, r1]\n",
            "muls r7, r6, r7\n",
            "add r11, r7\n",
            "adds r1, #1\n",
        )
    };
}

/// `acc[k] = Σ_j row_k[j] * x[j]` for `j < n`, the four rows at once.
///
/// # Safety
/// `1 <= n <= i32::MAX`; `x_end` is one past the `n`-th input and each of `rows.ends` one
/// past the `n`-th weight of a row of at least `n` bytes; `neg_n = -n`; `rows.stop = -(n
/// - n % 4)`; `acc` is writable.
#[unsafe(naked)]
pub unsafe extern "C" fn dots4(
    x_end: *const i8,
    rows: *const Rows,
    neg_n: i32,
    acc: *mut [i32; 4],
) {
    naked_asm!(
        "push {{r4-r7, lr}}",
        "mov r4, r8",
        "mov r5, r9",
        "mov r6, r10",
        "mov r7, r11",
        "push {{r4-r7}}",
        "push {{r3}}",
        "mov r6, r2",
        "ldr r2, [r1, #0]",
        "ldr r3, [r1, #4]",
        "ldr r4, [r1, #8]",
        "ldr r5, [r1, #12]",
        "ldr r7, [r1, #16]",
        "mov r12, r7",
        "mov r1, r6",
        "movs r7, #0",
        "mov r8, r7",
        "mov r9, r7",
        "mov r10, r7",
        "mov r11, r7",
        // The first n % 4 columns one at a time.
        "cmp r1, r12",
        "beq 3f",
        "2:",
        column!(),
        "cmp r1, r12",
        "bne 2b",
        // Then four per pass: the index reaches zero only at the end of a pass.
        "3:",
        "cmp r1, #0",
        "beq 5f",
        "4:",
        column!(),
        column!(),
        column!(),
        column!(),
        "bne 4b",
        "5:",
        "pop {{r3}}",
        "mov r4, r8",
        "str r4, [r3, #0]",
        "mov r4, r9",
        "str r4, [r3, #4]",
        "mov r4, r10",
        "str r4, [r3, #8]",
        "mov r4, r11",
        "str r4, [r3, #12]",
        "pop {{r4-r7}}",
        "mov r8, r4",
        "mov r9, r5",
        "mov r10, r6",
        "mov r11, r7",
        "pop {{r4-r7, pc}}",
    )
}
