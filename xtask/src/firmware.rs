//! Building the firmware in `examples/firmware` and running it under QEMU: the harness
//! behind the QEMU parity test and the footprint report.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bottleneck_runtime::{Model, Scratch};
use bottleneck_trainer::data::{MachineSoundRecipe, write_csv};
use bottleneck_trainer::model::{Activation, BottleneckActivation};
use bottleneck_trainer::pipeline::{DataSource, Pipeline, RunConfig, Task};
use object::{Object, ObjectSection, ObjectSymbol};

use crate::{BOARDS, Board};

/// A model's shape and its work per inference, counted from the file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelShape {
    /// Widths from input to bottleneck and the class count, e.g.
    /// `100 -> 200 -> 100 -> 50, 2 classes`.
    pub description: String,
    /// Multiply-accumulates per inference (layers and head).
    pub macs: usize,
    /// Output rows per inference (every layer's and the head's outputs).
    pub rows: usize,
    /// Passes of the Cortex-M4 whole-layer routine's 32-input loop per inference (layers
    /// with rows in aligned groups of four and shared channel records; pairs of rows).
    pub m4_loop_passes: usize,
    /// Passes of the Cortex-M0 unrolled four-column loop per inference (groups of four
    /// rows).
    pub m0_loop_passes: usize,
}

impl ModelShape {
    /// The shape of a checked model.
    pub fn of(view: &bottleneck_format::ModelView<'_>) -> ModelShape {
        let widths: Vec<String> = std::iter::once(view.n_inputs())
            .chain(view.layers().map(|l| l.n_out()))
            .map(|w| w.to_string())
            .collect();
        let parts: Vec<String> = [
            (view.head().is_some()).then(|| format!("{} classes", view.n_classes())),
            view.anomaly().map(|_| "anomaly score".to_string()),
        ]
        .into_iter()
        .flatten()
        .collect();
        ModelShape {
            description: format!("{}, {}", widths.join(" -> "), parts.join(" and ")),
            macs: view.mac_count(),
            rows: view.layers().map(|l| l.n_out()).sum::<usize>() + view.n_logits(),
            m4_loop_passes: view
                .layers()
                .filter_map(|l| l.as_dense().copied())
                .filter(|d| d.record_len() == bottleneck_format::SHARED_CHANNEL_LEN)
                .filter(|d| d.row_stride() == 4 * d.n_in().div_ceil(4))
                .map(|d| d.n_out() / 2 * (d.n_in().div_ceil(4) / 8))
                .sum(),
            m0_loop_passes: view.layers().map(|l| l.n_out() / 4 * (l.n_in() / 4)).sum(),
        }
    }
}

/// Samples embedded in the firmware.
pub const SAMPLES: usize = 20;

/// The firmware workspace.
pub fn firmware_dir() -> PathBuf {
    crate::workspace_root().join("examples/firmware")
}

/// Why the QEMU tests cannot run here, if they cannot.
pub fn missing_tools() -> Option<String> {
    for board in BOARDS {
        let qemu = Command::new(board.qemu)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !matches!(qemu, Ok(s) if s.success()) {
            return Some(format!("{} is not installed (Debian package)", board.qemu));
        }
    }
    let cc = Command::new(crate::c_firmware::C_COMPILER)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(cc, Ok(s) if s.success()) {
        return Some(format!(
            "{} is not installed (Debian package gcc-arm-none-eabi)",
            crate::c_firmware::C_COMPILER
        ));
    }
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    for board in BOARDS {
        if !installed.lines().any(|l| l.trim() == board.target) {
            return Some(format!(
                "Rust target {} is not installed (rustup target add {})",
                board.target, board.target
            ));
        }
    }
    None
}

/// The model, samples and expected output lines for one firmware run.
#[derive(Debug)]
pub struct Prepared {
    /// `model.bin`.
    pub model: PathBuf,
    /// Samples as little-endian f32.
    pub samples: PathBuf,
    /// Size of the model file.
    pub model_bytes: usize,
    /// Size of the samples file.
    pub samples_bytes: usize,
    /// The model's shape and MACs per inference.
    pub shape: ModelShape,
    /// The lines the firmware must print, computed by the runtime on the host.
    pub expected: Vec<String>,
}

/// Flash the firmware needs besides the model and samples (about 45 KB of runtime,
/// loader and demo code, rounded up).
const CODE_ALLOWANCE: u64 = 64 * 1024;

impl Prepared {
    /// Bytes of model and samples embedded in the firmware's flash.
    pub fn embedded_bytes(&self) -> u64 {
        (self.model_bytes + self.samples_bytes) as u64
    }

    /// Whether the firmware with this model and these samples fits `board`'s flash.
    pub fn fits(&self, board: Board) -> bool {
        self.embedded_bytes() + CODE_ALLOWANCE <= u64::from(board.flash.1)
    }
}

/// Builds the parity firmware for `prepared`, runs it on `board`, checks that it printed
/// the host's lines, and returns its section sizes and what it measured.
pub fn measure_parity(
    board: Board,
    prepared: &Prepared,
    timeout: Duration,
) -> Result<(Footprint, Measurements), String> {
    let elf = build(board, prepared)
        .map_err(|e| format!("{}: firmware build failed:\n{e}", board.core))?
        .join("parity");
    let footprint = footprint(&elf)?;
    let run = run_qemu(board, &elf, timeout)?;
    if !run.success {
        return Err(format!(
            "{}: firmware failed:\n{}",
            board.core,
            run.lines.join("\n")
        ));
    }
    // A figure counts only for the right answers: the firmware's lines must be the
    // host's, bit for bit, whatever the model.
    let got = run.lines.iter().take(prepared.expected.len());
    if let Some((i, (g, e))) = got
        .zip(&prepared.expected)
        .enumerate()
        .find(|(_, (g, e))| g != e)
    {
        return Err(format!(
            "{}: firmware line {i} differs from the host's:\n  firmware: {g}\n  host:     {e}",
            board.core
        ));
    }
    if run.lines.len() < prepared.expected.len() {
        return Err(format!("{}: firmware output cut short", board.core));
    }
    let m = measurements(&run.lines).ok_or("the firmware printed no measurements")?;
    Ok((footprint, m))
}

/// Int8 values as the firmware prints them: two hex digits each.
pub fn hex(values: &[i8]) -> String {
    values.iter().map(|&v| format!("{:02x}", v as u8)).collect()
}

/// Int32 values as the firmware prints them: decimal, comma-separated.
pub fn ints(values: &[i32]) -> String {
    let text: Vec<String> = values.iter().map(i32::to_string).collect();
    text.join(",")
}

/// Trains the seed-sized model (100 -> 200 -> 100 -> 50, 2 classes) on the built-in
/// problem with `epochs` epochs, writes it and [`SAMPLES`] test rows into `dir`, and
/// computes the expected firmware output with the runtime on the host.
pub fn prepare(dir: &Path, epochs: usize) -> Prepared {
    prepare_task(dir, epochs, Task::Classify)
}

/// [`prepare`] for a model trained with `task` (`Both`: the seed problem's classifier and
/// an anomaly detector in one file, so the firmware prints scores too).
pub fn prepare_task(dir: &Path, epochs: usize, task: Task) -> Prepared {
    prepare_config(
        dir,
        RunConfig {
            epochs,
            task,
            ..RunConfig::default()
        },
    )
}

/// MLPerf Tiny's anomaly-detection autoencoder (640 -> 128 x4 -> 8 -> 128 x4 -> 640,
/// BatchNorm + ReLU, 264,192 weights), trained for `epochs` epochs on generated
/// log-mel frames (`generate --recipe log-mel-frames`), and 20 of its test rows.
pub fn prepare_mlperf_ad(dir: &Path, epochs: usize) -> Prepared {
    let data = MachineSoundRecipe {
        n_samples: 600,
        ..MachineSoundRecipe::default()
    }
    .generate()
    .expect("the recipe is valid");
    let csv = dir.join("frames.csv");
    write_csv(&data, &csv).expect("write frames");
    prepare_config(
        dir,
        RunConfig {
            data: DataSource::Csv {
                path: csv,
                label_column: Some("label".into()),
                test_path: None,
            },
            task: Task::Anomaly,
            normal_label: Some("normal".into()),
            hidden: Some(vec![128; 4]),
            bottleneck: Some(8),
            activation: Activation::Relu,
            bottleneck_activation: BottleneckActivation::Same,
            epochs,
            ..RunConfig::default()
        },
    )
}

fn prepare_config(dir: &Path, config: RunConfig) -> Prepared {
    let mut pipeline = Pipeline::run(config, |_| {}).expect("training the model");
    let exported = pipeline.export().expect("export");
    let rows: Vec<Vec<f32>> = pipeline
        .test
        .features
        .rows()
        .into_iter()
        .take(SAMPLES)
        .map(|r| r.to_vec())
        .collect();
    prepare_model(dir, &exported.bytes, &rows)
}

/// Writes `model` and the float samples `rows` into `dir` and computes the parity
/// firmware's expected output with the runtime on the host: for any valid model file,
/// such as the random ones that reach every kernel path.
pub fn prepare_model(dir: &Path, model: &[u8], rows: &[Vec<f32>]) -> Prepared {
    let model_path = dir.join("model.bin");
    std::fs::write(&model_path, model).expect("write model");
    let samples: Vec<u8> = rows
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let samples_path = dir.join("samples.bin");
    std::fs::write(&samples_path, &samples).expect("write samples");

    let bytes = model;
    let model = Model::from_bytes(bytes).expect("model loads");
    let mut scratch = Box::new(Scratch::<{ bottleneck_format::MAX_WIDTH }>::new());
    let mut expected = vec![format!(
        "self-test: {} vectors ok",
        model.self_test(&mut scratch).expect("self-test")
    )];
    let mut q = vec![0i8; model.n_inputs()];
    for (i, row) in rows.iter().enumerate() {
        model.quantize(row, &mut q).expect("finite");
        if model.view().head().is_some() {
            let out = model.infer_quantized(&q, &mut scratch).expect("inference");
            expected.push(format!(
                "sample {i}: class {} q {} f {} l {}",
                out.class,
                hex(&q),
                hex(out.features),
                ints(&out.logits)
            ));
        }
        if model.view().anomaly().is_some() {
            let d = model.detect_quantized(&q, &mut scratch).expect("detection");
            let r = model
                .reconstruct_quantized(&q, &mut scratch)
                .expect("reconstruction");
            expected.push(format!(
                "sample {i}: score {} anomaly {} r {}",
                d.score,
                d.is_anomaly,
                hex(r)
            ));
        }
    }
    expected.push(format!("total: {} samples", rows.len()));
    Prepared {
        model: model_path,
        samples: samples_path,
        model_bytes: bytes.len(),
        samples_bytes: samples.len(),
        shape: ModelShape::of(model.view()),
        expected,
    }
}

/// Where firmware builds put their files (for the Rust firmware workspace and the C
/// library alike).
pub fn firmware_target_dir() -> PathBuf {
    crate::target_dir_beside_host("firmware", firmware_dir().join("target"))
}

/// Builds every firmware binary for `board` in release mode; returns the directory that
/// holds the ELF files, or cargo's output if the build (or the panic-proof link) failed.
pub fn build(board: Board, prepared: &Prepared) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = firmware_target_dir();
    let output = Command::new(cargo)
        .current_dir(firmware_dir())
        .args(["build", "--release", "--bins", "--target", board.target])
        .args(board.cargo_config_args())
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("BOTTLENECK_BOARD", board.name)
        .env("BOTTLENECK_MODEL", &prepared.model)
        .env("BOTTLENECK_SAMPLES", &prepared.samples)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(target_dir.join(board.target).join("release"))
}

/// What a QEMU run printed and how it exited.
#[derive(Debug)]
pub struct Run {
    /// Semihosting output lines.
    pub lines: Vec<String>,
    /// Whether QEMU exited with semihosting success.
    pub success: bool,
}

/// Runs `elf` on `board` under QEMU with `-icount shift=0`, for at most `timeout`.
pub fn run_qemu(board: Board, elf: &Path, timeout: Duration) -> Result<Run, String> {
    let mut child = Command::new(board.qemu)
        .args(board.qemu_args(&elf.to_string_lossy()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", board.qemu))?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("QEMU did not exit within {timeout:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    Ok(Run {
        lines: String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
        success: output.status.success(),
    })
}

/// Section sizes of a firmware image.
#[derive(Debug, Clone, Copy, Default)]
pub struct Footprint {
    /// `.vector_table` + `.text`.
    pub text: u64,
    /// `.rodata` (the embedded model and samples included).
    pub rodata: u64,
    /// `.data`.
    pub data: u64,
    /// `.bss` + `.uninit`.
    pub bss: u64,
}

/// Reads the section sizes of `elf`.
pub fn footprint(elf: &Path) -> Result<Footprint, String> {
    let bytes = std::fs::read(elf).map_err(|e| format!("{}: {e}", elf.display()))?;
    let file = object::File::parse(&*bytes).map_err(|e| e.to_string())?;
    let mut f = Footprint::default();
    for section in file.sections() {
        let size = section.size();
        match section.name().unwrap_or("") {
            ".vector_table" | ".text" => f.text += size,
            ".rodata" => f.rodata += size,
            ".data" => f.data += size,
            ".bss" | ".uninit" => f.bss += size,
            _ => {}
        }
    }
    Ok(f)
}

/// Names of soft-float (compiler-builtins) and libm routines linked into `elf`.
pub fn float_routines(elf: &Path) -> Result<Vec<String>, String> {
    let bytes = std::fs::read(elf).map_err(|e| format!("{}: {e}", elf.display()))?;
    let file = object::File::parse(&*bytes).map_err(|e| e.to_string())?;
    Ok(file
        .symbols()
        .filter_map(|s| s.name().ok().map(str::to_string))
        .filter(|name| is_float_routine(name))
        .collect())
}

/// Whether `name` is a soft-float routine (`__aeabi_fmul`, `__addsf3`, `__fixsfsi`, ...)
/// or a libm function. Matched by the symbol's own shape, never by a substring of a
/// mangled name: a Rust symbol's hash can contain `df3` (one did).
fn is_float_routine(name: &str) -> bool {
    const AEABI: [&str; 4] = ["__aeabi_f", "__aeabi_d", "__aeabi_i2f", "__aeabi_ui2f"];
    const SUFFIXES: [&str; 8] = ["sf3", "df3", "sf2", "df2", "sfsi", "sisf", "dfsi", "sidf"];
    let builtin = name.starts_with("__")
        && (AEABI.iter().any(|p| name.starts_with(p))
            || SUFFIXES.iter().any(|s| name.ends_with(s)));
    // libm's functions, unmangled (`floorf`) or as Rust paths (`_ZN4libm4math...`).
    let libm = ["floorf", "expf", "logf", "sqrtf"].contains(&name) || name.contains("4libm4math");
    builtin || libm
}

/// Timing and stack figures the firmware prints after the parity lines.
#[derive(Debug, Clone, Copy)]
pub struct Measurements {
    /// SysTick ticks of one `infer_quantized` call (the slowest sample).
    pub inference_ticks: u64,
    /// Instructions of the calibration loop.
    pub calibration_instructions: u64,
    /// SysTick ticks the calibration loop took.
    pub calibration_ticks: u64,
    /// Peak stack of the whole demo program, by stack painting.
    pub peak_stack: u64,
    /// Stack one `infer_quantized` call uses below its caller (the runtime's own stack).
    pub runtime_stack: u64,
    /// `size_of::<Scratch<200>>()` on the device.
    pub scratch_bytes: u64,
    /// `size_of::<Model>()` on the device.
    pub handle_bytes: u64,
}

impl Measurements {
    /// Instructions per SysTick tick, measured by the calibration loop.
    pub fn instructions_per_tick(&self) -> f64 {
        self.calibration_instructions as f64 / self.calibration_ticks.max(1) as f64
    }

    /// Instructions per inference.
    pub fn instructions(&self) -> f64 {
        self.inference_ticks as f64 * self.instructions_per_tick()
    }

    /// RAM the runtime needs for one model: scratch buffers, model handle and stack.
    pub fn runtime_ram(&self) -> u64 {
        self.runtime_stack + self.scratch_bytes + self.handle_bytes
    }
}

/// Every unsigned decimal number in `line`, in order.
pub fn numbers(line: &str) -> Vec<u64> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// Parses the `timing:`, `memory:` and `stack:` lines.
pub fn measurements(lines: &[String]) -> Option<Measurements> {
    let timing = numbers(lines.iter().find(|l| l.starts_with("timing: "))?);
    let stack = numbers(lines.iter().find(|l| l.starts_with("stack: "))?);
    // "memory: runtime stack S bytes, scratch B bytes, model handle H bytes"
    let memory = numbers(lines.iter().find(|l| l.starts_with("memory: "))?);
    let [runtime_stack, scratch_bytes, handle_bytes] = memory.as_slice() else {
        return None;
    };
    // "timing: <call> A..=B ticks; calibration N instructions in T ticks", where <call>
    // is `infer_quantized` (a model with a head) or `detect` (an anomaly detector)
    let [_, max, instructions, ticks] = timing.as_slice() else {
        return None;
    };
    Some(Measurements {
        inference_ticks: *max,
        calibration_instructions: *instructions,
        calibration_ticks: *ticks,
        peak_stack: *stack.first()?,
        runtime_stack: *runtime_stack,
        scratch_bytes: *scratch_bytes,
        handle_bytes: *handle_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::is_float_routine;

    #[test]
    fn float_routines_are_told_by_their_names_not_by_hashes() {
        for name in [
            "__aeabi_fmul",
            "__addsf3",
            "__fixsfsi",
            "__floatsisf",
            "__gtsf2",
            "expf",
        ] {
            assert!(is_float_routine(name), "{name}");
        }
        assert!(is_float_routine(
            "_ZN4libm4math4expf4expf17hb4cc59b2e6fe6f11E"
        ));
        // A Rust symbol whose hash happens to contain "df3".
        let hashed = "_ZN63_$LT$bottleneck_firmware..Hex$u20$as$u20$core..fmt..Display$GT$3fmt17h210beeec95edf397E";
        assert!(!is_float_routine(hashed));
        assert!(!is_float_routine("memcpy"));
    }
}

#[cfg(test)]
mod board_tests {
    use crate::BOARDS;

    #[test]
    fn the_fpu_follows_the_target_triple() {
        for board in BOARDS {
            let expected = matches!(
                board.target,
                "thumbv7em-none-eabihf" | "thumbv8m.main-none-eabihf"
            );
            assert_eq!(board.has_fpu(), expected, "{}", board.target);
        }
    }
}
