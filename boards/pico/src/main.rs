//! Bottleneck on the Raspberry Pi Pico (RP2040, Cortex-M0+): the firmware core on UART0 (GP0 TX, GP1 RX: the
//! Raspberry Pi Debug Probe's UART) at 115200 baud, embassy-rp's default clocks;
//! inference timed with SysTick, 24 bits at the core clock (the M0+ has no DWT cycle counter).
#![no_std]
#![no_main]

use bottleneck_board_glue::{Hal02Serial, counter::SysTick, serve};
use bottleneck_device::Device;
use defmt_rtt as _;
use embassy_rp::uart::{Config, Uart};
use panic_probe as _;

include!(concat!(env!("OUT_DIR"), "/board.rs"));

/// The core: most of the RAM the firmware uses, in a static rather than on the stack.
static mut DEVICE: Device<'static, INPUT, MODEL_BUFFER, WIDTH> = Device::new(MODEL, BOARD_NAME);

#[cortex_m_rt::entry]
fn main() -> ! {
    let p = embassy_rp::init(Default::default());
    // The counter's rate is the clock the HAL set, read back: the board table's figure
    // (CLOCK_HZ) is what it should be.
    let hz = embassy_rp::clocks::clk_sys_freq();
    if hz != CLOCK_HZ {
        defmt::warn!("core clock {} Hz, the board table says {}", hz, CLOCK_HZ);
    }
    defmt::info!(
        "{} at {} Hz, model of {} bytes",
        BOARD_NAME,
        hz,
        MODEL.len()
    );

    let core = cortex_m::Peripherals::take().expect("taken once, at start-up");
    let mut clock = SysTick::start(core.SYST, hz);
    let uart = Uart::new_blocking(p.UART0, p.PIN_0, p.PIN_1, Config::default());
    // SAFETY: the only reference to DEVICE, taken once; no interrupt handler touches it.
    let device = unsafe { &mut *core::ptr::addr_of_mut!(DEVICE) };
    serve(device, &mut Hal02Serial(uart), &mut clock)
}
