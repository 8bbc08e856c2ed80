//! Bottleneck on the nRF52840 DK: the firmware core on UARTE0 (P0.06 TX, P0.08 RX, which
//! the board wires to its J-Link's virtual COM port) at 115200 baud; the core at its
//! fixed 64 MHz; inference timed with DWT CYCCNT.
//!
//! The UARTE receives by DMA only, so the link reads one byte at a time and waits for it:
//! the core's `timestamp` clock loses a 67-second counter wrap if the host stays silent
//! that long (inference timing, which runs between two readings, is unaffected).
#![no_std]
#![no_main]

use bottleneck_board_glue::{Link, counter::Dwt, serve};
use bottleneck_device::Device;
use defmt_rtt as _;
use embassy_nrf::uarte::{self, Uarte};
use embassy_nrf::{bind_interrupts, peripherals};
use panic_probe as _;

include!(concat!(env!("OUT_DIR"), "/board.rs"));

bind_interrupts!(struct Irqs {
    UARTE0 => uarte::InterruptHandler<peripherals::UARTE0>;
});

/// The core: most of the RAM the firmware uses, in a static rather than on the stack.
static mut DEVICE: Device<'static, INPUT, MODEL_BUFFER, WIDTH> = Device::new(MODEL, BOARD_NAME);

/// UARTE0, one byte per DMA transfer.
struct Uarte0(Uarte<'static>);

impl Link for Uarte0 {
    fn try_read(&mut self) -> Option<u8> {
        let mut byte = [0u8];
        self.0.blocking_read(&mut byte).ok().map(|()| byte[0])
    }
    fn write(&mut self, bytes: &[u8]) {
        // Copies flash data through RAM for the DMA; fails only on an empty buffer.
        let _ = self.0.blocking_write(bytes);
    }
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let p = embassy_nrf::init(Default::default());
    defmt::info!(
        "{} at {} Hz, model of {} bytes",
        BOARD_NAME,
        CLOCK_HZ,
        MODEL.len()
    );

    let core = cortex_m::Peripherals::take().expect("taken once, at start-up");
    let mut clock = Dwt::start(core.DCB, core.DWT, CLOCK_HZ);
    let mut config = uarte::Config::default();
    config.parity = uarte::Parity::Excluded;
    config.baudrate = uarte::Baudrate::Baud115200;
    let uart = Uarte::new(p.UARTE0, p.P0_08, p.P0_06, Irqs, config);
    // SAFETY: the only reference to DEVICE, taken once; no interrupt handler touches it.
    let device = unsafe { &mut *core::ptr::addr_of_mut!(DEVICE) };
    serve(device, &mut Uarte0(uart), &mut clock)
}
