//! Timing `bottleneck train` as a user runs it.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use bottleneck_trainer::report::Report;

/// Wall-clock seconds of each run, and the last run's report.
#[derive(Debug, Clone)]
pub struct TrainingRuns {
    /// Seconds per run, in run order.
    pub seconds: Vec<f64>,
    /// `report.json` of the last run.
    pub report: Report,
    /// Seconds of the same 200 epochs in PyTorch (`scripts/pytorch_reference.py`), on
    /// this machine in this run; `None` when torch is not installed here.
    pub pytorch_seconds: Option<f64>,
    /// Peak resident memory of each `bottleneck train` process, bytes.
    pub peak_bytes: Vec<u64>,
    /// Peak resident memory of the PyTorch reference's process, bytes.
    pub pytorch_peak_bytes: Option<u64>,
    /// Seconds of the autoencoder's 200 epochs with `--engine autodiff` (burn's autodiff,
    /// the engine the fused one replaced), one run.
    pub autodiff_epochs_seconds: f64,
}

impl TrainingRuns {
    /// The figures for benchmarks.json: seconds of the autoencoder's 200 epochs per engine
    /// and PyTorch's, from this run.
    pub fn json(&self) -> serde_json::Value {
        let epochs = self.report.autoencoder.training_seconds;
        serde_json::json!({
            "epochs_seconds_fused": epochs,
            "epochs_seconds_autodiff": self.autodiff_epochs_seconds,
            "epochs_seconds_pytorch": self.pytorch_seconds,
            "fused_over_pytorch": self.pytorch_seconds.map(|py| epochs / py),
            "autodiff_over_pytorch": self.pytorch_seconds.map(|py| self.autodiff_epochs_seconds / py),
            "whole_command_median_seconds": self.median_seconds(),
        })
    }

    /// Median of the run times.
    pub fn median_seconds(&self) -> f64 {
        median(&self.seconds)
    }
}

/// Median of a non-empty list (NaN when empty).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Runs `trainer train --out <tmp> -q` (default problem and settings: 200 epochs,
/// batch 16) `runs` times.
pub fn time_training(trainer: &Path, runs: usize) -> Result<TrainingRuns, String> {
    let mut seconds = Vec::new();
    let mut peak_bytes = Vec::new();
    let mut report = None;
    for _ in 0..runs.max(1) {
        let (s, peak, r) = train_once(trainer, &[])?;
        seconds.push(s);
        peak_bytes.push(peak);
        report = Some(r);
    }
    let (_, _, autodiff) = train_once(trainer, &["--engine", "autodiff"])?;
    let pytorch = time_pytorch(trainer)?;
    Ok(TrainingRuns {
        seconds,
        report: report.ok_or("no run")?,
        pytorch_seconds: pytorch.map(|(s, _)| s),
        peak_bytes,
        pytorch_peak_bytes: pytorch.map(|(_, b)| b),
        autodiff_epochs_seconds: autodiff.autoencoder.training_seconds,
    })
}

/// One `trainer train --out <tmp> -q [extra]`: wall-clock seconds, peak resident memory
/// and `report.json`.
fn train_once(trainer: &Path, extra: &[&str]) -> Result<(f64, u64, Report), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut command = Command::new(trainer);
    command
        .args(["train", "--out"])
        .arg(dir.path())
        .arg("-q")
        .args(extra);
    let (success, stderr, peak) =
        run_measured(&mut command).map_err(|e| format!("{}: {e}", trainer.display()))?;
    let seconds = start.elapsed().as_secs_f64();
    if !success {
        return Err(stderr);
    }
    let text = std::fs::read_to_string(dir.path().join("report.json"))
        .map_err(|e| format!("report.json: {e}"))?;
    let report = serde_json::from_str(&text).map_err(|e| format!("report.json: {e}"))?;
    Ok((seconds, peak, report))
}

/// `bottleneck generate --samples ROWS --out CSV`: the built-in problem's recipe.
fn generate(trainer: &Path, rows: usize, csv: &Path) -> Result<(), String> {
    let output = Command::new(trainer)
        .args(["generate", "--samples", &rows.to_string(), "--out"])
        .arg(csv)
        .output()
        .map_err(|e| format!("{}: {e}", trainer.display()))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(())
}

/// Runs `command` to its end with stdout discarded: whether it succeeded, its stderr, and
/// its peak resident memory in bytes (`wait4`'s `ru_maxrss`, KiB on Linux).
fn run_measured(command: &mut Command) -> std::io::Result<(bool, String, u64)> {
    use std::io::Read;
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut stderr)?;
    }
    let mut status = 0;
    // SAFETY: `rusage` is plain data that `wait4` fills in; the pid is our own child's,
    // not yet waited for (std's `Child` is dropped without waiting).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if waited != pid {
        return Err(std::io::Error::last_os_error());
    }
    let success = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Ok((success, stderr, usage.ru_maxrss.max(0) as u64 * 1024))
}

/// Times the PyTorch reference on the built-in problem (written by `trainer generate`):
/// `None` when Python or torch is missing, said in the report rather than replaced by
/// another machine's figure.
fn time_pytorch(trainer: &Path) -> Result<Option<(f64, u64)>, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let csv = dir.path().join("problem.csv");
    generate(trainer, 1_000, &csv)?;
    let script = crate::workspace_root().join("scripts/pytorch_reference.py");
    let Ok(output) = Command::new("python3").arg(&script).arg(&csv).output() else {
        return Ok(None);
    };
    if output.status.code() == Some(2) {
        return Ok(None);
    }
    if !output.status.success() {
        return Err(format!(
            "{}: {}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        ["seconds", s, "peak_bytes", b] => match (s.parse(), b.parse()) {
            (Ok(s), Ok(b)) => Ok(Some((s, b))),
            _ => Err(format!("{}: unexpected output {text:?}", script.display())),
        },
        _ => Err(format!("{}: unexpected output {text:?}", script.display())),
    }
}

/// One `bottleneck train --epochs 5` run on `rows` generated rows (67 % for training).
#[derive(Debug, Clone, Copy)]
pub struct ScalingRun {
    /// Generated rows; the training split is 67 % of them.
    pub rows: usize,
    /// Training rows.
    pub train_rows: usize,
    /// Seconds of the autoencoder's epochs (report.json).
    pub epochs_seconds: f64,
    /// Seconds of the whole process.
    pub total_seconds: f64,
    /// Peak resident memory of the process, bytes.
    pub peak_bytes: u64,
}

impl ScalingRun {
    /// Everything but the epochs: reading, scaling, classifier fits, quantization,
    /// reports.
    pub fn other_seconds(&self) -> f64 {
        self.total_seconds - self.epochs_seconds
    }

    /// The training rows' size as f32 (100 features), bytes.
    pub fn data_bytes(&self) -> u64 {
        self.train_rows as u64 * 100 * 4
    }
}

/// `bottleneck generate --samples N` then `bottleneck train --epochs 5` (release of the
/// shared dev profile, as the README runs it) for each of `sizes`, as a user with more
/// data would: how the cost grows with the data.
pub fn scaling(trainer: &Path, sizes: &[usize]) -> Result<Vec<ScalingRun>, String> {
    let mut runs = Vec::new();
    for &rows in sizes {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let csv = dir.path().join("data.csv");
        generate(trainer, rows, &csv)?;
        let out = dir.path().join("model");
        let start = Instant::now();
        let mut command = Command::new(trainer);
        command
            .args([
                "train",
                "--label-column",
                "label",
                "--epochs",
                "5",
                "-q",
                "--data",
            ])
            .arg(&csv)
            .arg("--out")
            .arg(&out);
        let (success, stderr, peak_bytes) =
            run_measured(&mut command).map_err(|e| format!("{}: {e}", trainer.display()))?;
        let total_seconds = start.elapsed().as_secs_f64();
        if !success {
            return Err(stderr);
        }
        let text = std::fs::read_to_string(out.join("report.json"))
            .map_err(|e| format!("report.json: {e}"))?;
        let report: Report = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        runs.push(ScalingRun {
            rows,
            train_rows: report.data.train_rows,
            epochs_seconds: report.autoencoder.training_seconds,
            total_seconds,
            peak_bytes,
        });
    }
    Ok(runs)
}
