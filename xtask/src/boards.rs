// The one board table: the firmware's build script (memory map), the QEMU runner and
// parity test (machine, CPU), and the benchmark (clock) all read it; so does the build
// script the real boards' crates share (`boards/board-build.rs`: memory map and boot
// blocks, clock). It is plain Rust with no imports, so build scripts in other workspaces
// can `include!` it. Adding an emulated board is one row in `BOARDS`; a real board is one
// row in `HARDWARE_BOARDS` and one crate under `boards/`.

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
    /// Compiler flags the board's core needs beyond its target's (`-C target-cpu=…` for a
    /// core that shares its triple with an older one), added to the firmware workspace's.
    pub rustflags: &'static [&'static str],
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
             MEMORY\n{{\n{}}}\n",
            self.name,
            self.core,
            flash_and_ram(self.flash, self.ram)
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

    /// The cargo arguments that add [`Board::rustflags`] to the firmware workspace's own
    /// flags for the board's target (`--config` arrays are joined with the files').
    pub fn cargo_config_args(&self) -> Vec<String> {
        if self.rustflags.is_empty() {
            return Vec::new();
        }
        let quoted: Vec<String> = self.rustflags.iter().map(|f| format!("{f:?}")).collect();
        vec![
            "--config".to_string(),
            format!("target.{}.rustflags=[{}]", self.target, quoted.join(", ")),
        ]
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

/// The FLASH and RAM lines of a `MEMORY` block, as cortex-m-rt and riscv-rt name them.
fn flash_and_ram(flash: (u32, u32), ram: (u32, u32)) -> String {
    format!(
        "  FLASH : ORIGIN = {:#010x}, LENGTH = {}\n  RAM   : ORIGIN = {:#010x}, LENGTH = {}\n",
        flash.0, flash.1, ram.0, ram.1
    )
}

/// Bytes of RAM the link firmware sets aside for a model received over the link on a
/// board with `ram` bytes of RAM: a quarter of it, at most 1 MiB.
pub fn link_model_buffer(ram: u32) -> u32 {
    (ram / 4).min(1024 * 1024)
}

const KIB: u32 = 1024;
const MIB: u32 = 1024 * 1024;

/// Every board, in report order.
pub const BOARDS: [Board; 7] = [
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
        rustflags: &[],
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
        rustflags: &[],
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
        rustflags: &[],
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
        rustflags: &[],
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
        rustflags: &[],
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
        rustflags: &[],
    },
    // ARM MPS3 AN547: a Cortex-M55 (Armv8.1-M Mainline with the DSP extension and Helium,
    // MVE), booting secure from its ITCM's alias at 0x10000000 (512 KiB: code and model),
    // data in its DTCM's alias at 0x30000000 (512 KiB); 32 MHz. Its triple is the
    // Cortex-M33's; `target-cpu` makes LLVM schedule and select for the M55.
    Board {
        name: "m55",
        core: "Cortex-M55",
        target: "thumbv8m.main-none-eabihf",
        qemu: "qemu-system-arm",
        machine: "mps3-an547",
        cpu: "cortex-m55",
        flash: (0x1000_0000, 512 * KIB),
        ram: (0x3000_0000, 512 * KIB),
        clock_hz: 32_000_000,
        // Its UART sits behind the SSE-300's peripheral protection, as on the AN505.
        uart: None,
        rustflags: &["-C", "target-cpu=cortex-m55"],
    },
];

/// A real board: a crate under `boards/` (named as `name`) glues the firmware core to the
/// board's HAL. Nothing here runs under QEMU; the build script every board crate shares
/// (`boards/board-build.rs`) reads this row for the memory map, clock and link buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HardwareBoard {
    /// The board crate's directory under `boards/`.
    pub name: &'static str,
    /// The product a user holds.
    pub product: &'static str,
    /// The microcontroller, as `probe-rs chip list` (or espflash) names it.
    pub chip: &'static str,
    /// The core, for reports.
    pub core: &'static str,
    /// Rust target triple (the crate's `.cargo/config.toml` builds for it).
    pub target: &'static str,
    /// Flash the program may use: origin and length in bytes (after any boot block).
    pub flash: (u32, u32),
    /// RAM: origin and length in bytes.
    pub ram: (u32, u32),
    /// What the boot ROM wants besides the program.
    pub boot: Boot,
    /// The command that flashes and runs the firmware (the crate's cargo runner).
    pub runner: &'static str,
    /// The core clock the crate sets up, in Hz: the rate of its cycle counter.
    pub clock_hz: u32,
    /// The counter the firmware times inference with.
    pub counter: &'static str,
    /// The serial link `bottleneck device --port` talks to, as the user finds it.
    pub link: &'static str,
    /// The emulated board (a `BOARDS` name) that runs the same instructions: its counts
    /// under QEMU give this board's speed estimate until someone measures it.
    pub emulated_as: &'static str,
}

/// Boot blocks a chip's boot ROM needs in flash before (or around) the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boot {
    /// None: the vector table sits at the start of flash (STM32, nRF52).
    Plain,
    /// RP2040: a 256-byte second-stage boot loader at the start of flash (`BOOT2`, which
    /// embassy-rp fills), the program after it.
    Rp2040Boot2,
    /// RP2350: the image definition block the boot ROM searches the first 4 KiB for
    /// (`.start_block`), and picotool's binary-info entries and end block.
    Rp2350ImageDef,
    /// ESP32-C3: the ESP-IDF second-stage boot loader, flashed by espflash; esp-hal's own
    /// linker script (`linkall.x`) places the program, so no memory.x is written.
    EspIdf,
}

impl HardwareBoard {
    /// The board named `name` (its crate directory).
    pub fn named(name: &str) -> Option<HardwareBoard> {
        HARDWARE_BOARDS.iter().copied().find(|b| b.name == name)
    }

    /// Whether `address` is in the board's RAM, through any bus that maps it (the
    /// ESP32-C3 sees its SRAM as data at `ram.0` and as instructions 0x700000 above).
    pub fn in_ram(&self, address: u64) -> bool {
        let (origin, length) = (u64::from(self.ram.0), u64::from(self.ram.1));
        let inside = |base: u64| (base..base + length).contains(&address);
        inside(origin) || (self.boot == Boot::EspIdf && inside(origin + 0x0070_0000))
    }

    /// The crate's `memory.x` (None where the HAL brings its own map: ESP32-C3).
    pub fn memory_x(&self) -> Option<String> {
        let header = format!(
            "/* {} ({}, {}), from the board table (xtask/src/boards.rs). */\n",
            self.product, self.chip, self.core
        );
        let regions = flash_and_ram(self.flash, self.ram);
        match self.boot {
            Boot::Plain => Some(format!("{header}MEMORY\n{{\n{regions}}}\n")),
            Boot::Rp2040Boot2 => Some(format!(
                "{header}MEMORY\n{{\n  BOOT2 : ORIGIN = {:#010x}, LENGTH = 0x100\n{regions}}}\n",
                self.flash.0 - 0x100
            )),
            // On RISC-V the crate's own link script (rp235x_riscv.x) places the blocks.
            Boot::Rp2350ImageDef if self.target.starts_with("riscv") => {
                Some(format!("{header}MEMORY\n{{\n{regions}}}\n"))
            }
            // As embassy's and rp-hal's RP2350 examples place them for cortex-m-rt.
            Boot::Rp2350ImageDef => Some(format!(
                "{header}MEMORY\n{{\n{regions}}}\n\
                 SECTIONS {{\n  .start_block : ALIGN(4)\n  {{\n    __start_block_addr = .;\n    \
                 KEEP(*(.start_block));\n    KEEP(*(.boot_info));\n  }} > FLASH\n}} INSERT AFTER .vector_table;\n\
                 _stext = ADDR(.start_block) + SIZEOF(.start_block);\n\
                 SECTIONS {{\n  .bi_entries : ALIGN(4)\n  {{\n    __bi_entries_start = .;\n    \
                 KEEP(*(.bi_entries));\n    . = ALIGN(4);\n    __bi_entries_end = .;\n  }} > FLASH\n}} INSERT AFTER .text;\n\
                 SECTIONS {{\n  .end_block : ALIGN(4)\n  {{\n    __end_block_addr = .;\n    \
                 KEEP(*(.end_block));\n  }} > FLASH\n}} INSERT AFTER .uninit;\n\
                 PROVIDE(start_to_end = __end_block_addr - __start_block_addr);\n\
                 PROVIDE(end_to_start = __start_block_addr - __end_block_addr);\n"
            )),
            Boot::EspIdf => None,
        }
    }
}

/// Every real board, in report order. A new board is one row here and one crate under
/// `boards/` (its directory named as the row).
pub const HARDWARE_BOARDS: [HardwareBoard; 6] = [
    // MLPerf Tiny's reference board. 2 MiB flash, 640 KiB SRAM1-3 (contiguous); 120 MHz
    // from the 16 MHz HSI through the PLL, in voltage range 1 boost mode.
    HardwareBoard {
        name: "nucleo-l4r5zi",
        product: "NUCLEO-L4R5ZI",
        chip: "STM32L4R5ZITxP",
        core: "Cortex-M4F",
        target: "thumbv7em-none-eabihf",
        flash: (0x0800_0000, 2 * MIB),
        ram: (0x2000_0000, 640 * KIB),
        boot: Boot::Plain,
        runner: "probe-rs run --chip STM32L4R5ZITxP",
        clock_hz: 120_000_000,
        counter: "DWT CYCCNT",
        link: "ST-LINK virtual COM port (LPUART1, PG7 TX / PG8 RX)",
        emulated_as: "m4f",
    },
    // Raspberry Pi Pico: 2 MiB QSPI flash behind XIP (first 256 bytes: boot2), 264 KiB
    // SRAM; embassy-rp's default 125 MHz.
    HardwareBoard {
        name: "pico",
        product: "Raspberry Pi Pico",
        chip: "RP2040",
        core: "Cortex-M0+",
        target: "thumbv6m-none-eabi",
        flash: (0x1000_0100, 2 * MIB - 0x100),
        ram: (0x2000_0000, 264 * KIB),
        boot: Boot::Rp2040Boot2,
        runner: "probe-rs run --chip RP2040",
        clock_hz: 125_000_000,
        counter: "SysTick (24 bits, core clock)",
        link: "Raspberry Pi Debug Probe UART (UART0, GP0 TX / GP1 RX)",
        emulated_as: "m0-an385",
    },
    // Raspberry Pi Pico 2, Arm cores: 4 MiB flash, 512 KiB striped SRAM0-7; 150 MHz.
    HardwareBoard {
        name: "pico2",
        product: "Raspberry Pi Pico 2",
        chip: "RP235x",
        core: "Cortex-M33",
        target: "thumbv8m.main-none-eabihf",
        flash: (0x1000_0000, 4 * MIB),
        ram: (0x2000_0000, 512 * KIB),
        boot: Boot::Rp2350ImageDef,
        runner: "probe-rs run --chip RP235x",
        clock_hz: 150_000_000,
        counter: "DWT CYCCNT",
        link: "Raspberry Pi Debug Probe UART (UART0, GP0 TX / GP1 RX)",
        emulated_as: "m33",
    },
    // Raspberry Pi Pico 2 booted on its Hazard3 RISC-V cores (rp235x-hal); 150 MHz.
    HardwareBoard {
        name: "pico2-riscv",
        product: "Raspberry Pi Pico 2 (RISC-V)",
        chip: "RP235x",
        core: "Hazard3 RV32IMAC",
        target: "riscv32imac-unknown-none-elf",
        flash: (0x1000_0000, 4 * MIB),
        ram: (0x2000_0000, 512 * KIB),
        boot: Boot::Rp2350ImageDef,
        runner: "picotool load -u -v -x -t elf",
        clock_hz: 150_000_000,
        counter: "mcycle",
        link: "Raspberry Pi Debug Probe UART (UART0, GP0 TX / GP1 RX)",
        emulated_as: "rv32",
    },
    // nRF52840 DK: 1 MiB flash, 256 KiB RAM, 64 MHz; the J-Link OB's virtual COM port is
    // wired to P0.06 (TX) and P0.08 (RX).
    HardwareBoard {
        name: "nrf52840-dk",
        product: "nRF52840 DK",
        chip: "nRF52840_xxAA",
        core: "Cortex-M4F",
        target: "thumbv7em-none-eabihf",
        flash: (0x0000_0000, MIB),
        ram: (0x2000_0000, 256 * KIB),
        boot: Boot::Plain,
        runner: "probe-rs run --chip nRF52840_xxAA",
        clock_hz: 64_000_000,
        counter: "DWT CYCCNT",
        link: "J-Link OB virtual COM port (UARTE0, P0.06 TX / P0.08 RX)",
        emulated_as: "m4f",
    },
    // ESP32-C3 (DevKitM-1 and kin): 4 MiB flash, 400 KiB SRAM, 160 MHz; UART0 reaches the
    // host through the board's USB-serial bridge.
    HardwareBoard {
        name: "esp32c3",
        product: "ESP32-C3-DevKitM-1",
        chip: "esp32c3",
        core: "RISC-V RV32IMC",
        target: "riscv32imc-unknown-none-elf",
        flash: (0x4200_0000, 4 * MIB),
        ram: (0x3FC7_C000, 400 * KIB),
        boot: Boot::EspIdf,
        runner: "espflash flash --monitor",
        clock_hz: 160_000_000,
        counter: "machine performance counter (mpccr)",
        link: "USB-serial bridge (UART0, GPIO21 TX / GPIO20 RX)",
        emulated_as: "rv32",
    },
];

#[cfg(test)]
mod board_flags {
    use super::BOARDS;

    #[test]
    fn a_board_with_its_own_flags_adds_them_as_a_cargo_config_array() {
        let m55 = BOARDS
            .iter()
            .find(|b| b.name == "m55")
            .expect("the M55 row");
        assert_eq!(
            m55.cargo_config_args(),
            [
                "--config",
                r#"target.thumbv8m.main-none-eabihf.rustflags=["-C", "target-cpu=cortex-m55"]"#
            ]
        );
        let m33 = BOARDS
            .iter()
            .find(|b| b.name == "m33")
            .expect("the M33 row");
        assert!(m33.cargo_config_args().is_empty());
    }
}
