//! The board's cycle counter and the stopwatch that extends it past its 32 bits.

/// A free-running cycle counter the board provides: DWT CYCCNT on Cortex-M3/M4/M7/M33,
/// SysTick or a timer on the M0+, `mcycle` on RISC-V.
pub trait Cycles {
    /// The counter now; it may wrap.
    fn cycles(&mut self) -> u32;
    /// Its rate in counts per second (the core clock for a cycle counter).
    fn hz(&self) -> u32;
    /// The bits it counts: a reading wraps from `wrap_mask` to 0 (`0x00FF_FFFF` for
    /// SysTick's 24 bits; all 32 by default).
    fn wrap_mask(&self) -> u32 {
        u32::MAX
    }
}

/// Elapsed counts since start-up, 64 bits wide: each reading adds the wrapping difference
/// from the last one, so the counter may wrap any number of times as long as it is read
/// once per wrap (the core reads it around every inference, and a board's receive loop
/// reads it while it waits: [`crate::Device::idle`]).
#[derive(Debug, Clone, Default)]
pub struct Stopwatch {
    last: Option<u32>,
    total: u64,
}

impl Stopwatch {
    /// A stopwatch that starts at its first reading.
    pub const fn new() -> Self {
        Stopwatch {
            last: None,
            total: 0,
        }
    }

    /// Counts elapsed since the first reading, after reading `clock` now.
    pub fn read(&mut self, clock: &mut impl Cycles) -> u64 {
        let now = clock.cycles();
        if let Some(last) = self.last {
            let counts = now.wrapping_sub(last) & clock.wrap_mask();
            self.total = self.total.wrapping_add(u64::from(counts));
        }
        self.last = Some(now);
        self.total
    }

    /// `counts` at `hz` counts per second in microseconds (0 for a clock without a rate).
    pub fn micros(counts: u64, hz: u32) -> u64 {
        if hz == 0 {
            return 0;
        }
        ((u128::from(counts) * 1_000_000) / u128::from(hz)) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake(u32);
    impl Cycles for Fake {
        fn cycles(&mut self) -> u32 {
            self.0
        }
        fn hz(&self) -> u32 {
            100
        }
    }

    struct Narrow(u32);
    impl Cycles for Narrow {
        fn cycles(&mut self) -> u32 {
            self.0
        }
        fn hz(&self) -> u32 {
            1
        }
        fn wrap_mask(&self) -> u32 {
            0x00FF_FFFF
        }
    }

    #[test]
    fn a_24_bit_counter_wraps_at_24_bits() {
        let mut clock = Narrow(0x00FF_FFF0);
        let mut watch = Stopwatch::new();
        watch.read(&mut clock);
        clock.0 = 0x0000_0010;
        assert_eq!(watch.read(&mut clock), 0x20);
    }

    #[test]
    fn a_wrapping_counter_keeps_counting() {
        let mut clock = Fake(u32::MAX - 5);
        let mut watch = Stopwatch::default();
        assert_eq!(watch.read(&mut clock), 0);
        clock.0 = 4; // wrapped: 10 counts later
        assert_eq!(watch.read(&mut clock), 10);
        clock.0 = 104;
        assert_eq!(watch.read(&mut clock), 110);
        assert_eq!(Stopwatch::micros(110, 100), 1_100_000);
        assert_eq!(Stopwatch::micros(110, 0), 0);
    }
}
