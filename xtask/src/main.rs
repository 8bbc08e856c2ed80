//! `cargo xtask <command>` (the alias is in `.cargo/config.toml`):
//!
//! - `bench [--runs N] [--out FILE]`: runs every benchmark and writes BENCHMARKS.md:
//!   the criterion host benchmark, `bottleneck train` timed, the firmware under QEMU on
//!   every board of the table, the model file's layout. All in the shared dev profile,
//!   so nothing is compiled again after the README's `train` and `./scripts/check`.
//! - `anomaly-auc [--keep DIR]`: only the benchmark's anomaly-detection section (AUC on
//!   public data against PyTorch and scikit-learn, and the levers), printed; `--keep`
//!   leaves the split files in DIR.
//! - `firmware-report [--mlperf-ad] [--keep DIR] [EPOCHS]`: the firmware's footprint and speed on
//!   every board, for the seed model or MLPerf Tiny's anomaly-detection autoencoder.
//! - `board-report`: builds every real board's crate (`boards/`) with a seed model and
//!   MLPerf Tiny's AD model and prints BENCHMARKS.md's section on them (flash, RAM,
//!   estimated speed); `bench` includes it.
//! - `bench-front-end`: only the benchmark's signal front-end section (the Rust front end
//!   against CMSIS-DSP on every core under QEMU), written into BENCHMARKS.md in place.
//! - `qemu ELF`: run a firmware image on its board (the firmware's cargo runner).

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("qemu") => match args.get(1) {
            Some(elf) => xtask::qemu::run(Path::new(elf)).map(|code| {
                // QEMU's own exit status is the firmware's verdict.
                std::process::exit(code);
            }),
            None => Err("usage: cargo xtask qemu ELF".to_string()),
        },
        #[cfg(feature = "measure")]
        Some("bench") => measure::bench(&args[1..]),
        #[cfg(feature = "measure")]
        Some("anomaly-auc") => anomaly_auc(&args[1..]),
        #[cfg(feature = "measure")]
        Some("firmware-report") => firmware_report(&args[1..]),
        #[cfg(feature = "measure")]
        Some("bench-front-end") => match &args[1..] {
            [] => bench_front_end(),
            _ => Err("usage: cargo xtask bench-front-end (it takes no arguments)".to_string()),
        },
        #[cfg(feature = "measure")]
        Some("bench-python") => match &args[1..] {
            [] => bench_python(),
            _ => Err("usage: cargo xtask bench-python (it takes no arguments)".to_string()),
        },
        #[cfg(feature = "measure")]
        Some("board-report") => match &args[1..] {
            [] => xtask::board_report::run(&xtask::workspace_root().join("benchmarks.json"))
                .map(|md| print!("{md}")),
            _ => Err("usage: cargo xtask board-report (it takes no arguments)".to_string()),
        },
        _ => Err("usage: cargo xtask bench [--runs N] [--out FILE] | anomaly-auc [--keep DIR] | firmware-report [--mlperf-ad] [--keep DIR] [EPOCHS] | bench-front-end | board-report | qemu ELF".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `anomaly-auc [--keep DIR]`: BENCHMARKS.md's anomaly section alone, on standard output.
#[cfg(feature = "measure")]
fn anomaly_auc(flags: &[String]) -> Result<(), String> {
    let keep = match flags {
        [] => None,
        [flag, dir] if flag == "--keep" => Some(Path::new(dir)),
        _ => return Err("usage: cargo xtask anomaly-auc [--keep DIR]".to_string()),
    };
    let runs = xtask::bench::anomaly::run(keep)?;
    print!("{}", xtask::bench::anomaly_report::render(&runs));
    Ok(())
}

/// `firmware-report [--mlperf-ad] [--keep DIR] [EPOCHS]`.
#[cfg(feature = "measure")]
fn firmware_report(flags: &[String]) -> Result<(), String> {
    let mut options = xtask::firmware_report::Options {
        epochs: 20,
        mlperf_ad: false,
        keep: None,
    };
    let mut flags = flags.iter();
    while let Some(flag) = flags.next() {
        match flag.as_str() {
            "--mlperf-ad" => options.mlperf_ad = true,
            "--keep" => {
                let dir = flags.next().ok_or("--keep needs a directory")?;
                options.keep = Some(dir.into());
            }
            epochs => {
                options.epochs = epochs
                    .parse()
                    .map_err(|e| format!("EPOCHS {epochs:?}: {e}"))?;
            }
        }
    }
    xtask::firmware_report::run(&options)
}

/// Measures the signal front end and replaces BENCHMARKS.md's section on it.
#[cfg(feature = "measure")]
fn bench_front_end() -> Result<(), String> {
    if let Some(reason) = xtask::firmware::missing_tools() {
        return Err(format!("cannot measure the devices: {reason}"));
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let bench = xtask::bench::front_end::run(dir.path())?;
    let section = xtask::bench::front_end::render(&bench);
    write_section(&section, xtask::bench::front_end::replace_section)
}

/// Puts `section` into BENCHMARKS.md with `replace` (the section's own placement) and
/// prints it.
#[cfg(feature = "measure")]
fn write_section(section: &str, replace: fn(&str, &str) -> String) -> Result<(), String> {
    let path = xtask::workspace_root().join("BENCHMARKS.md");
    let md = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    std::fs::write(&path, replace(&md, section)).map_err(|e| format!("{}: {e}", path.display()))?;
    print!("{section}");
    Ok(())
}

/// Measures the Python package against the Rust it wraps and replaces BENCHMARKS.md's
/// section on it (benchmarks.json keeps the full run's figures).
#[cfg(feature = "measure")]
fn bench_python() -> Result<(), String> {
    let trainer = measure::trainer()?;
    let section =
        xtask::bench::python_package::render(&xtask::bench::python_package::run(&trainer));
    write_section(&section, xtask::bench::python_package::replace_section)
}

/// The commands that build and measure (the `measure` feature).
#[cfg(feature = "measure")]
mod measure {
    use std::path::PathBuf;
    use std::process::Command;

    /// The workspace's target directory (where cargo puts criterion's output and binaries).
    fn target_dir() -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| xtask::workspace_root().join("target"))
    }

    fn cargo(args: &[&str]) -> Result<(), String> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(&cargo)
            .args(args)
            .current_dir(xtask::workspace_root())
            .status()
            .map_err(|e| format!("cannot run {cargo}: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("cargo {} failed", args.join(" ")))
        }
    }

    pub fn bench(flags: &[String]) -> Result<(), String> {
        let mut args = xtask::benchmarks::Args {
            criterion: target_dir().join("criterion"),
            trainer: target_dir().join("debug/bottleneck"),
            out: xtask::workspace_root().join("BENCHMARKS.md"),
            runs: 3,
        };
        let mut it = flags.iter();
        while let Some(flag) = it.next() {
            let value = it.next().ok_or(format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--out" => args.out = value.into(),
                "--runs" => args.runs = value.parse().map_err(|e| format!("--runs: {e}"))?,
                _ => return Err(format!("unknown flag {flag}")),
            }
        }
        cargo(&[
            "bench",
            "--profile",
            "dev",
            "-p",
            "xtask",
            "--bench",
            "inference",
        ])?;
        cargo(&["build", "-p", "bottleneck-trainer", "--bin", "bottleneck"])?;
        xtask::benchmarks::run(&args)
    }

    /// The `bottleneck` binary of this checkout, built first.
    pub fn trainer() -> Result<PathBuf, String> {
        cargo(&["build", "-p", "bottleneck-trainer", "--bin", "bottleneck"])?;
        Ok(target_dir().join("debug/bottleneck"))
    }
}
