//! The board firmware of issue 26 on the emulated boards: the firmware core
//! (`bottleneck-device`) on the board's UART, with the model built into flash. The host
//! talks to it as to a real board (`bottleneck device --port …`): QEMU puts the UART on a
//! pseudo-terminal (`-serial pty`). Runs until QEMU is stopped; a panic exits QEMU with
//! failure.
#![no_std]
#![no_main]

use bottleneck_device::{Cycles, Device};
use bottleneck_firmware::{MODEL, WIDTH, entry, exit, hprintln, now, start_timer, uart};

/// Input bytes a board takes: a float sample of the widest model.
const INPUT: usize = 4 * WIDTH;
/// A model received over the link may be this large (from the board table).
const MODEL_BUFFER: usize = uart::LINK_MODEL_BUFFER;

/// The board's tick counter, counting up.
struct Ticks;

#[cfg(target_arch = "arm")]
impl Cycles for Ticks {
    fn cycles(&mut self) -> u32 {
        // SysTick counts down from 0xFF_FFFF.
        0x00FF_FFFF - now()
    }
    fn hz(&self) -> u32 {
        uart::CLOCK_HZ
    }
    fn wrap_mask(&self) -> u32 {
        0x00FF_FFFF
    }
}

#[cfg(target_arch = "riscv32")]
impl Cycles for Ticks {
    fn cycles(&mut self) -> u32 {
        now()
    }
    fn hz(&self) -> u32 {
        uart::CLOCK_HZ
    }
}

/// The core: most of the RAM the firmware uses, in a static rather than on the stack.
static mut DEVICE: Device<'static, INPUT, MODEL_BUFFER, WIDTH> =
    Device::new(MODEL, uart::BOARD_NAME);

#[entry]
fn main() -> ! {
    if !uart::available() {
        hprintln!("link: board {} has no UART driver", uart::BOARD_NAME);
        exit(false);
    }
    start_timer();
    uart::init();
    // SAFETY: the only reference to DEVICE, taken once before the loop; no interrupt
    // handler touches it.
    let device = unsafe { &mut *core::ptr::addr_of_mut!(DEVICE) };
    let mut clock = Ticks;
    let mut out = uart::Writer;
    device.start(&mut out);
    loop {
        match uart::try_read() {
            Some(byte) => device.receive(byte, &mut out, &mut clock),
            None => device.idle(&mut clock),
        }
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    exit(false)
}
