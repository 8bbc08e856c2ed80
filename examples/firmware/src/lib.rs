//! What the firmware binaries share: the embedded model and samples, printing raw
//! integers, SysTick timing and stack painting.
#![no_std]

use bottleneck_runtime::Aligned;
use cortex_m::peripheral::{SYST, syst::SystClkSource};
use cortex_m_semihosting::debug;

/// The model file made by `bottleneck train`, embedded in flash on a 4-byte boundary so
/// the Cortex-M4 kernels can load its weight rows a word pair at a time.
pub static MODEL: &[u8] = ALIGNED_MODEL.bytes();

static ALIGNED_MODEL: &Aligned<[u8]> =
    &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/model.bin")));

/// Test samples: little-endian f32, `n_inputs` per sample.
pub static SAMPLES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/samples.bin"));

include!(concat!(env!("OUT_DIR"), "/width.rs"));

/// Ends the QEMU run with semihosting success or failure.
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Only reached on real hardware without a debugger: sleep.
    loop {
        cortex_m::asm::wfi();
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

/// Starts SysTick free-running from the core clock with the full 24-bit reload.
pub fn start_systick(syst: &mut SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(0x00FF_FFFF);
    syst.clear_current();
    syst.enable_counter();
}

/// Current SysTick value (counts down).
pub fn now() -> u32 {
    SYST::get_current()
}

/// Ticks elapsed between two readings of the down-counter (at most one wrap).
pub fn elapsed(start: u32, end: u32) -> u32 {
    start.wrapping_sub(end) & 0x00FF_FFFF
}

/// Runs a loop of exactly `2 * iterations` instructions (`subs` + `bne`), to calibrate
/// SysTick ticks against instructions under `-icount`.
#[inline(never)]
pub fn calibration_loop(iterations: u32) {
    if iterations == 0 {
        return;
    }
    // SAFETY: only decrements a scratch register until it reaches zero.
    unsafe {
        core::arch::asm!(
            "1:",
            "subs {n}, #1",
            "bne 1b",
            n = inout(reg) iterations => _,
            options(nomem, nostack),
        );
    }
}

const PAINT: u32 = 0xCAFE_BABE;

unsafe extern "C" {
    /// End of static RAM (start of the unused region), from cortex-m-rt's link.x.
    static mut __sheap: u32;
    /// Initial stack pointer (top of RAM), from cortex-m-rt's link.x.
    static _stack_start: u32;
}

/// Fills the free RAM between the statics and the current stack pointer (less a safety
/// margin) with a pattern, so [`peak_stack`] can later see how deep the stack went.
pub fn paint_stack() {
    let sp = cortex_m::register::msp::read() as usize;
    let start = core::ptr::addr_of_mut!(__sheap) as usize;
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
    let base = cortex_m::register::msp::read() as usize;
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
    let start = core::ptr::addr_of_mut!(__sheap) as usize;
    let top = core::ptr::addr_of!(_stack_start) as usize;
    let mut p = start;
    // SAFETY: reads the painted region only.
    while p < top && unsafe { core::ptr::read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    p
}

/// Deepest stack use since [`paint_stack`], in bytes from the top of RAM.
pub fn peak_stack() -> usize {
    core::ptr::addr_of!(_stack_start) as usize - lowest_touched()
}
