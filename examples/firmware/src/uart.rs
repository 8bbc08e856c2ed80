//! The link's UART, polled: the board table (xtask/src/boards.rs) names its register
//! layout and base address. QEMU's UART models hold one received byte until it is read
//! and tell the host side to wait meanwhile, so polling loses nothing.

use core::ptr::{read_volatile, write_volatile};

/// The register layouts the firmware drives (the board table's `UartKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UartKind {
    /// ARM's CMSDK APB UART: DATA at 0, STATE at 4 (bit 0 TX full, bit 1 RX full), CTRL
    /// at 8 (bit 0 TX enable, bit 1 RX enable), BAUDDIV at 0x10; 32-bit registers.
    CmsdkApb,
    /// NS16550A: RBR/THR at 0, LSR at 5 (bit 0 data ready, bit 5 THR empty); 8-bit.
    Ns16550,
}

include!(concat!(env!("OUT_DIR"), "/board.rs"));

fn reg32(offset: usize) -> *mut u32 {
    (UART_BASE + offset) as *mut u32
}

fn reg8(offset: usize) -> *mut u8 {
    (UART_BASE + offset) as *mut u8
}

/// Whether this board's UART has a driver.
pub const fn available() -> bool {
    UART_KIND.is_some()
}

/// Enables the transmitter and receiver.
pub fn init() {
    if UART_KIND == Some(UartKind::CmsdkApb) {
        // SAFETY: the board table's UART registers. QEMU ignores a baud divisor below 16
        // as invalid, so one is set although the emulated line has no baud rate.
        unsafe {
            write_volatile(reg32(0x10), 16);
            write_volatile(reg32(0x8), 0b11);
        }
    }
}

/// The next received byte, if one is waiting.
pub fn try_read() -> Option<u8> {
    // SAFETY: the board table's UART registers.
    unsafe {
        match UART_KIND {
            Some(UartKind::CmsdkApb) => {
                (read_volatile(reg32(0x4)) & 0b10 != 0).then(|| read_volatile(reg32(0)) as u8)
            }
            Some(UartKind::Ns16550) => {
                (read_volatile(reg8(5)) & 0x01 != 0).then(|| read_volatile(reg8(0)))
            }
            None => None,
        }
    }
}

/// Sends one byte, waiting while the transmitter is full.
pub fn write_byte(byte: u8) {
    // SAFETY: the board table's UART registers.
    unsafe {
        match UART_KIND {
            Some(UartKind::CmsdkApb) => {
                while read_volatile(reg32(0x4)) & 0b01 != 0 {}
                write_volatile(reg32(0), u32::from(byte));
            }
            Some(UartKind::Ns16550) => {
                while read_volatile(reg8(5)) & 0x20 == 0 {}
                write_volatile(reg8(0), byte);
            }
            None => {}
        }
    }
}

/// The UART as a text sink for the replies.
pub struct Writer;

impl core::fmt::Write for Writer {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        s.bytes().for_each(write_byte);
        Ok(())
    }
}
