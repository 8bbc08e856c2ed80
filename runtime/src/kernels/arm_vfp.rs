//! Input quantization (SPEC.md §4.2) on Cortex-M cores with a single-precision FPU
//! (`eabihf` targets: Cortex-M4F, M7, M33).
//!
//! `v = x * a + b` in the current rounding mode (round to nearest even unless the
//! application changed it, as everywhere else), then `floor(2v)` by one `VCVTR` with the
//! FPSCR switched to round towards minus infinity for that instruction only: `2v` is
//! exact, and `(floor(2v) + 1) >> 1 = floor(v + 1/2)` is the spec's round-half-up with no
//! double rounding. 19 instructions per input, where the portable `floor` emulation
//! takes about 33.
#![allow(unsafe_code)]

use core::arch::asm;

/// Quantizes as many features as `sample`, `affine` (8 bytes each) and `out` all cover;
/// returns how many.
pub fn quantize_inputs(sample: &[f32], affine: &[u8], out: &mut [i8]) -> usize {
    let n = sample.len().min(affine.len() / 8).min(out.len());
    if n == 0 {
        return 0;
    }
    // SAFETY: reads `n` f32 of `sample` (aligned, as any `&[f32]`) and `8 * n` bytes of
    // `affine` (unaligned `LDR` is architectural on Armv7-M and Armv8-M Mainline), writes
    // `n` bytes of `out`; the FPSCR is restored after every conversion and at the end.
    unsafe {
        asm!(
            "vmrs {old}, fpscr",
            "bic {down}, {old}, #0xc00000",
            "orr {down}, {down}, #0x800000",
            "2:",
            "vldmia {x}!, {{s0}}",
            "ldr {t}, [{ab}], #4",
            "vmov s1, {t}",
            "ldr {t}, [{ab}], #4",
            "vmov s2, {t}",
            "vmul.f32 s0, s0, s1",
            "vadd.f32 s0, s0, s2",
            "vadd.f32 s0, s0, s0",
            "vmsr fpscr, {down}",
            "vcvtr.s32.f32 s0, s0",
            "vmsr fpscr, {old}",
            "vmov {t}, s0",
            // floor(2v) may be any i32: saturate before the +1 can overflow.
            "ssat {t}, #16, {t}",
            "add {t}, {t}, #1",
            "asr {t}, {t}, #1",
            "ssat {t}, #8, {t}",
            "strb {t}, [{q}], #1",
            "subs {k}, {k}, #1",
            "bne 2b",
            x = inout(reg) sample.as_ptr() => _,
            ab = inout(reg) affine.as_ptr() => _,
            q = inout(reg) out.as_mut_ptr() => _,
            k = inout(reg) n => _,
            old = out(reg) _,
            down = out(reg) _,
            t = out(reg) _,
            out("s0") _,
            out("s1") _,
            out("s2") _,
            options(nostack),
        );
    }
    n
}
