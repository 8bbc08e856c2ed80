//! CMSIS-DSP's Q15 front end, compiled with `arm-none-eabi-gcc` from the sources the
//! `cmsisdsp` package ships on PyPI (fetched once into a cache beside the target
//! directory, its SHA-256 checked against PyPI's), for the front-end benchmark:
//! `xtask/cmsis-bench/bench.c` times `arm_rfft_q15`, `arm_mfcc_q15`'s mel steps,
//! `arm_mfcc_q15` and `arm_mfcc_q31`'s mel steps on the frames the Rust front end is
//! timed on.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Board;

/// The `cmsisdsp` release whose sources are compiled.
pub const CMSISDSP_VERSION: &str = "1.10.3";

/// The CMSIS-DSP sources the benchmark links (`Source/` relative): the real FFT and its
/// tables, the MFCC and every kernel they call.
const SOURCES: &[&str] = &[
    "TransformFunctions/arm_rfft_q15.c",
    "TransformFunctions/arm_rfft_init_q15.c",
    "TransformFunctions/arm_cfft_q15.c",
    "TransformFunctions/arm_cfft_init_q15.c",
    "TransformFunctions/arm_cfft_radix4_q15.c",
    "TransformFunctions/arm_cfft_radix2_q15.c",
    "TransformFunctions/arm_bitreversal2.c",
    "TransformFunctions/arm_mfcc_q15.c",
    "TransformFunctions/arm_mfcc_init_q15.c",
    "CommonTables/arm_common_tables.c",
    "CommonTables/arm_const_structs.c",
    "BasicMathFunctions/arm_mult_q15.c",
    "BasicMathFunctions/arm_scale_q15.c",
    "BasicMathFunctions/arm_scale_q31.c",
    "BasicMathFunctions/arm_offset_q31.c",
    "BasicMathFunctions/arm_shift_q31.c",
    "BasicMathFunctions/arm_shift_q15.c",
    "BasicMathFunctions/arm_abs_q15.c",
    "BasicMathFunctions/arm_dot_prod_q15.c",
    "ComplexMathFunctions/arm_cmplx_mag_q15.c",
    "StatisticsFunctions/arm_absmax_q15.c",
    "FastMathFunctions/arm_divide_q15.c",
    "FastMathFunctions/arm_vlog_q31.c",
    "FastMathFunctions/arm_sqrt_q15.c",
    "FastMathFunctions/arm_sqrt_q31.c",
    "MatrixFunctions/arm_mat_vec_mult_q15.c",
    "MatrixFunctions/arm_mat_init_q15.c",
    "TransformFunctions/arm_rfft_q31.c",
    "TransformFunctions/arm_rfft_init_q31.c",
    "TransformFunctions/arm_cfft_q31.c",
    "TransformFunctions/arm_cfft_init_q31.c",
    "TransformFunctions/arm_cfft_radix4_q31.c",
    "TransformFunctions/arm_cfft_radix2_q31.c",
    "BasicMathFunctions/arm_mult_q31.c",
    "BasicMathFunctions/arm_dot_prod_q31.c",
    "BasicMathFunctions/arm_abs_q31.c",
    "ComplexMathFunctions/arm_cmplx_mag_q31.c",
    "StatisticsFunctions/arm_absmax_q31.c",
    "FastMathFunctions/arm_divide_q31.c",
];

/// GCC's flags for `board`'s core (the Rust firmware's target, as GCC names it).
pub fn core_flags(board: Board) -> Option<&'static [&'static str]> {
    Some(match board.target {
        "thumbv6m-none-eabi" => &["-mcpu=cortex-m0", "-mthumb", "-mfloat-abi=soft"],
        "thumbv7em-none-eabihf" if board.name == "m7" => &[
            "-mcpu=cortex-m7",
            "-mthumb",
            "-mfloat-abi=hard",
            "-mfpu=fpv5-d16",
        ],
        "thumbv7em-none-eabihf" => &[
            "-mcpu=cortex-m4",
            "-mthumb",
            "-mfloat-abi=hard",
            "-mfpu=fpv4-sp-d16",
        ],
        "thumbv8m.main-none-eabihf" => &[
            "-mcpu=cortex-m33",
            "-mthumb",
            "-mfloat-abi=hard",
            "-mfpu=fpv5-sp-d16",
        ],
        _ => return None,
    })
}

/// Runs `command` (described as `what` in errors); its standard output, or its standard
/// error on failure. The CMSIS benchmarks' builds and fetches share it.
pub(crate) fn run(command: &mut Command, what: &str) -> Result<Vec<u8>, String> {
    let out = command
        .output()
        .map_err(|e| format!("{what}: cannot run: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out.stdout)
}

/// The unpacked `cmsisdsp` sources, downloaded from PyPI on first use.
pub fn sources() -> Result<PathBuf, String> {
    let cache =
        crate::target_dir_beside_host("cmsis", crate::workspace_root().join("target/cmsis"));
    let dir = cache.join(format!("cmsisdsp-{CMSISDSP_VERSION}"));
    if dir.join("Source").is_dir() {
        return Ok(dir);
    }
    std::fs::create_dir_all(&cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let meta = run(
        Command::new("curl").args(["-sSfL", "https://pypi.org/pypi/cmsisdsp/json"]),
        "fetching cmsisdsp's PyPI metadata",
    )?;
    let meta: serde_json::Value = serde_json::from_slice(&meta).map_err(|e| e.to_string())?;
    let sdist = meta["releases"][CMSISDSP_VERSION]
        .as_array()
        .and_then(|urls| urls.iter().find(|u| u["packagetype"] == "sdist"))
        .ok_or("cmsisdsp's PyPI release has no source archive")?;
    let (url, sha) = (
        sdist["url"].as_str().ok_or("no URL")?,
        sdist["digests"]["sha256"].as_str().ok_or("no SHA-256")?,
    );
    let archive = cache.join("cmsisdsp.tar.gz");
    run(
        Command::new("curl")
            .args(["-sSfL", "-o"])
            .arg(&archive)
            .arg(url),
        "downloading cmsisdsp's sources",
    )?;
    let sum = run(Command::new("sha256sum").arg(&archive), "sha256sum")?;
    if !String::from_utf8_lossy(&sum).starts_with(sha) {
        return Err(format!(
            "{}: SHA-256 differs from PyPI's {sha}",
            archive.display()
        ));
    }
    run(
        Command::new("tar")
            .arg("xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&cache),
        "unpacking cmsisdsp's sources",
    )?;
    Ok(dir)
}

/// Builds the benchmark for `board` in `out` (which holds `tables.h`); returns the ELF.
pub fn build(board: Board, out: &Path) -> Result<PathBuf, String> {
    let flags = core_flags(board).ok_or_else(|| format!("no GCC flags for {}", board.name))?;
    let cmsis = sources()?;
    std::fs::write(out.join("memory.x"), board.memory_x()).map_err(|e| e.to_string())?;
    let bench = crate::workspace_root().join("xtask/cmsis-bench");
    let c_firmware = crate::workspace_root().join("examples/c-firmware");
    let elf = out.join(format!("cmsis-{}.elf", board.name));
    let mut gcc = Command::new(crate::c_firmware::C_COMPILER);
    gcc.args(flags)
        // CMSIS-DSP's own build defaults: -O3 (its CMake's release flags) and loop
        // unrolling on.
        .args([
            "-O3",
            "-std=c99",
            "-DARM_MATH_LOOPUNROLL",
            "-ffunction-sections",
        ])
        // Not -ffreestanding: it turns off GCC's builtins, and CMSIS-DSP's word loads
        // (`read_q15x2`, a 4-byte memcpy) would become calls instead of one LDR.
        .args(["-fdata-sections", "-nostdlib"])
        .args(["-Wl,--gc-sections", "-Wl,-z,noexecstack"])
        .arg("-I")
        .arg(&bench)
        .arg("-I")
        .arg(&c_firmware)
        .arg("-I")
        .arg(cmsis.join("Include"))
        .arg("-I")
        .arg(cmsis.join("PrivateInclude"))
        .arg("-I")
        .arg(out)
        .arg("-L")
        .arg(out)
        .arg("-T")
        .arg(c_firmware.join("link.ld"))
        .arg(bench.join("bench.c"))
        .arg(bench.join("startup.c"))
        .args(SOURCES.iter().map(|s| cmsis.join("Source").join(s)))
        .arg("-lgcc")
        .arg("-o")
        .arg(&elf)
        .current_dir(out);
    run(&mut gcc, "compiling CMSIS-DSP's benchmark")?;
    Ok(elf)
}
