//! The cores' cycle counters, as the firmware core's [`Cycles`]: DWT CYCCNT on
//! Armv7-M/Armv8-M Mainline, SysTick on Armv6-M (which has no DWT counter), `mcycle` on
//! RISC-V cores that implement it.

use bottleneck_device::Cycles;

/// DWT CYCCNT: the core's cycles, 32 bits.
#[cfg(all(target_arch = "arm", not(armv6m)))]
pub struct Dwt {
    hz: u32,
}

#[cfg(all(target_arch = "arm", not(armv6m)))]
impl Dwt {
    /// Starts the counter (trace enabled in the DCB) for a core running at `hz`.
    pub fn start(
        mut dcb: cortex_m::peripheral::DCB,
        mut dwt: cortex_m::peripheral::DWT,
        hz: u32,
    ) -> Self {
        dcb.enable_trace();
        dwt.enable_cycle_counter();
        Dwt { hz }
    }
}

#[cfg(all(target_arch = "arm", not(armv6m)))]
impl Cycles for Dwt {
    fn cycles(&mut self) -> u32 {
        cortex_m::peripheral::DWT::cycle_count()
    }
    fn hz(&self) -> u32 {
        self.hz
    }
}

/// SysTick free-running from the core clock: 24 bits, counting down; read as cycles up.
#[cfg(target_arch = "arm")]
pub struct SysTick {
    _syst: cortex_m::peripheral::SYST,
    hz: u32,
}

#[cfg(target_arch = "arm")]
impl SysTick {
    /// Starts SysTick with the full 24-bit reload for a core running at `hz`.
    pub fn start(mut syst: cortex_m::peripheral::SYST, hz: u32) -> Self {
        use cortex_m::peripheral::syst::SystClkSource;
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(0x00FF_FFFF);
        syst.clear_current();
        syst.enable_counter();
        SysTick { _syst: syst, hz }
    }
}

#[cfg(target_arch = "arm")]
impl Cycles for SysTick {
    fn cycles(&mut self) -> u32 {
        0x00FF_FFFF - cortex_m::peripheral::SYST::get_current()
    }
    fn hz(&self) -> u32 {
        self.hz
    }
    fn wrap_mask(&self) -> u32 {
        0x00FF_FFFF
    }
}

/// The RISC-V `mcycle` counter's low 32 bits.
#[cfg(target_arch = "riscv32")]
pub struct Mcycle {
    hz: u32,
}

#[cfg(target_arch = "riscv32")]
impl Mcycle {
    /// Lets `mcycle` count (clears its bit in `mcountinhibit`, which some cores, Hazard3
    /// among them, set at reset) for a core running at `hz`.
    pub fn start(hz: u32) -> Self {
        // SAFETY: clears bit 0 (CY) of mcountinhibit (CSR 0x320), in machine mode.
        unsafe { core::arch::asm!("csrci 0x320, 1") };
        Mcycle { hz }
    }
}

#[cfg(target_arch = "riscv32")]
impl Cycles for Mcycle {
    fn cycles(&mut self) -> u32 {
        let cycles: u32;
        // SAFETY: reads the mcycle CSR (0xB00), which has no side effects.
        unsafe { core::arch::asm!("csrr {0}, mcycle", out(reg) cycles) };
        cycles
    }
    fn hz(&self) -> u32 {
        self.hz
    }
}
