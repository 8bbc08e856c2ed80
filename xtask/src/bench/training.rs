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
}

impl TrainingRuns {
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
    let mut report = None;
    for _ in 0..runs.max(1) {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let start = Instant::now();
        let output = Command::new(trainer)
            .args(["train", "--out"])
            .arg(dir.path())
            .arg("-q")
            .output()
            .map_err(|e| format!("{}: {e}", trainer.display()))?;
        seconds.push(start.elapsed().as_secs_f64());
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        let text = std::fs::read_to_string(dir.path().join("report.json"))
            .map_err(|e| format!("report.json: {e}"))?;
        report = Some(serde_json::from_str(&text).map_err(|e| format!("report.json: {e}"))?);
    }
    Ok(TrainingRuns {
        seconds,
        report: report.ok_or("no run")?,
        pytorch_seconds: time_pytorch(trainer)?,
    })
}

/// Times the PyTorch reference on the built-in problem (written by `trainer generate`):
/// `None` when Python or torch is missing, said in the report rather than replaced by
/// another machine's figure.
fn time_pytorch(trainer: &Path) -> Result<Option<f64>, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let csv = dir.path().join("problem.csv");
    let status = Command::new(trainer)
        .args(["generate", "--out"])
        .arg(&csv)
        .output()
        .map_err(|e| format!("{}: {e}", trainer.display()))?;
    if !status.status.success() {
        return Err(String::from_utf8_lossy(&status.stderr).into_owned());
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pytorch_reference.py");
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
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .map(Some)
        .ok_or(format!("{}: unexpected output {text:?}", script.display()))
}
