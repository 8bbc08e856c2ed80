//! The Python package (`python/`) against the Rust it wraps (issue 29):
//! `scripts/python_bench.py` times `bottleneck.Model.predict` beside the same runtime
//! call from Rust, and the estimator's `fit` beside `bottleneck train`, in one process
//! and run, when this machine's Python has the package installed (`pip install ./python`).

use std::fmt::Write;
use std::path::Path;
use std::process::Command;

/// The script's figures.
#[derive(Debug, Clone)]
pub struct PythonBench {
    /// The package's version.
    pub package: String,
    /// Rows per `predict` call.
    pub predict_rows: usize,
    /// Median microseconds per row of `Model.predict` (float64 rows in).
    pub predict_us_per_row_python: f64,
    /// Median microseconds per row of the same runtime call from Rust alone.
    pub predict_us_per_row_rust: f64,
    /// Median seconds of `AutoencoderClassifier.fit` on the tutorial's split.
    pub fit_seconds_python: f64,
    /// Median seconds of `bottleneck train` on the same data.
    pub train_seconds_cli: f64,
    /// Whether every fit wrote the CLI's model file byte for byte.
    pub same_model_file: bool,
    /// Runs of each.
    pub runs: usize,
}

/// Runs the script with the CLI at `trainer`; `Err` says why it did not run.
pub fn run(trainer: &Path) -> Result<PythonBench, String> {
    let script = crate::workspace_root().join("scripts/python_bench.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(trainer)
        .output()
        .map_err(|e| format!("not run: python3: {e}"))?;
    if out.status.code() == Some(2) {
        return Err(format!(
            "not run: {} (`pip install ./python[test]`)",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    if !out.status.success() {
        return Err(format!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let bad = |what: &str| format!("{}: no {what} in its output", script.display());
    let value: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("{}: {e}", script.display()))?;
    let number = |key: &str| value[key].as_f64().ok_or_else(|| bad(key));
    Ok(PythonBench {
        package: value["package"]
            .as_str()
            .ok_or_else(|| bad("package"))?
            .to_string(),
        predict_rows: number("predict_rows")? as usize,
        predict_us_per_row_python: number("predict_us_per_row_python")?,
        predict_us_per_row_rust: number("predict_us_per_row_rust")?,
        fit_seconds_python: number("fit_seconds_python")?,
        train_seconds_cli: number("train_seconds_cli")?,
        same_model_file: value["same_model_file"]
            .as_bool()
            .ok_or_else(|| bad("same_model_file"))?,
        runs: number("runs")? as usize,
    })
}

fn yes(met: bool) -> &'static str {
    if met { "**met**" } else { "**not met**" }
}

/// The section of BENCHMARKS.md.
pub fn render(bench: &Result<PythonBench, String>) -> String {
    let mut md = String::from("\n## From Python\n\n");
    let b = match bench {
        Ok(b) => b,
        Err(why) => {
            let _ = writeln!(md, "The Python package was {why}.");
            return md;
        }
    };
    let predict = b.predict_us_per_row_python / b.predict_us_per_row_rust;
    let fit = b.fit_seconds_python / b.train_seconds_cli;
    let _ = writeln!(
        md,
        "`scripts/python_bench.py` (package {}), one process, this machine: \
         `bottleneck.Model.predict` on {} rows of float64 (its conversion to float32 \
         included) beside the same runtime call from Rust alone on float32 rows (load, \
         pack, batched run, with the GIL released as `predict` releases it), medians of \
         {} calls each; `AutoencoderClassifier(random_state=1).fit` on the tutorial's \
         split beside `bottleneck train` on the same data (the built-in problem; the CLI \
         also writes its plots and artefacts), medians of {} runs each, interleaved. \
         Regenerate this section alone with `cargo xtask bench-python`.\n\n\
         | | Python | Rust | ratio |\n|---|---|---|---|\n\
         | predict, us per row | {:.3} | {:.3} | {predict:.2}x |\n\
         | fit / train, seconds | {:.2} | {:.2} | {fit:.2}x |\n\n\
         | goal (issue 29) | measured | |\n|---|---|---|\n\
         | `Model.predict` at most 1.5x the Rust runtime's time per row (10,000 rows) | {predict:.2}x | {} |\n\
         | `fit` at most 1.1x `bottleneck train` on the same data | {fit:.2}x | {} |\n\
         | `fit` writes `bottleneck train`'s model file byte for byte (every run) | {} | {} |",
        b.package,
        b.predict_rows,
        b.runs * 10,
        b.runs,
        b.predict_us_per_row_python,
        b.predict_us_per_row_rust,
        b.fit_seconds_python,
        b.train_seconds_cli,
        yes(predict <= 1.5),
        yes(fit <= 1.1),
        if b.same_model_file {
            "same"
        } else {
            "different"
        },
        yes(b.same_model_file),
    );
    md
}

/// The figures for benchmarks.json.
pub fn json(bench: &Result<PythonBench, String>) -> serde_json::Value {
    match bench {
        Ok(b) => serde_json::json!({
            "package": b.package,
            "predict_us_per_row_python": b.predict_us_per_row_python,
            "predict_us_per_row_rust": b.predict_us_per_row_rust,
            "fit_seconds_python": b.fit_seconds_python,
            "train_seconds_cli": b.train_seconds_cli,
            "same_model_file": b.same_model_file,
        }),
        Err(why) => serde_json::json!({ "not_measured": why }),
    }
}

/// `md` with its "From Python" section replaced by `section`, or inserted before
/// "Real boards" when it has none.
pub fn replace_section(md: &str, section: &str) -> String {
    super::replace_section(md, "## From Python", "## Real boards", section)
}
