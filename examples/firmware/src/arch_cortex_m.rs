//! Cortex-M: cortex-m-rt's entry, semihosting through `BKPT`, SysTick ticks, MSP.

use cortex_m::peripheral::{SYST, syst::SystClkSource};
use cortex_m_semihosting::debug;

pub use cortex_m_rt::entry;
pub use cortex_m_semihosting::hprintln;

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

/// Starts SysTick free-running from the core clock with the full 24-bit reload.
pub fn start_timer() {
    let Some(mut peripherals) = cortex_m::Peripherals::take() else {
        return;
    };
    let syst: &mut SYST = &mut peripherals.SYST;
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
/// ticks against instructions under `-icount`.
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

/// The current stack pointer.
pub fn stack_pointer() -> usize {
    cortex_m::register::msp::read() as usize
}

unsafe extern "C" {
    /// End of static RAM (start of the unused region), from cortex-m-rt's link.x.
    static mut __sheap: u32;
    /// Initial stack pointer (top of RAM), from cortex-m-rt's link.x.
    static _stack_start: u32;
}

/// End of static RAM.
pub fn heap_start() -> usize {
    core::ptr::addr_of_mut!(__sheap) as usize
}

/// Top of the stack.
pub fn stack_top() -> usize {
    core::ptr::addr_of!(_stack_start) as usize
}
