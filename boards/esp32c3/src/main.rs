//! Bottleneck on the ESP32-C3: the firmware core on UART0 (GPIO21 TX, GPIO20 RX, which
//! the DevKitM-1 wires to its USB-serial bridge) at 115200 baud, the core at 160 MHz;
//! inference timed with the core's machine performance counter (the ESP32-C3 has no
//! `mcycle`). UART0 also carries the boot loader's start-up text, which
//! `bottleneck device` skips while it waits for `m-ready`; the firmware itself logs
//! nothing there.
#![no_std]
#![no_main]

use bottleneck_board_glue::{Link, serve};
use bottleneck_device::{Cycles, Device};
use esp_hal::Blocking;
use esp_hal::clock::CpuClock;
use esp_hal::uart::{Config, Uart};

include!(concat!(env!("OUT_DIR"), "/board.rs"));

esp_bootloader_esp_idf::esp_app_desc!();

/// The core: most of the RAM the firmware uses, in a static rather than on the stack.
static mut DEVICE: Device<'static, INPUT, MODEL_BUFFER, WIDTH> = Device::new(MODEL, BOARD_NAME);

/// The ESP32-C3's machine performance counter, counting core cycles.
struct Pccr;

impl Pccr {
    /// Selects cycles as the counted event (mpcer, CSR 0x7E0) and starts counting
    /// (mpcmr, CSR 0x7E1), as ESP-IDF's start-up does.
    fn start() -> Self {
        // SAFETY: writes the ESP32-C3's performance-counter CSRs, in machine mode.
        unsafe { core::arch::asm!("csrwi 0x7e0, 1", "csrwi 0x7e1, 1") };
        Pccr
    }
}

impl Cycles for Pccr {
    fn cycles(&mut self) -> u32 {
        let cycles: u32;
        // SAFETY: reads mpccr (CSR 0x7E2), which has no side effects.
        unsafe { core::arch::asm!("csrr {0}, 0x7e2", out(reg) cycles) };
        cycles
    }
    fn hz(&self) -> u32 {
        CLOCK_HZ
    }
}

/// UART0, polled.
struct Uart0(Uart<'static, Blocking>);

impl Link for Uart0 {
    fn try_read(&mut self) -> Option<u8> {
        let mut byte = [0u8];
        if !self.0.read_ready() {
            return None;
        }
        match self.0.read(&mut byte) {
            Ok(1) => Some(byte[0]),
            _ => None,
        }
    }
    fn write(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match self.0.write(bytes) {
                Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
                Err(_) => return,
            }
        }
    }
}

#[esp_hal::main]
fn main() -> ! {
    let p = esp_hal::init(esp_hal::Config::default().with_cpu_clock(CpuClock::_160MHz));
    let mut clock = Pccr::start();
    let Ok(uart) = Uart::new(p.UART0, Config::default()) else {
        panic!("UART0 at 115200 baud")
    };
    let uart = uart.with_rx(p.GPIO20).with_tx(p.GPIO21);
    // SAFETY: the only reference to DEVICE, taken once; no interrupt handler touches it.
    let device = unsafe { &mut *core::ptr::addr_of_mut!(DEVICE) };
    serve(device, &mut Uart0(uart), &mut clock)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // Nothing to print on (UART0 is the link); the board waits for its reset button.
    loop {
        core::hint::spin_loop();
    }
}
