//! A whole fully connected layer with Helium (MVE, the `mve` cfg) in one assembly
//! routine: dot products four rows at a time and their requantization, with nothing in
//! Rust per row. It runs the layers with a shared-requantization channel record (linear,
//! LeakyReLU or ReLU) and at least four rows; [`super::arm_mve`] does the rest.
//!
//! The inner loop is [`super::arm_mve`]'s: one 16-byte load of the input shared by four
//! rows, one load and one `VMLADAVA.S8` per row, in a tail-predicated `DLSTP`/`LETP` loop,
//! so any width runs through it. The accumulators start at the biases.
//!
//! Requantization (SPEC.md §4.3) is exact for every legal shift without a branch on it:
//! `SMULL` gives the 64-bit product, `SQRSHRL` shifts it right by `t = 31 + s` rounding
//! half up (it adds `2^(t-1)` before shifting, as the spec does), and `SQSHLL #32` leaves
//! the result saturated to i32 in the high word, as `scale_saturating` does; the zero
//! point is added with saturation and `SSAT` makes it int8. A negative accumulator
//! branches out of line: LeakyReLU derives the negative side's multiplier and shift from
//! the slope ([`bottleneck_format::Requant::scaled_by_loaded`]), ReLU stores the zero
//! point, a linear layer goes straight back.
//!
//! `VMLADAVA` accumulates only in even-numbered registers, and the loop needs four of
//! them, five pointers and the loop counter: more than inline assembly may use, hence a
//! naked function that saves r4-r11 itself.
#![allow(unsafe_code)]

use core::arch::naked_asm;
use core::mem::offset_of;

/// What the routine reads, copied to its stack frame in this order. Every field is one
/// word; the first four are loaded together for each group of four rows.
#[repr(C)]
#[derive(Debug)]
pub struct Layer {
    /// The int8 input, `n` values.
    pub x: *const i8,
    /// Row 0 of the first group of four rows, `stride` bytes per row.
    pub weights: *const u8,
    /// Inputs (weights per row), at least 1.
    pub n: u32,
    /// Bytes per row, at least `n`.
    pub stride: u32,
    /// Where the outputs go.
    pub dst: *mut i8,
    /// The output zero point.
    pub zero_point: i32,
    /// The first group's 9-byte channel records (bias, multiplier, shift).
    pub records: *const u8,
    /// Just past the last group's records (`records + 36 * quads`, at least one group).
    pub records_end: *const u8,
    /// 0 linear, 1 LeakyReLU (`slope_*` apply below zero), 2 ReLU.
    pub activation: u32,
    /// LeakyReLU's Q31 slope multiplier.
    pub slope_multiplier: i32,
    /// LeakyReLU's slope shift.
    pub slope_shift: i32,
}

/// Activation codes of [`Layer::activation`].
pub const LINEAR: u32 = 0;
/// LeakyReLU: the channel's requantization scaled by the slope below zero.
pub const LEAKY_RELU: u32 = 1;
/// ReLU: the zero point below zero.
pub const RELU: u32 = 2;

/// One row's requantization: accumulator `$a` (bias included) into one output, its
/// record's multiplier at `[r0, #$m]` and shift at `[r0, #$s]`. Registers: r1 the
/// outputs, r3 the zero point; r9-r12 free.
macro_rules! requantize {
    ($a:literal, $m:literal, $s:literal, $neg:literal, $back:literal, $store:literal) => {
        concat!(
            "ldr r12, [r0, #",
            $m,
            "]\n", // multiplier (records are byte-aligned)
            "ldrsb r9, [r0, #",
            $s,
            "]\n", // shift s
            "cmp ",
            $a,
            ", #0\n",
            "bmi ",
            $neg,
            "f\n",
            $back,
            ":\n",
            "smull r10, r11, ",
            $a,
            ", r12\n",
            "add r9, r9, #31\n", // t = 31 + s, 1..=62 (the loader checked)
            "sqrshrl r10, r11, #64, r9\n", // (p + 2^(t-1)) >> t
            "sqshll r10, r11, #32\n", // r11: that saturated to i32
            "qadd r11, r11, r3\n",
            "ssat r11, #8, r11\n",
            $store,
            ":\n",
            "strb r11, [r1], #1\n",
        )
    };
}

/// The out-of-line case of [`requantize!`]: a negative accumulator.
macro_rules! requantize_negative {
    ($neg:literal, $back:literal, $store:literal, $other:literal) => {
        concat!(
            $neg,
            ":\n",
            "ldr r10, [sp, #{activation}]\n",
            "cmp r10, #1\n",
            "bne ",
            $other,
            "f\n",
            // LeakyReLU: multiplier (m * m_slope + 2^30) >> 31, shift s + s_slope.
            "ldr r10, [sp, #{slope_multiplier}]\n",
            "umull r10, r11, r12, r10\n",
            "adds r10, r10, #0x40000000\n",
            "adc r11, r11, #0\n",
            "lsrl r10, r11, #31\n",
            "mov r12, r10\n",
            "ldr r10, [sp, #{slope_shift}]\n",
            "add r9, r9, r10\n",
            "sxtb r9, r9\n",
            "b ",
            $back,
            "b\n",
            $other,
            ":\n",
            "cmp r10, #2\n",
            "bne ",
            $back,
            "b\n",           // linear: the same requantization
            "mov r11, r3\n", // ReLU below zero: the zero point
            "b ",
            $store,
            "b\n",
        )
    };
}

/// Runs every group of four rows `layer` describes.
///
/// # Safety
/// `records_end` is `records + 36 * quads` for `quads >= 1`; `weights` holds `4 * quads`
/// rows of `stride >= n >= 1` bytes, `records` as many 9-byte records and `dst` as many
/// bytes; `x` holds `n` values; the loader's parameter checks hold (SPEC.md §4.5: no
/// accumulator overflows, every total shift in 1..=62).
#[unsafe(naked)]
pub unsafe extern "C" fn dense_quads(layer: *const Layer) {
    naked_asm!(
        // A naked function's body is assembled without the `target-cpu` features; the
        // M85 has the same instructions.
        ".cpu cortex-m55",
        "push {{r4-r11, lr}}",
        "ldm r0, {{r1-r11}}",
        "push {{r1-r11}}",
        "mov r0, r7", // records
        // One group of four rows: r3, r5, r7 and r9 walk them, r1 the input; r2, r4, r6
        // and r8 accumulate from the biases.
        "2:",
        "ldm sp, {{r1, r3, r10, r11}}", // x, weights, n, stride
        "add r5, r3, r11",
        "add r7, r5, r11",
        "add r9, r7, r11",
        "add r12, r9, r11",
        "str r12, [sp, #{weights}]", // the next group's row 0
        "ldr r2, [r0]",
        "ldr r4, [r0, #9]",
        "ldr r6, [r0, #18]",
        "ldr r8, [r0, #27]",
        "dlstp.8 lr, r10",
        "3:",
        "vldrb.u8 q0, [r1], #16",
        "vldrb.u8 q1, [r3], #16",
        "vmladava.s8 r2, q0, q1",
        "vldrb.u8 q2, [r5], #16",
        "vmladava.s8 r4, q0, q2",
        "vldrb.u8 q3, [r7], #16",
        "vmladava.s8 r6, q0, q3",
        "vldrb.u8 q1, [r9], #16",
        "vmladava.s8 r8, q0, q1",
        "letp lr, 3b",
        "ldrd r1, r3, [sp, #{dst}]", // dst, zero point
        requantize!("r2", "4", "8", "20", "21", "22"),
        requantize!("r4", "13", "17", "30", "31", "32"),
        requantize!("r6", "22", "26", "40", "41", "42"),
        requantize!("r8", "31", "35", "50", "51", "52"),
        "str r1, [sp, #{dst}]",
        "add r0, r0, #36",
        "ldr r12, [sp, #{records_end}]",
        "cmp r0, r12",
        "bne 2b",
        "add sp, sp, #44",
        "pop {{r4-r11, pc}}",
        requantize_negative!("20", "21", "22", "23"),
        requantize_negative!("30", "31", "32", "33"),
        requantize_negative!("40", "41", "42", "43"),
        requantize_negative!("50", "51", "52", "53"),
        weights = const offset_of!(Layer, weights),
        dst = const offset_of!(Layer, dst),
        records_end = const offset_of!(Layer, records_end),
        activation = const offset_of!(Layer, activation),
        slope_multiplier = const offset_of!(Layer, slope_multiplier),
        slope_shift = const offset_of!(Layer, slope_shift),
    )
}

// The routine copies the eleven words to its frame with one `LDM` into r1-r11 (so
// `records` lands in r7), loads the first four with one `LDM` and `dst` and `zero_point`
// with one `LDRD`.
const _: () = assert!(size_of::<Layer>() == 44 && offset_of!(Layer, records) == 24);
const _: () = assert!(offset_of!(Layer, n) == 8 && offset_of!(Layer, stride) == 12);
const _: () = assert!(offset_of!(Layer, zero_point) == offset_of!(Layer, dst) + 4);
