//! What every real board crate under `boards/` shares: [`serve`], the loop that feeds
//! the firmware core (`bottleneck-device`) from the board's serial link, and the cores'
//! cycle counters ([`counter`]). A board crate sets up its clocks and UART with its HAL,
//! wraps the UART in a [`Link`] and calls [`serve`]; nothing else is board-specific.
#![no_std]
#![warn(missing_docs)]

pub mod counter;

use bottleneck_device::{Cycles, Device};

/// A serial link, polled: what a board's UART driver offers the serve loop.
pub trait Link {
    /// The next received byte, if one is waiting. Receive errors (overrun, framing) are
    /// dropped here: the core answers a garbled command with `e-[…]`.
    fn try_read(&mut self) -> Option<u8>;
    /// Sends `bytes`, waiting while the transmitter is busy.
    fn write(&mut self, bytes: &[u8]);
}

/// A UART driver with embedded-hal 0.2's serial traits (embassy-stm32's and
/// embassy-rp's blocking UARTs have them) as a [`Link`]: non-blocking reads, blocking
/// writes.
#[cfg(target_arch = "arm")]
pub struct Hal02Serial<U>(pub U);

#[cfg(target_arch = "arm")]
impl<U> Link for Hal02Serial<U>
where
    U: embedded_hal_02::serial::Read<u8> + embedded_hal_02::blocking::serial::Write<u8>,
{
    fn try_read(&mut self) -> Option<u8> {
        self.0.read().ok()
    }
    fn write(&mut self, bytes: &[u8]) {
        // A blocking write on an enabled UART does not fail (the drivers report errors
        // only for half-duplex modes, not used here).
        let _ = self.0.bwrite_all(bytes);
    }
}

/// A [`Link`] as the text sink the core writes its replies to.
struct Replies<'a, L>(&'a mut L);

impl<L: Link> core::fmt::Write for Replies<'_, L> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

/// Runs the firmware core on `link` forever: announces the board (`m-init-done`,
/// `m-ready`), then hands it every received byte, and reads `clock` while it waits so
/// the `timestamp` clock counts through any number of counter wraps.
pub fn serve<const INPUT: usize, const MODEL: usize, const W: usize>(
    device: &mut Device<'_, INPUT, MODEL, W>,
    link: &mut impl Link,
    clock: &mut impl Cycles,
) -> ! {
    device.start(&mut Replies(link));
    loop {
        match link.try_read() {
            Some(byte) => device.receive(byte, &mut Replies(link), clock),
            None => device.idle(clock),
        }
    }
}
