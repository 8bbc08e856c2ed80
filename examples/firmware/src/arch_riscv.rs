//! RISC-V (RV32IMC on QEMU's `virt`): riscv-rt's entry, semihosting, `minstret` ticks.
//!
//! A tick here is one retired instruction (`minstret`): the board table gives this board a
//! 1 GHz "clock", one instruction per nanosecond of `-icount shift=0` virtual time, so the
//! same calibration and conversions hold as for SysTick on the Cortex-M boards.

use riscv_semihosting::debug;

pub use riscv_rt::entry;
pub use riscv_semihosting::hprintln;

/// Ends the QEMU run with semihosting success or failure.
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        riscv::asm::wfi();
    }
}

/// `minstret` counts from reset; nothing to start.
pub fn start_timer() {}

/// Instructions retired so far (low 32 bits).
pub fn now() -> u32 {
    riscv::register::minstret::read() as u32
}

/// Ticks elapsed between two readings of the up-counter.
pub fn elapsed(start: u32, end: u32) -> u32 {
    end.wrapping_sub(start)
}

/// Runs a loop of exactly `2 * iterations` instructions (`addi` + `bnez`), to calibrate
/// ticks against instructions.
#[inline(never)]
pub fn calibration_loop(iterations: u32) {
    if iterations == 0 {
        return;
    }
    // SAFETY: only decrements a scratch register until it reaches zero.
    unsafe {
        core::arch::asm!(
            "1:",
            "addi {n}, {n}, -1",
            "bnez {n}, 1b",
            n = inout(reg) iterations => _,
            options(nomem, nostack),
        );
    }
}

/// The current stack pointer.
pub fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads the stack pointer register.
    unsafe { core::arch::asm!("mv {}, sp", out(reg) sp, options(nomem, nostack)) };
    sp
}

unsafe extern "C" {
    /// End of static RAM (start of the heap region), from riscv-rt's link.x.
    static mut __sheap: u32;
    /// Initial stack pointer (top of the stack region), from riscv-rt's link.x.
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
