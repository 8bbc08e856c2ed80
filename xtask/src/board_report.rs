//! The real boards' crates (`boards/`): building each one as a user flashes it (release,
//! LTO), checking it against the board table, and the flash and RAM it takes with a
//! model inside, for BENCHMARKS.md and the README's board table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object, ObjectSection, SectionFlags, SectionKind};

use crate::{BOARDS, HARDWARE_BOARDS, HardwareBoard};

/// A board crate's directory.
pub fn crate_dir(board: &HardwareBoard) -> PathBuf {
    crate::workspace_root().join("boards").join(board.name)
}

/// Where board builds put their files.
pub fn target_dir() -> PathBuf {
    crate::target_dir_beside_host("boards", crate::workspace_root().join("boards/target"))
}

/// Flash and RAM a firmware image takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Bytes in flash: code, constants (the model among them) and the load image of
    /// initialised RAM.
    pub flash: u64,
    /// Bytes of RAM the image reserves: initialised and zeroed statics (the stack comes
    /// on top, from what is left).
    pub ram: u64,
}

/// Builds `board`'s crate with `model` in flash, as `cargo run --release` in its
/// directory would before flashing; returns the ELF file, or cargo's output if the build
/// failed.
pub fn build(board: &HardwareBoard, model: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = target_dir();
    let output = Command::new(cargo)
        .current_dir(crate_dir(board))
        .args(["build", "--release"])
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("BOTTLENECK_MODEL", model)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "boards/{}: cargo build --release failed:\n{}",
            board.name,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(target_dir
        .join(board.target)
        .join("release")
        .join(format!("bottleneck-board-{}", board.name)))
}

/// The flash and RAM of `elf`, a build of `board`: every allocated section counts toward
/// RAM if it lies in the board's RAM and toward flash if the file holds its bytes
/// (sections that only reserve the stack or address space do not count).
pub fn usage(board: &HardwareBoard, elf: &Path) -> Result<Usage, String> {
    let bytes = std::fs::read(elf).map_err(|e| format!("{}: {e}", elf.display()))?;
    let file = object::File::parse(&*bytes).map_err(|e| format!("{}: {e}", elf.display()))?;
    let mut usage = Usage::default();
    for section in file.sections() {
        let SectionFlags::Elf { sh_flags } = section.flags() else {
            continue;
        };
        const SHF_ALLOC: u64 = 0x2;
        // Placeholders the run-time crates' linker scripts add to reserve address space:
        // riscv-rt's and esp-hal's stack and heap, esp-hal's and rp-hal's `*_dummy`.
        let name = section.name().unwrap_or("");
        let placeholder = matches!(name, ".stack" | ".heap") || name.ends_with("dummy");
        if sh_flags & SHF_ALLOC == 0 || section.size() == 0 || placeholder {
            continue;
        }
        if board.in_ram(section.address()) {
            usage.ram += section.size();
        }
        if section.kind() != SectionKind::UninitializedData {
            usage.flash += section.size();
        }
    }
    Ok(usage)
}

/// Whether the ELF holds `model` byte for byte (the model built into flash).
pub fn embeds(elf: &Path, model: &[u8]) -> Result<bool, String> {
    let bytes = std::fs::read(elf).map_err(|e| format!("{}: {e}", elf.display()))?;
    Ok(!model.is_empty() && bytes.windows(model.len()).any(|w| w == model))
}

/// What in `board`'s `.cargo/config.toml` disagrees with the board table (target,
/// runner), if anything.
pub fn config_mismatch(board: &HardwareBoard) -> Option<String> {
    let path = crate_dir(board).join(".cargo/config.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => return Some(format!("{}: {e}", path.display())),
    };
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let wanted = [
        format!("target = \"{}\"", board.target),
        format!("runner = \"{}\"", board.runner),
    ];
    let missing: Vec<&String> = wanted
        .iter()
        .filter(|w| !lines.contains(&w.as_str()))
        .collect();
    (!missing.is_empty()).then(|| format!("{}: the board table says {:?}", path.display(), missing))
}

/// One board built with one model.
#[derive(Debug, Clone)]
pub struct Built {
    /// The board.
    pub board: HardwareBoard,
    /// Its image's flash and RAM.
    pub usage: Usage,
}

/// Builds every board with `model`.
pub fn build_all(model: &Path) -> Result<Vec<Built>, String> {
    HARDWARE_BOARDS
        .iter()
        .map(|board| {
            eprintln!("building boards/{} (release, LTO)...", board.name);
            let elf = build(board, model)?;
            Ok(Built {
                board: *board,
                usage: usage(board, &elf)?,
            })
        })
        .collect()
}

/// A QEMU board's estimate for the MLPerf AD model: cycles per MAC, best and worst.
pub type Estimate = (f64, f64);

/// BENCHMARKS.md's section: flash and RAM per board with the seed model and with MLPerf
/// Tiny's AD model, and the AD model's estimated inferences per second at the board's
/// clock, from `estimates` (cycles per MAC by QEMU board name).
pub fn render(
    seed: &[Built],
    ad: &[Built],
    (seed_bytes, ad_bytes): (usize, usize),
    estimates: &dyn Fn(&str) -> Option<(Estimate, &'static str)>,
) -> String {
    let mut md = format!(
        "\n## Real boards (built, not measured on hardware)\n\n\
         Each crate under `boards/` built as `cargo run --release` builds it before flashing \
         (LTO, one codegen unit, `opt-level = 3`), with the model in flash: the seed model \
         ({seed_bytes} bytes) and MLPerf Tiny's AD model ({ad_bytes} bytes). Flash counts \
         code, constants and the load image of initialised statics; RAM counts statics \
         (the firmware core's buffers: the sample, a quarter of the board's RAM, at most \
         1 MiB, for a model received over the link, the scratch activations), not the \
         stack. The core's buffers are one initialised static, so the link's model buffer \
         also has a load image in flash. Estimated inferences/s: the board's clock over \
         the AD model's 264,192 MACs times the estimated cycles per MAC of the emulated \
         core that runs the same instructions, plus the flash's wait states where the \
         cycle model above has the chip's timing (the NUCLEO-L4R5ZI); on the other boards \
         the figure assumes zero-wait-state memory, an upper bound for a model read in \
         place from flash. **Not yet measured on hardware.**\n\n\
         | board | chip, core, clock | flash / RAM, seed model | flash / RAM, AD model | AD model: estimated inferences/s | estimate from | measured on hardware |\n\
         |---|---|---|---|---|---|---|\n"
    );
    for (s, a) in seed.iter().zip(ad) {
        let b = s.board;
        let (rate, source) = match estimates(b.emulated_as) {
            Some((zero_wait, how)) => {
                let macs = crate::bench::mlperf::AD_MACS;
                let per = |c: f64| f64::from(b.clock_hz) / (c * macs);
                let (memory, (best, worst)) = match crate::bench::mlperf::hardware_weights(b.name) {
                    Some(store) => (
                        "flash wait states included",
                        crate::bench::cycle_model::with_memory(
                            zero_wait,
                            &store,
                            ad_bytes as f64,
                            macs,
                        ),
                    ),
                    None => ("zero-wait-state memory", zero_wait),
                };
                (
                    format!("{:.0}-{:.0}", per(worst), per(best)),
                    format!("{} ({how}; {memory})", b.emulated_as),
                )
            }
            None => ("-".into(), "no estimate".into()),
        };
        let _ = writeln!(
            md,
            "| {} | {}, {}, {} MHz | {} / {} B | {} / {} B | {rate} | {source} | not yet |",
            b.product,
            b.chip,
            b.core,
            b.clock_hz / 1_000_000,
            s.usage.flash,
            s.usage.ram,
            a.usage.flash,
            a.usage.ram,
        );
    }
    md
}

/// The QEMU board names the hardware rows point at, all of which exist.
pub fn emulated_boards_exist() -> bool {
    HARDWARE_BOARDS
        .iter()
        .all(|h| BOARDS.iter().any(|b| b.name == h.emulated_as))
}

/// Cycles per MAC of the AD model on a QEMU board, from `benchmarks.json` (written by
/// `cargo xtask bench`): the cycle estimate where the benchmark makes one, else the
/// instruction count at one to two cycles each.
pub fn estimates_from(
    json: &serde_json::Value,
) -> impl Fn(&str) -> Option<(Estimate, &'static str)> + '_ {
    move |name| {
        let board = json.get("mlperf_ad")?.get("boards")?.get(name)?;
        if let Some(e) = board
            .get("estimated_cycles_per_mac")
            .filter(|e| !e.is_null())
        {
            return Some((
                (e.get("best")?.as_f64()?, e.get("worst")?.as_f64()?),
                "cycle estimate",
            ));
        }
        let ipm = board.get("instructions_per_mac")?.as_f64()?;
        Some(((ipm, 2.0 * ipm), "instructions x 1-2 cycles"))
    }
}

/// `cargo xtask board-report`: builds every board with a seed model and MLPerf Tiny's AD
/// model (trained briefly: sizes do not depend on the weights) and renders the section,
/// with speed estimates from `json_path` (the benchmark's `benchmarks.json`).
pub fn run(json_path: &Path) -> Result<String, String> {
    if !emulated_boards_exist() {
        return Err("a HARDWARE_BOARDS row names an emulated board that is not in BOARDS".into());
    }
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(json_path).map_err(|e| format!("{}: {e}", json_path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", json_path.display()))?;
    eprintln!("training a seed model and MLPerf Tiny's AD model briefly...");
    let (seed_dir, ad_dir) = (tempdir()?, tempdir()?);
    let seed = crate::firmware::prepare(seed_dir.path(), 1);
    let ad = crate::firmware::prepare_mlperf_ad(ad_dir.path(), 1);
    let seed_built = build_all(&seed.model)?;
    let ad_built = build_all(&ad.model)?;
    Ok(render(
        &seed_built,
        &ad_built,
        (seed.model_bytes, ad.model_bytes),
        &estimates_from(&json),
    ))
}

fn tempdir() -> Result<tempfile::TempDir, String> {
    tempfile::tempdir().map_err(|e| e.to_string())
}
