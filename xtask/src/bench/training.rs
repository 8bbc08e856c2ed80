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
    })
}
