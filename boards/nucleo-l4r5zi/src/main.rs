//! Bottleneck on the NUCLEO-L4R5ZI: the firmware core on LPUART1, which the board wires
//! to the ST-LINK's virtual COM port, at 115200 baud; the core at 120 MHz; inference
//! timed with DWT CYCCNT.
#![no_std]
#![no_main]

use bottleneck_board_glue::{Hal02Serial, counter::Dwt, serve};
use bottleneck_device::Device;
use defmt_rtt as _;
use embassy_stm32::rcc::{Pll, PllMul, PllPreDiv, PllRDiv, PllSource, Sysclk};
use embassy_stm32::usart::{Config, Uart};
use panic_probe as _;

include!(concat!(env!("OUT_DIR"), "/board.rs"));

/// The core: most of the RAM the firmware uses, in a static rather than on the stack.
static mut DEVICE: Device<'static, INPUT, MODEL_BUFFER, WIDTH> = Device::new(MODEL, BOARD_NAME);

#[cortex_m_rt::entry]
fn main() -> ! {
    // Start on the 4 MHz reset clock; embassy-stm32's init resets the PWR block.
    let mut p = embassy_stm32::init(embassy_stm32::Config::default());
    // Above 80 MHz the L4+ core needs voltage range 1 in boost mode (PWR_CR5.R1MODE = 0),
    // which embassy-stm32's clock set-up leaves alone: set it now, below 80 MHz, as the
    // reference manual orders, and only then raise the clock. The PAC's L4 PWR block has
    // no CR5 (an L4+ register), so it is addressed directly.
    const PWR_CR5: *mut u32 = 0x4000_7080 as *mut u32;
    const R1MODE: u32 = 1 << 8;
    // SAFETY: PWR_CR5 of the STM32L4R5 (RM0432 5.4.6), PWR clocked by init; clearing
    // R1MODE selects boost mode.
    unsafe { PWR_CR5.write_volatile(PWR_CR5.read_volatile() & !R1MODE) };

    let mut config = embassy_stm32::Config::default();
    // 16 MHz HSI x 15 / 2 = 120 MHz, the clock of MLPerf Tiny's published results.
    config.rcc.hsi = true;
    config.rcc.pll = Some(Pll {
        source: PllSource::HSI,
        prediv: PllPreDiv::DIV1,
        mul: PllMul::MUL15,
        divp: None,
        divq: None,
        divr: Some(PllRDiv::DIV2),
    });
    config.rcc.sys = Sysclk::PLL1_R;
    embassy_stm32::rcc::reinit(config.rcc, &mut p.RCC);
    defmt::info!(
        "{} at {} Hz, model of {} bytes",
        BOARD_NAME,
        CLOCK_HZ,
        MODEL.len()
    );

    let core = cortex_m::Peripherals::take().expect("taken once, at start-up");
    let mut clock = Dwt::start(core.DCB, core.DWT, CLOCK_HZ);
    let uart = Uart::new_blocking(p.LPUART1, p.PG8, p.PG7, Config::default())
        .expect("LPUART1 at 115200 baud");
    // SAFETY: the only reference to DEVICE, taken once; no interrupt handler touches it.
    let device = unsafe { &mut *core::ptr::addr_of_mut!(DEVICE) };
    serve(device, &mut Hal02Serial(uart), &mut clock)
}
