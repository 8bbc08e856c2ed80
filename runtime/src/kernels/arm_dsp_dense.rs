//! A whole fully connected layer on the Cortex-M4/M7 (`dsp`) in one assembly routine:
//! dot products two rows at a time and their requantization, with nothing in Rust per
//! row. It runs the layers whose rows are word-aligned and zero-padded to groups of four
//! (SPEC.md §6, version 3; and version 2 layers whose width is a multiple of four) with a
//! shared-requantization channel record (linear, LeakyReLU or ReLU).
//!
//! The inner loop takes 32 inputs per iteration: per row and 8 inputs, one `LDRD` of
//! weights, four `SXTB16` and four `SMLAD`; the two rows share one `LDM` of the widened
//! input ([`super::arm_dsp::prepare`]). That is 78 instructions for 64 multiply-accumulates
//! (the two-row `LDR` loop of [`super::arm_dsp`] needs 92), and needs 13 registers, one
//! more than inline assembly may use — hence a naked function that saves r4-r11 itself.
//! A shorter loop takes the last 4 to 28 inputs four at a time. The layer's constants are
//! copied to the stack once, in the order the routine loads them (three with one `LDM`),
//! so r0 can walk the channel records; each pair's accumulators start at the biases.
//!
//! Requantization (SPEC.md §4.3) for a total shift `t = 31 + s = 32 + k` with `k >= 1`,
//! the usual case, needs no 64-bit arithmetic: with `h = (acc * m) >> 32` (one `SMMUL`),
//! `(acc * m + 2^(t-1)) >> t = ((h >> (k - 1)) + 1) >> 1` exactly, and adding the zero
//! point before the last shift as `2 * zero_point + 1` folds the `+ 1` in. Shifts of 32
//! and below (multipliers of 1/2 or more) take a slower exact path.
//!
//! The block starts with `.arch armv7e-m` for Armv8-M Mainline builds (see `arm_dsp`).
#![allow(unsafe_code)]

use core::arch::naked_asm;
use core::mem::offset_of;

/// What the routine reads. Every field is one word; the order is the routine's (the
/// fields after `records` are copied to its stack frame in this order, and `wide`,
/// `passes` and `stride` are loaded together).
#[repr(C)]
#[derive(Debug)]
pub struct Layer {
    /// Row 0 of the first pair of rows: word-aligned, `stride` bytes per row.
    pub weights: *const u8,
    /// The first pair's 9-byte channel records (bias, multiplier, shift).
    pub records: *const u8,
    /// The widened input ([`super::arm_dsp::prepare`]): `stride` halfwords,
    /// word-aligned, the last group zero-padded.
    pub wide: *const i16,
    /// Passes of 32 inputs, at least 1.
    pub passes: u32,
    /// Bytes per row: `4 * (8 * passes + fours)`.
    pub stride: u32,
    /// Where the outputs go.
    pub dst: *mut i8,
    /// `2 * zero_point + 1`: the output zero point and the last rounding step's `+ 1`.
    pub zero_point_term: i32,
    /// 0 linear, 1 LeakyReLU (`slope_*` apply below zero), 2 ReLU.
    pub activation: u32,
    /// Just past the last pair's records (`records + 18 * pairs`, at least one pair).
    pub records_end: *const u8,
    /// LeakyReLU's Q31 slope multiplier.
    pub slope_multiplier: i32,
    /// LeakyReLU's slope shift.
    pub slope_shift: i32,
    /// Groups of 4 inputs left after the passes (0 to 7).
    pub fours: u32,
}

/// Activation codes of [`Layer::activation`].
pub const LINEAR: u32 = 0;
/// LeakyReLU: the channel's requantization scaled by the slope below zero.
pub const LEAKY_RELU: u32 = 1;
/// ReLU: the zero point below zero.
pub const RELU: u32 = 2;

/// One row's requantization: accumulator `$a` (bias included) into one output, its
/// record's multiplier at `[r0, #$m]` and shift at `[r0, #$s]`. Registers: r2 the
/// activation code, r3 outputs, r4 `2 * zero_point + 1`; r5, r8-r12 and lr free.
macro_rules! requantize {
    ($a:literal, $m:literal, $s:literal, $neg:literal, $load:literal, $back:literal, $slow:literal, $store:literal) => {
        concat!(
            "cmp ",
            $a,
            ", #0\n",
            "bmi ",
            $neg,
            "f\n",
            $load,
            ":\n",
            "ldr r9, [r0, #",
            $m,
            "]\n", // multiplier (records are byte-aligned: LDR allows it)
            "ldrsb r10, [r0, #",
            $s,
            "]\n", // shift s
            $back,
            ":\n",
            "subs r10, r10, #2\n", // k - 1 = t - 33
            "bmi ",
            $slow,
            "f\n",
            "smmul r12, ",
            $a,
            ", r9\n", // h = (acc * m) >> 32
            "asr r12, r12, r10\n",
            "add r12, r12, r4\n", // + 1 + 2 * zero point
            "asr ",
            $a,
            ", r12, #1\n",
            "ssat ",
            $a,
            ", #8, ",
            $a,
            "\n",
            $store,
            ":\n",
            "strb ",
            $a,
            ", [r3], #1\n",
        )
    };
}

/// The out-of-line cases of [`requantize!`]: a negative accumulator, a total shift
/// of 32 or below.
macro_rules! requantize_cold {
    ($a:literal, $m:literal, $s:literal, $neg:literal, $load:literal, $back:literal, $slow:literal, $store:literal, $other:literal, $big:literal) => {
        concat!(
            $neg, ":\n",
            "cmp r2, #1\n",
            "bne ", $other, "f\n",
            // LeakyReLU: multiplier (m * m_slope + 2^30) >> 31, shift s + s_slope.
            "ldr r9, [r0, #", $m, "]\n",
            "ldrsb r10, [r0, #", $s, "]\n",
            "ldr r11, [sp, #{slope_multiplier}]\n",
            "umull r11, r12, r9, r11\n",
            "adds r11, r11, #0x40000000\n",
            "adc r12, r12, #0\n",
            "lsl r12, r12, #1\n",
            "orr r9, r12, r11, lsr #31\n",
            "ldr r11, [sp, #{slope_shift}]\n",
            "add r10, r10, r11\n",
            "sxtb r10, r10\n",
            "b ", $back, "b\n",
            $other, ":\n",
            "cmp r2, #2\n",
            "bne ", $load, "b\n",          // linear: the same requantization
            "asr ", $a, ", r4, #1\n",      // ReLU below zero: the zero point
            "b ", $store, "b\n",
            $slow, ":\n",                  // t = r10 + 33 in 1..=32: a 64-bit shift
            "add r10, r10, #33\n",
            "sub r11, r10, #1\n",
            "movs r12, #1\n",
            "lsl r11, r12, r11\n",
            "movs r12, #0\n",
            "smlal r11, r12, ", $a, ", r9\n",
            "lsr r11, r11, r10\n",          // 0 when t = 32
            "rsb lr, r10, #32\n",
            "lsl lr, r12, lr\n",
            "orr r11, r11, lr\n",          // low word of the shifted sum
            "asr r12, r12, r10\n",         // high word
            "cmp r12, r11, asr #31\n",
            "bne ", $big, "f\n",
            "asr lr, r4, #1\n",            // the zero point
            "qadd ", $a, ", r11, lr\n",
            "ssat ", $a, ", #8, ", $a, "\n",
            "b ", $store, "b\n",
            $big, ":\n",                   // beyond i32: saturates either way
            "cmp r12, #0\n",
            "ite lt\n",
            "mvnlt ", $a, ", #127\n",
            "movge ", $a, ", #127\n",
            "b ", $store, "b\n",
        )
    };
}

/// Eight inputs of both rows: one `LDM` of four input words, one `LDRD` of two weight
/// words per row.
macro_rules! eight {
    () => {
        concat!(
            "ldm r11!, {{r2-r5}}\n",
            "ldrd r8, r9, [r1], #8\n",
            "sxtb16 r10, r8\n",
            "smlad r6, r10, r2, r6\n",
            "sxtb16 r8, r8, ror #8\n",
            "smlad r6, r8, r3, r6\n",
            "sxtb16 r10, r9\n",
            "smlad r6, r10, r4, r6\n",
            "sxtb16 r9, r9, ror #8\n",
            "smlad r6, r9, r5, r6\n",
            "ldrd r8, r9, [lr], #8\n",
            "sxtb16 r10, r8\n",
            "smlad r7, r10, r2, r7\n",
            "sxtb16 r8, r8, ror #8\n",
            "smlad r7, r8, r3, r7\n",
            "sxtb16 r10, r9\n",
            "smlad r7, r10, r4, r7\n",
            "sxtb16 r9, r9, ror #8\n",
            "smlad r7, r9, r5, r7\n",
        )
    };
}

/// Runs every pair of rows `layer` describes.
///
/// # Safety
/// `layer.passes >= 1` and `records_end` is `records + 18 * pairs` for `pairs >= 1`;
/// `weights` is word-aligned and holds `2 * pairs` rows of `stride = 4 * (8 * passes +
/// fours)` bytes; `wide` is word-aligned and holds `stride` halfwords; `records` holds
/// `2 * pairs` 9-byte records and `dst` `2 * pairs` bytes; the loader's parameter checks
/// hold (SPEC.md §4.5: no accumulator overflows).
#[unsafe(naked)]
pub unsafe extern "C" fn dense_pairs(layer: *const Layer) {
    naked_asm!(
        ".arch armv7e-m",
        "push {{r4-r11, lr}}",
        // r1 = weights, r2 = records, r3-r12 = the ten constants, copied to the stack.
        "ldm r0, {{r1-r12}}",
        "push {{r3-r12}}",
        "mov r0, r2",
        // One pair of rows: r1 and lr walk them, r11 the input, r12 counts the passes, r6
        // and r7 accumulate from the biases.
        "2:",
        "ldm sp, {{r11, r12, lr}}", // wide, passes, stride
        "add lr, r1, lr",
        "ldr r6, [r0]",
        "ldr r7, [r0, #9]",
        "3:",
        eight!(),
        eight!(),
        eight!(),
        eight!(),
        "subs r12, r12, #1",
        "bne 3b",
        // The last 0-7 groups of four inputs.
        "ldr r4, [sp, #{fours}]",
        "cbz r4, 6f",
        "5:",
        "ldm r11!, {{r2, r3}}",
        "ldr r8, [r1], #4",
        "sxtb16 r10, r8",
        "smlad r6, r10, r2, r6",
        "sxtb16 r8, r8, ror #8",
        "smlad r6, r8, r3, r6",
        "ldr r8, [lr], #4",
        "sxtb16 r10, r8",
        "smlad r7, r10, r2, r7",
        "sxtb16 r8, r8, ror #8",
        "smlad r7, r8, r3, r7",
        "subs r4, r4, #1",
        "bne 5b",
        // r1 is now at row 1, lr at the next pair's row 0.
        "6:",
        "mov r1, lr",
        "ldrd r3, r4, [sp, #{dst}]", // dst, 2 * zero_point + 1
        "ldr r2, [sp, #{activation}]",
        requantize!("r6", "4", "8", "20", "21", "22", "23", "24"),
        requantize!("r7", "13", "17", "30", "31", "32", "33", "34"),
        "add r0, r0, #18",
        "str r3, [sp, #{dst}]",
        "ldr r12, [sp, #{records_end}]",
        "cmp r0, r12",
        "bne 2b",
        "add sp, sp, #40",
        "pop {{r4-r11, pc}}",
        requantize_cold!("r6", "4", "8", "20", "21", "22", "23", "24", "25", "26"),
        requantize_cold!("r7", "13", "17", "30", "31", "32", "33", "34", "35", "36"),
        fours = const offset_of!(Layer, fours) - 8,
        dst = const offset_of!(Layer, dst) - 8,
        activation = const offset_of!(Layer, activation) - 8,
        records_end = const offset_of!(Layer, records_end) - 8,
        slope_multiplier = const offset_of!(Layer, slope_multiplier) - 8,
        slope_shift = const offset_of!(Layer, slope_shift) - 8,
    )
}

// The routine loads `wide`, `passes` and `stride` with one `LDM` from the frame's start,
// and `dst` and `zero_point_term` with one `LDRD`.
const _: () = assert!(offset_of!(Layer, wide) == 8);
const _: () = assert!(offset_of!(Layer, passes) == 12 && offset_of!(Layer, stride) == 16);
const _: () = assert!(offset_of!(Layer, zero_point_term) == offset_of!(Layer, dst) + 4);
