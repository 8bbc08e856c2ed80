//! Cycles of one inference on a real chip, estimated (QEMU counts instructions, never
//! cycles): the core's cycles with zero-wait-state memory, plus the stalls of reading
//! the model where the deployment keeps it.
//!
//! The core's part comes from the benchmark's loop timings (`kernel_loops.rs`). The
//! memory's part assumes every byte of the model file is read once per inference (an
//! upper bound: the names are never read) in fetches of the memory's width, each fetch
//! stalling the core for the memory's wait states: a Cortex-M4 or M0+ load waits for its
//! data, and no cache holds a weight twice since each is read once. Instruction fetches
//! are not charged: the kernels' loops fit the smallest instruction cache modelled here
//! (the STM32 ART's 1 KiB), and the rest of the code is inside the 1-2 cycles per
//! instruction the core's estimate already allows.

/// A flash memory's read timing at the clock of the row that uses it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlashTiming {
    /// Wait states of one read.
    pub wait_states: f64,
    /// Bytes one read fetches: best case, worst case (a wider read stalls less often).
    pub fetch_bytes: (f64, f64),
    /// Where the figures come from.
    pub basis: &'static str,
}

/// Where a deployment keeps the model's weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WeightStore {
    /// SRAM with no wait states: the model copied there at start-up, or compiled in as
    /// data that the start-up code copies.
    Sram,
    /// Internal flash, read in place.
    Flash(FlashTiming),
}

impl WeightStore {
    /// Stall cycles per MAC, best and worst, of reading `streamed` bytes once per
    /// inference of `macs` multiply-accumulates.
    pub fn stalls_per_mac(&self, streamed: f64, macs: f64) -> (f64, f64) {
        match self {
            WeightStore::Sram => (0.0, 0.0),
            WeightStore::Flash(t) => {
                let per = |bytes: f64| streamed / bytes * t.wait_states / macs.max(1.0);
                (per(t.fetch_bytes.0), per(t.fetch_bytes.1))
            }
        }
    }

    /// A short name for tables.
    pub fn label(&self) -> &'static str {
        match self {
            WeightStore::Sram => "SRAM",
            WeightStore::Flash(_) => "flash",
        }
    }
}

/// Cycles per MAC of a whole inference, best and worst: the core's zero-wait-state
/// figure plus the memory's stalls.
pub fn with_memory(core: (f64, f64), store: &WeightStore, streamed: f64, macs: f64) -> (f64, f64) {
    let (s_best, s_worst) = store.stalls_per_mac(streamed, macs);
    (core.0 + s_best, core.1 + s_worst)
}

/// Inferences per second at `clock_hz` for `cycles_per_mac`, over `macs` per inference.
pub fn inferences_per_second(clock_hz: f64, cycles_per_mac: f64, macs: f64) -> f64 {
    clock_hz / (cycles_per_mac * macs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_stalls_follow_the_wait_states_and_the_read_width() {
        let flash = WeightStore::Flash(FlashTiming {
            wait_states: 5.0,
            fetch_bytes: (16.0, 8.0),
            basis: "",
        });
        // 160 bytes over 100 MACs: 10 reads of 16 bytes or 20 of 8, 5 wait states each.
        assert_eq!(flash.stalls_per_mac(160.0, 100.0), (0.5, 1.0));
        assert_eq!(WeightStore::Sram.stalls_per_mac(160.0, 100.0), (0.0, 0.0));
        assert_eq!(with_memory((2.0, 2.3), &flash, 160.0, 100.0), (2.5, 3.3));
        assert_eq!(
            inferences_per_second(120e6, 2.0, 264_192.0),
            120e6 / 528_384.0
        );
    }
}
