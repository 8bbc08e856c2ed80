//! What the firmware binaries share: the embedded model and samples, printing raw
//! integers, tick counting and stack painting. What differs between Cortex-M and RISC-V
//! (entry, semihosting, the tick counter, the stack pointer) is in `arch_*.rs`.
#![no_std]

use bottleneck_runtime::Aligned;

#[cfg(target_arch = "arm")]
#[path = "arch_cortex_m.rs"]
mod arch;
#[cfg(target_arch = "riscv32")]
#[path = "arch_riscv.rs"]
mod arch;

pub mod uart;

pub use arch::{calibration_loop, elapsed, entry, exit, hprintln, now, start_timer};

/// The model file made by `bottleneck train`, embedded in flash on a 4-byte boundary so
/// the Cortex-M4 kernels can load its weight rows a word pair at a time.
pub static MODEL: &[u8] = ALIGNED_MODEL.bytes();

static ALIGNED_MODEL: &Aligned<[u8]> =
    &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/model.bin")));

/// Test samples: little-endian f32, `n_inputs` per sample.
pub static SAMPLES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/samples.bin"));

/// Signals for the streaming firmware: per recording a little-endian u32 count of
/// samples, then the samples as little-endian i16 (empty unless `BOTTLENECK_SIGNAL` was
/// set).
pub static SIGNAL: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/signal.bin"));

include!(concat!(env!("OUT_DIR"), "/width.rs"));

/// The recordings in [`SIGNAL`], each as its little-endian i16 bytes; a truncated record
/// ends the iteration.
pub fn recordings() -> impl Iterator<Item = &'static [u8]> {
    let mut rest = SIGNAL;
    core::iter::from_fn(move || {
        let (count, tail) = rest.split_first_chunk::<4>()?;
        let bytes = (u32::from_le_bytes(*count) as usize).checked_mul(2)?;
        let (samples, tail) = (tail.get(..bytes)?, tail.get(bytes..)?);
        rest = tail;
        Some(samples)
    })
}

/// Exits QEMU with the outcome of a firmware's run: success, or the error (with the
/// loader's reason for an invalid file) and failure. Matched rather than read through
/// `Error::source`: a `dyn Error` would link every error's `Debug` formatting (5 KB of
/// flash on the Cortex-M0).
pub fn finish(result: Result<(), bottleneck_runtime::Error>) -> ! {
    match result {
        Ok(()) => exit(true),
        Err(e) => {
            match e {
                bottleneck_runtime::Error::Format(cause) => hprintln!("error: {}: {}", e, cause),
                _ => hprintln!("error: {}", e),
            }
            exit(false)
        }
    }
}

/// Reads sample `index` (of `n_inputs` features) into `out`; false past the last one.
pub fn sample(index: usize, n_inputs: usize, out: &mut [f32]) -> bool {
    let size = n_inputs * 4;
    let Some(bytes) = SAMPLES.get(index * size..(index + 1) * size) else {
        return false;
    };
    for (v, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        *v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
    true
}

/// Int8 values printed as two hex digits each, so the host compares the raw integers
/// (no digest to implement twice).
pub struct Hex<'a>(pub &'a [i8]);

impl core::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0
            .iter()
            .try_for_each(|&v| write!(f, "{:02x}", v as u8))
    }
}

/// Int32 values printed in decimal, comma-separated.
pub struct Ints<'a>(pub &'a [i32]);

impl core::fmt::Display for Ints<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

const PAINT: u32 = 0xCAFE_BABE;

/// Fills the free RAM between the statics and the current stack pointer (less a safety
/// margin) with a pattern, so [`peak_stack`] can later see how deep the stack went.
pub fn paint_stack() {
    let sp = arch::stack_pointer();
    let start = arch::heap_start();
    let mut p = start;
    while p + 4 <= sp - 64 {
        // SAFETY: the region between the end of the statics and the live stack is unused.
        unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
}

/// Stack bytes `f` uses below the caller's stack pointer: the stack is painted just
/// below it first, then searched for the deepest overwritten word. This is the RAM the
/// runtime needs beyond its caller's own frame and buffers.
#[inline(never)]
pub fn stack_used_by(f: impl FnOnce()) -> usize {
    let base = arch::stack_pointer();
    paint_stack();
    // Through a call that is never inlined: if `f` were inlined here, its locals would sit
    // in this frame, above `base`, and go uncounted.
    call(f);
    base.saturating_sub(lowest_touched())
}

#[inline(never)]
fn call(f: impl FnOnce()) {
    f();
}

/// Lowest address of the painted region that no longer holds the pattern.
fn lowest_touched() -> usize {
    let start = arch::heap_start();
    let top = arch::stack_top();
    let mut p = start;
    // SAFETY: reads the painted region only.
    while p < top && unsafe { core::ptr::read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    p
}

/// Deepest stack use since [`paint_stack`], in bytes from the top of RAM.
pub fn peak_stack() -> usize {
    arch::stack_top() - lowest_touched()
}
