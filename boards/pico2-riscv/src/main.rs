//! Bottleneck on the Raspberry Pi Pico 2's Hazard3 RISC-V cores: the firmware core on
//! UART0 (GP0 TX, GP1 RX) at 115200 baud, the core at 150 MHz from the 12 MHz crystal;
//! inference timed with `mcycle`.
#![no_std]
#![no_main]

use bottleneck_board_glue::{Link, counter::Mcycle, serve};
use bottleneck_device::Device;
use defmt_rtt as _;
use hal::Clock;
use hal::fugit::RateExtU32;
use hal::uart::{DataBits, Enabled, StopBits, UartConfig, UartPeripheral};
use rp235x_hal as hal;

include!(concat!(env!("OUT_DIR"), "/board.rs"));

/// The image definition the boot ROM looks for in the first 4 KiB of flash: a secure
/// executable, RISC-V (the architecture is taken from the image's own build).
#[unsafe(link_section = ".start_block")]
#[used]
pub static IMAGE_DEF: hal::block::ImageDef = hal::block::ImageDef::secure_exe();

/// The Pico 2's crystal.
const XTAL_HZ: u32 = 12_000_000;

/// The core: most of the RAM the firmware uses, in a static rather than on the stack.
static mut DEVICE: Device<'static, INPUT, MODEL_BUFFER, WIDTH> = Device::new(MODEL, BOARD_NAME);

type Pins = (
    hal::gpio::Pin<hal::gpio::bank0::Gpio0, hal::gpio::FunctionUart, hal::gpio::PullDown>,
    hal::gpio::Pin<hal::gpio::bank0::Gpio1, hal::gpio::FunctionUart, hal::gpio::PullDown>,
);

/// UART0, polled.
struct Uart0(UartPeripheral<Enabled, hal::pac::UART0, Pins>);

impl Link for Uart0 {
    fn try_read(&mut self) -> Option<u8> {
        let mut byte = [0u8];
        match self.0.read_raw(&mut byte) {
            Ok(1) => Some(byte[0]),
            _ => None,
        }
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.write_full_blocking(bytes);
    }
}

#[hal::entry]
fn main() -> ! {
    let Some(mut pac) = hal::pac::Peripherals::take() else {
        panic!("peripherals taken twice")
    };
    let mut watchdog = hal::Watchdog::new(pac.WATCHDOG);
    let Ok(clocks) = hal::clocks::init_clocks_and_plls(
        XTAL_HZ,
        pac.XOSC,
        pac.CLOCKS,
        pac.PLL_SYS,
        pac.PLL_USB,
        &mut pac.RESETS,
        &mut watchdog,
    ) else {
        panic!("clocks did not start")
    };
    let hz = clocks.system_clock.freq().to_Hz();
    defmt::info!(
        "{} at {} Hz, model of {} bytes",
        BOARD_NAME,
        hz,
        MODEL.len()
    );
    let mut clock = Mcycle::start(hz);

    let sio = hal::Sio::new(pac.SIO);
    let pins = hal::gpio::Pins::new(
        pac.IO_BANK0,
        pac.PADS_BANK0,
        sio.gpio_bank0,
        &mut pac.RESETS,
    );
    let Ok(uart) = UartPeripheral::new(
        pac.UART0,
        (pins.gpio0.into_function(), pins.gpio1.into_function()),
        &mut pac.RESETS,
    )
    .enable(
        UartConfig::new(115_200.Hz(), DataBits::Eight, None, StopBits::One),
        clocks.peripheral_clock.freq(),
    ) else {
        panic!("UART0 at 115200 baud")
    };
    // SAFETY: the only reference to DEVICE, taken once; no interrupt handler touches it.
    let device = unsafe { &mut *core::ptr::addr_of_mut!(DEVICE) };
    serve(device, &mut Uart0(uart), &mut clock)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    defmt::error!("panic: {}", defmt::Display2Format(info));
    loop {
        core::hint::spin_loop();
    }
}
