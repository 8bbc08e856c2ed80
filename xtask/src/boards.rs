// The one board table: the firmware's build script (memory map), the QEMU runner and
// parity test (machine, CPU), and the benchmark (clock) all read it. It is plain Rust
// with no imports, so `examples/firmware/build.rs` can `include!` it from its own
// workspace. Adding a board is one row here.

/// An emulated board the firmware runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Board {
    /// Short name, as in `BOTTLENECK_BOARD` and `benchmarks.json`.
    pub name: &'static str,
    /// The core, for reports.
    pub core: &'static str,
    /// Rust target triple.
    pub target: &'static str,
    /// QEMU system emulator.
    pub qemu: &'static str,
    /// QEMU machine (`-machine`).
    pub machine: &'static str,
    /// QEMU CPU model (`-cpu`).
    pub cpu: &'static str,
    /// Flash: origin and length in bytes.
    pub flash: (u32, u32),
    /// RAM: origin and length in bytes.
    pub ram: (u32, u32),
    /// The core clock SysTick counts, in Hz. Under `-icount shift=0` QEMU runs one
    /// instruction per nanosecond of virtual time, so one tick is `1e9 / clock_hz`
    /// instructions (the firmware also measures this, and the parity test compares).
    pub clock_hz: u32,
    /// The serial port the link firmware (`bin/link.rs`) talks on, if the firmware has a
    /// driver for the board's UART.
    pub uart: Option<Uart>,
}

/// A memory-mapped UART.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uart {
    /// Its register layout.
    pub kind: UartKind,
    /// Its base address.
    pub base: u32,
}

/// The UART register layouts the link firmware drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UartKind {
    /// ARM's CMSDK APB UART (the MPS2 boards): DATA, STATE, CTRL, INTSTATUS, BAUDDIV.
    CmsdkApb,
    /// The NS16550A (QEMU's RISC-V `virt`): RBR/THR at 0, LSR at 5.
    Ns16550,
}

impl Uart {
    /// The MPS2 boards' UART0 (AN385, AN386, AN500).
    const MPS2_UART0: Uart = Uart {
        kind: UartKind::CmsdkApb,
        base: 0x4000_4000,
    };
}

impl Board {
    /// Instructions per SysTick tick under `-icount shift=0`.
    pub fn instructions_per_tick(&self) -> f64 {
        1e9 / f64::from(self.clock_hz)
    }

    /// Whether the board's core is RISC-V (else Arm Cortex-M).
    pub fn is_riscv(&self) -> bool {
        self.target.starts_with("riscv")
    }

    /// Whether the build may use a floating-point unit: Arm `eabihf` targets, RISC-V
    /// targets whose ISA string has `F` (`riscv32imafc`, ...). Without one, the runtime
    /// quantizes in integer arithmetic and its integer paths link no float routine.
    pub fn has_fpu(&self) -> bool {
        if self.is_riscv() {
            // "riscv32imc" -> "imc"; "g" stands for "imafd".
            let isa = self.target.split('-').next().unwrap_or("");
            let extensions = isa
                .trim_start_matches("riscv")
                .trim_start_matches(|c: char| c.is_ascii_digit());
            extensions.contains('f') || extensions.contains('g')
        } else {
            self.target.ends_with("eabihf")
        }
    }

    /// The GNU ld `MEMORY` block the runtime crate's `link.x` includes as `memory.x`
    /// (cortex-m-rt's, or riscv-rt's, which also wants its regions named).
    pub fn memory_x(&self) -> String {
        let mut text = format!(
            "/* {} ({}), from the board table (xtask/src/boards.rs). */\n\
             MEMORY\n{{\n  FLASH : ORIGIN = {:#010x}, LENGTH = {}\n  RAM   : ORIGIN = {:#010x}, LENGTH = {}\n}}\n",
            self.name, self.core, self.flash.0, self.flash.1, self.ram.0, self.ram.1
        );
        if self.is_riscv() {
            for (region, memory) in [
                ("TEXT", "FLASH"),
                ("RODATA", "FLASH"),
                ("DATA", "RAM"),
                ("BSS", "RAM"),
                ("HEAP", "RAM"),
                ("STACK", "RAM"),
            ] {
                text += &format!("REGION_ALIAS(\"REGION_{region}\", {memory});\n");
            }
        }
        text
    }

    /// The QEMU command line for `elf`, without the program name: no display, the
    /// firmware's output on semihosting, one instruction per virtual nanosecond.
    pub fn qemu_args(&self, elf: &str) -> Vec<String> {
        self.qemu_args_with_serial(elf, "none")
    }

    /// [`Board::qemu_args`] with the board's first serial port on QEMU's character device
    /// `serial` (`pty`, `stdio`, `tcp:…`): the link firmware's port.
    pub fn qemu_args_with_serial(&self, elf: &str, serial: &str) -> Vec<String> {
        // RISC-V's virt machine boots a firmware (OpenSBI) unless told there is none.
        let bios: &[&str] = if self.is_riscv() {
            &["-bios", "none"]
        } else {
            &[]
        };
        let common = [
            "-machine",
            self.machine,
            "-cpu",
            self.cpu,
            "-nographic",
            "-monitor",
            "none",
            "-serial",
            serial,
            "-semihosting-config",
            "enable=on,target=native",
            "-icount",
            "shift=0",
            "-kernel",
            elf,
        ];
        bios.iter().chain(&common).map(|a| a.to_string()).collect()
    }

    /// The board named `name`.
    pub fn named(name: &str) -> Option<Board> {
        BOARDS.iter().copied().find(|b| b.name == name)
    }

    /// The first board built for `target` (the default when no board is named).
    pub fn for_target(target: &str) -> Option<Board> {
        BOARDS.iter().copied().find(|b| b.target == target)
    }
}

const KIB: u32 = 1024;
const MIB: u32 = 1024 * 1024;

/// Every board, in report order.
pub const BOARDS: [Board; 6] = [
    // BBC micro:bit v1 (nRF51822): its real 256 KiB flash and 16 KiB RAM; 16 MHz.
    Board {
        name: "m0",
        core: "Cortex-M0",
        target: "thumbv6m-none-eabi",
        qemu: "qemu-system-arm",
        machine: "microbit",
        cpu: "cortex-m0",
        flash: (0x0000_0000, 256 * KIB),
        ram: (0x2000_0000, 16 * KIB),
        clock_hz: 16_000_000,
        // The nRF51's UART has no driver in the link firmware; the Armv6-M build's link
        // runs on the AN385 row below.
        uart: None,
    },
    // ARM MPS2 AN386 as QEMU emulates it: 4 MiB SSRAM1 for code, 4 MiB SSRAM2/3; 25 MHz.
    Board {
        name: "m4f",
        core: "Cortex-M4F",
        target: "thumbv7em-none-eabihf",
        qemu: "qemu-system-arm",
        machine: "mps2-an386",
        cpu: "cortex-m4",
        flash: (0x0000_0000, 4 * MIB),
        ram: (0x2000_0000, 4 * MIB),
        clock_hz: 25_000_000,
        uart: Some(Uart::MPS2_UART0),
    },
    // ARM MPS2 AN500: a Cortex-M7 (Armv7E-M: the Cortex-M4's DSP kernels). Its map is the
    // AN386's for code and data (4 MiB ZBT SSRAM1 at 0, SSRAM2/3 at 0x20000000; its PSRAM
    // moved to 0x60000000); 25 MHz.
    Board {
        name: "m7",
        core: "Cortex-M7",
        target: "thumbv7em-none-eabihf",
        qemu: "qemu-system-arm",
        machine: "mps2-an500",
        cpu: "cortex-m7",
        flash: (0x0000_0000, 4 * MIB),
        ram: (0x2000_0000, 4 * MIB),
        clock_hz: 25_000_000,
        uart: Some(Uart::MPS2_UART0),
    },
    // ARM MPS2 AN505: a Cortex-M33 (Armv8-M Mainline with the DSP extension, built with
    // +dsp: the SMLAD kernels), booting secure from ZBT SSRAM1's alias at 0x10000000, data
    // in SSRAM2/3 at 0x28000000; 20 MHz.
    Board {
        name: "m33",
        core: "Cortex-M33",
        target: "thumbv8m.main-none-eabihf",
        qemu: "qemu-system-arm",
        machine: "mps2-an505",
        cpu: "cortex-m33",
        flash: (0x1000_0000, 4 * MIB),
        ram: (0x2800_0000, 4 * MIB),
        clock_hz: 20_000_000,
        // Its UART0 sits behind the AN505's peripheral protection controller, which the
        // firmware does not set up: no link firmware here yet.
        uart: None,
    },
    // QEMU's RISC-V virt machine with an RV32IMC build (the ESP32-C3 class), in its RAM
    // at 0x80000000 (code) and 0x80400000 (data). Ticks are minstret, retired
    // instructions: one per nanosecond of -icount shift=0 time, a 1 GHz "clock".
    Board {
        name: "rv32",
        core: "RISC-V RV32IMC",
        target: "riscv32imc-unknown-none-elf",
        qemu: "qemu-system-riscv32",
        machine: "virt",
        cpu: "rv32",
        flash: (0x8000_0000, 4 * MIB),
        ram: (0x8040_0000, 4 * MIB),
        clock_hz: 1_000_000_000,
        uart: Some(Uart {
            kind: UartKind::Ns16550,
            base: 0x1000_0000,
        }),
    },
    // The Armv6-M build on ARM MPS2 AN385 (a Cortex-M3; QEMU emulates no Armv6-M board
    // with more than the micro:bit's 256 KiB of flash). Armv7-M executes every Armv6-M
    // instruction as the Cortex-M0 does, so the same instructions run and the count
    // under -icount is the Cortex-M0's (the QEMU test checks it against the micro:bit);
    // for models too big for the micro:bit, such as MLPerf Tiny's 264 KB AD model.
    Board {
        name: "m0-an385",
        core: "Armv6-M build on Cortex-M3 (AN385)",
        target: "thumbv6m-none-eabi",
        qemu: "qemu-system-arm",
        machine: "mps2-an385",
        cpu: "cortex-m3",
        flash: (0x0000_0000, 4 * MIB),
        ram: (0x2000_0000, 4 * MIB),
        clock_hz: 25_000_000,
        uart: Some(Uart::MPS2_UART0),
    },
];
