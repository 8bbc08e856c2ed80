//! Any bytes on a board's link: the firmware core must answer every command without
//! panicking, whatever the bytes (commands, payloads, half a model file).
#![no_main]

use bottleneck_device::{Cycles, Device};
use libfuzzer_sys::fuzz_target;

struct Ticks(u32);

impl Cycles for Ticks {
    fn cycles(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(13);
        self.0
    }
    fn hz(&self) -> u32 {
        48_000_000
    }
}

/// A real model in flash, so inference commands reach the runtime.
static FLASH: &bottleneck_runtime::Aligned<[u8]> = &bottleneck_runtime::Aligned(*include_bytes!(
    "../../runtime/tests/data/v1-small-3class.bin"
));

fuzz_target!(|data: &[u8]| {
    let mut board: Box<Device<'static, 256, 4096, 64>> =
        Box::new(Device::new(FLASH.bytes(), "fuzz"));
    let mut out = String::new();
    let mut clock = Ticks(0);
    board.start(&mut out);
    for &b in data {
        board.receive(b, &mut out, &mut clock);
        if out.len() > 1 << 16 {
            out.clear();
        }
    }
    out.clear();
    for &b in b"%name%" {
        board.receive(b, &mut out, &mut clock);
    }
    assert!(out.ends_with("m-name-dut-[fuzz]\r\nm-ready\r\n"), "{out}");
});
