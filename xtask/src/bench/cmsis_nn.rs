//! CMSIS-NN's fully connected kernel (`arm_nn_vec_mat_mult_t_s8`, what
//! `arm_fully_connected_s8` calls) on the layer sizes of MLPerf Tiny's AD autoencoder,
//! compiled with `arm-none-eabi-gcc` for a board's core and counted under the same QEMU
//! as the Rust firmware (`xtask/cmsis-nn-bench/bench.c`): the Helium path on the
//! Cortex-M55, the DSP path on the Cortex-M4F.
//!
//! No package registry ships CMSIS-NN, so its sources come from a checkout: the directory
//! `BOTTLENECK_CMSIS_NN` names, else a cache beside the target directory, filled by a
//! shallow `git fetch` of the pinned commit when GitHub is reachable.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::Board;
use crate::bench::cmsis::run;
use crate::firmware::run_qemu;

/// The CMSIS-NN commit the figures are measured with.
pub const CMSIS_NN_COMMIT: &str = "99f736a63036613032f9b70de36b493bcd7802d4";

/// Where the commit is fetched from.
const CMSIS_NN_URL: &str = "https://github.com/ARM-software/CMSIS-NN";

/// The environment variable naming a CMSIS-NN checkout to use instead of the cache.
pub const CMSIS_NN_ENV: &str = "BOTTLENECK_CMSIS_NN";

/// GCC's flags for the cores the comparison runs on: the M55 with Helium (GCC turns on
/// MVE for `-mcpu=cortex-m55`, and CMSIS-NN its `ARM_MATH_MVEI` path), the M4F with the
/// DSP extension (`ARM_MATH_DSP`).
pub fn core_flags(board: Board) -> Option<&'static [&'static str]> {
    Some(match board.name {
        "m55" => &["-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard"],
        "m4f" => &[
            "-mcpu=cortex-m4",
            "-mthumb",
            "-mfloat-abi=hard",
            "-mfpu=fpv4-sp-d16",
        ],
        _ => return None,
    })
}

/// The CMSIS-NN sources: `BOTTLENECK_CMSIS_NN`, else the cache (fetched on first use).
pub fn sources() -> Result<PathBuf, String> {
    let holds = |dir: &Path| {
        dir.join("Source/NNSupportFunctions/arm_nn_vec_mat_mult_t_s8.c")
            .is_file()
    };
    if let Some(dir) = std::env::var_os(CMSIS_NN_ENV).map(PathBuf::from) {
        return if holds(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "{CMSIS_NN_ENV}={}: not a CMSIS-NN checkout",
                dir.display()
            ))
        };
    }
    let cache =
        crate::target_dir_beside_host("cmsis", crate::workspace_root().join("target/cmsis"));
    let dir = cache.join(format!("cmsis-nn-{}", &CMSIS_NN_COMMIT[..8]));
    if holds(&dir) {
        return Ok(dir);
    }
    let partial = cache.join("cmsis-nn.partial");
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).map_err(|e| format!("{}: {e}", partial.display()))?;
    let git = |args: &[&str]| {
        let mut c = Command::new("git");
        c.arg("-C").arg(&partial).args(args);
        c
    };
    let fetched = run(&mut git(&["init", "-q"]), "git init")
        .and_then(|_| {
            run(
                &mut git(&["fetch", "-q", "--depth", "1", CMSIS_NN_URL, CMSIS_NN_COMMIT]),
                "fetching CMSIS-NN",
            )
        })
        .and_then(|_| run(&mut git(&["checkout", "-q", "FETCH_HEAD"]), "git checkout"));
    if let Err(e) = fetched {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(format!(
            "no CMSIS-NN sources: {CMSIS_NN_ENV} is not set, {} does not hold them, and \
             {e}. No package registry ships CMSIS-NN: set {CMSIS_NN_ENV} to a checkout of \
             {CMSIS_NN_URL} at {CMSIS_NN_COMMIT}",
            dir.display()
        ));
    }
    std::fs::rename(&partial, &dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// Builds the benchmark for `board` in `out`; returns the ELF.
pub fn build(board: Board, out: &Path) -> Result<PathBuf, String> {
    let flags = core_flags(board).ok_or_else(|| format!("no GCC flags for {}", board.name))?;
    let nn = sources()?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::write(out.join("memory.x"), board.memory_x()).map_err(|e| e.to_string())?;
    let root = crate::workspace_root();
    let bench = root.join("xtask/cmsis-nn-bench");
    let c_firmware = root.join("examples/c-firmware");
    let elf = out.join(format!("cmsis-nn-{}.elf", board.name));
    let mut gcc = Command::new(crate::c_firmware::C_COMPILER);
    gcc.args(flags)
        // CMSIS-NN's CMake release build: -O3 (`-Ofast` adds only float shortcuts).
        .args(["-O3", "-std=c99", "-ffunction-sections", "-fdata-sections"])
        .args(["-nostdlib", "-Wl,--gc-sections", "-Wl,-z,noexecstack"])
        .arg("-I")
        .arg(&c_firmware)
        .arg("-I")
        .arg(nn.join("Include"))
        .arg("-L")
        .arg(out)
        .arg("-T")
        .arg(c_firmware.join("link.ld"))
        .arg(bench.join("bench.c"))
        .arg(root.join("xtask/cmsis-bench/startup.c"))
        .arg(nn.join("Source/NNSupportFunctions/arm_nn_vec_mat_mult_t_s8.c"))
        .arg("-lgcc")
        .arg("-o")
        .arg(&elf)
        .current_dir(out);
    run(&mut gcc, "compiling CMSIS-NN's benchmark")?;
    Ok(elf)
}

/// Instructions of the ten layers (the fewest over the benchmark's inputs) on `board`,
/// built in `out`.
pub fn measure(board: Board, out: &Path) -> Result<u64, String> {
    let elf = build(board, out)?;
    let run = run_qemu(board, &elf, Duration::from_secs(300))?;
    if !run.success {
        return Err(format!(
            "{}: CMSIS-NN benchmark failed:\n{}",
            board.name,
            run.lines.join("\n")
        ));
    }
    let line = run
        .lines
        .iter()
        .find(|l| l.starts_with("timing:"))
        .ok_or_else(|| format!("{}: no timing line", board.name))?;
    let n: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    let [ticks, _, calibration_instructions, calibration_ticks] = n[..] else {
        return Err(format!("cannot read {line:?}"));
    };
    if calibration_ticks == 0 {
        return Err(format!(
            "{}: the calibration loop took no ticks",
            board.name
        ));
    }
    Ok((ticks as f64 * calibration_instructions as f64 / calibration_ticks as f64).round() as u64)
}
