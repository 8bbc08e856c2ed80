//! Accuracy on the tutorial's data over training seeds 1-15 (issue 24), from
//! `bottleneck train --repeats 15`, beside PyTorch and Keras-on-TensorFlow trained on the
//! same data with the same seeds in the same run (`scripts/pytorch_tutorial_accuracy.py`,
//! `scripts/keras_tutorial.py`), when this machine's Python has them.

use std::fmt::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use bottleneck_trainer::repeats::{Repeats, Spread};
use bottleneck_trainer::report::Report;

use super::python::python_version;

/// Training seeds in the table: 1 to `SEEDS`.
pub const SEEDS: u64 = 15;

/// A framework's run of the tutorial on the same data and seeds.
#[derive(Debug, Clone)]
pub struct Reference {
    /// What ran, with its version.
    pub name: String,
    /// The command, as a user reruns it.
    pub command: &'static str,
    /// Test accuracy of LR on its float bottleneck features, seed `1 + index`.
    pub accuracies: Vec<f64>,
}

/// The section's measurements.
#[derive(Debug, Clone)]
pub struct Accuracy {
    /// `bottleneck train --repeats 15`.
    pub ours: Repeats,
    /// The same with `--engine autodiff` (burn's autodiff and Adam), the engine the
    /// fused one replaced: the same seeded initial weights and batches.
    pub autodiff: Repeats,
    /// The frameworks that ran; one `Err` (why not) per framework that could not.
    pub references: Vec<Result<Reference, String>>,
    /// The CPU the run used.
    pub cpu: String,
}

/// One framework: its script, environment, and the modules it needs.
struct Framework {
    label: &'static str,
    script: &'static str,
    env: &'static [(&'static str, &'static str)],
    version: &'static str,
    command: &'static str,
}

const FRAMEWORKS: [Framework; 2] = [
    Framework {
        label: "PyTorch",
        script: "scripts/pytorch_tutorial_accuracy.py",
        env: &[],
        version: "import torch, sklearn; print(torch.__version__.split('+')[0])",
        command: "python3 scripts/pytorch_tutorial_accuracy.py 1 2 ... 15",
    },
    Framework {
        label: "Keras",
        script: "scripts/keras_tutorial.py",
        env: &[
            ("KERAS_BACKEND", "tensorflow"),
            ("TF_CPP_MIN_LOG_LEVEL", "3"),
            ("TF_NUM_INTRAOP_THREADS", "1"),
            ("TF_NUM_INTEROP_THREADS", "1"),
        ],
        version: "import keras, tensorflow, sklearn; \
                  print(keras.__version__, 'on TensorFlow', tensorflow.__version__)",
        command: "KERAS_BACKEND=tensorflow python3 scripts/keras_tutorial.py 1 2 ... 15",
    },
];

fn spawn(f: &Framework) -> Result<Child, String> {
    let seeds: Vec<String> = (1..=SEEDS).map(|s| s.to_string()).collect();
    Command::new("python3")
        .arg(crate::workspace_root().join(f.script))
        .args(&seeds)
        .envs(f.env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("python3 {}: {e}", f.script))
}

/// Reads the scripts' `seed accuracy iterations` lines, one per seed in order.
fn parse_accuracies(script: &str, text: &str) -> Result<Vec<f64>, String> {
    let mut accuracies = Vec::new();
    for (line, seed) in text.lines().zip(1..) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [s, a, ..] if s.parse::<u64>() == Ok(seed) => {
                accuracies.push(a.parse().map_err(|_| format!("{script}: {line:?}"))?)
            }
            _ => return Err(format!("{script}: unexpected line {line:?}")),
        }
    }
    if accuracies.len() as u64 != SEEDS {
        return Err(format!(
            "{script}: {} seeds reported, {SEEDS} asked",
            accuracies.len()
        ));
    }
    Ok(accuracies)
}

/// Runs `bottleneck train --repeats 15 -q` (the built-in problem: the tutorial's data and
/// split, default settings) and both frameworks' scripts at the same time (accuracy, not
/// speed, is measured here; each script uses one thread).
pub fn run(trainer: &Path) -> Result<Accuracy, String> {
    let mut children = Vec::new();
    for f in &FRAMEWORKS {
        children.push(python_version(f.version, f.env, "it").and_then(|v| Ok((f, v, spawn(f)?))));
    }
    let ours = run_ours(trainer, &[])?;
    let autodiff = run_ours(trainer, &["--engine", "autodiff"])?;
    let references = children
        .into_iter()
        .map(|c| {
            let (f, version, child) = c?;
            let out = child
                .wait_with_output()
                .map_err(|e| format!("{}: {e}", f.script))?;
            if !out.status.success() {
                return Err(format!(
                    "{} failed: {}",
                    f.script,
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            Ok(Reference {
                name: format!("{} {version}", f.label),
                command: f.command,
                accuracies: parse_accuracies(f.script, &String::from_utf8_lossy(&out.stdout))?,
            })
        })
        .collect();
    Ok(Accuracy {
        ours,
        autodiff,
        references,
        cpu: super::machine::Machine::describe().cpu,
    })
}

fn run_ours(trainer: &Path, extra: &[&str]) -> Result<Repeats, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = Command::new(trainer)
        .args(["train", "--repeats", &SEEDS.to_string(), "-q", "--out"])
        .arg(dir.path())
        .args(extra)
        .output()
        .map_err(|e| format!("{}: {e}", trainer.display()))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = std::fs::read_to_string(dir.path().join("report.json"))
        .map_err(|e| format!("report.json: {e}"))?;
    let report: Report = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    report
        .repeats
        .ok_or_else(|| "report.json has no repeats section".to_string())
}

/// One figure of a run.
type Figure = fn(&bottleneck_trainer::repeats::RepeatRun) -> Option<f64>;

fn cell(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.3}"))
}

fn yes(met: bool) -> &'static str {
    if met { "**met**" } else { "**not met**" }
}

fn spread(values: &[f64]) -> Option<Spread> {
    Spread::of(values.iter().copied())
}

fn row(md: &mut String, name: &str, values: &[Option<f64>], fmt: fn(Option<f64>) -> String) {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let s = spread(&present);
    let mut line = format!("| {name} |");
    for v in values {
        line += &format!(" {} |", fmt(*v));
    }
    line += &format!(
        " **{}** | {} | {} |",
        fmt(s.map(|s| s.mean)),
        fmt(s.map(|s| s.min)),
        fmt(s.map(|s| s.max))
    );
    let _ = writeln!(md, "{line}");
}

/// Paired per-seed differences of the float accuracy, fused minus autodiff: mean and
/// standard error.
fn engine_difference(a: &Accuracy) -> Option<(f64, f64)> {
    let d: Vec<f64> = a
        .ours
        .runs
        .iter()
        .zip(&a.autodiff.runs)
        .filter_map(|(f, r)| Some(f.bottleneck_features? - r.bottleneck_features?))
        .collect();
    if d.len() < 2 {
        return None;
    }
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some((mean, (var / n).sqrt()))
}

/// The issue-28 accuracy goal's measured cell and verdict.
fn engine_comparison(a: &Accuracy) -> (String, &'static str) {
    let fused = a.ours.bottleneck_features.map(|s| s.mean);
    let autodiff = a.autodiff.bottleneck_features.map(|s| s.mean);
    match (fused, autodiff, engine_difference(a)) {
        (Some(f), Some(r), Some((d, se))) => (
            format!(
                "{f:.4} vs {r:.4} (per seed {:+.2} points on average, standard error {:.2})",
                100.0 * d,
                100.0 * se
            ),
            // The same allowance as the framework goal: the table's three decimals.
            yes(f >= r - 5e-4),
        ),
        _ => ("not measured".into(), "**not checked**"),
    }
}

/// The section's figures for benchmarks.json.
pub fn json(a: &Accuracy) -> serde_json::Value {
    let mean = |r: &Repeats| r.bottleneck_features.map(|s| s.mean);
    let references: serde_json::Map<String, serde_json::Value> = a
        .references
        .iter()
        .flatten()
        .map(|f| {
            (
                f.name.clone(),
                serde_json::json!(spread(&f.accuracies).map(|s| s.mean)),
            )
        })
        .collect();
    serde_json::json!({
        "seeds": SEEDS,
        "float_mean_fused": mean(&a.ours),
        "float_mean_autodiff": mean(&a.autodiff),
        "int8_mean_fused": a.ours.device.map(|s| s.mean),
        "float_mean_references": references,
    })
}

/// The section of BENCHMARKS.md.
pub fn render(a: &Accuracy) -> String {
    let r = &a.ours;
    let mut md = String::new();
    let seeds: String = (2..=SEEDS).map(|s| format!(" {s} |")).collect();
    let dashes: String = (0..SEEDS + 4).map(|_| "---|").collect();
    let _ = writeln!(
        md,
        "\n## Accuracy on the tutorial's data, training seeds 1-{SEEDS}\n\n\
         `bottleneck train --repeats {SEEDS}`: the built-in problem, which is scikit-learn's \
         `make_classification(n_samples=1000, n_features=100, n_informative=10, \
         n_redundant=90, random_state=1)` split by `train_test_split(test_size=0.33, \
         random_state=1)` bit for bit, default settings, training seeds 1 to {SEEDS}. \
         Test split: 330 rows (one row is 0.3 points). The PyTorch and Keras rows train the \
         tutorial's network on the same data with the same seeds, in this run, on this \
         machine ({cpu}), and score scikit-learn's `LogisticRegression()` on their float \
         bottleneck features. Per-seed figures of every framework move with the CPU and its \
         kernels, so compare the spreads, not one seed.\n\n\
         | | seed 1 |{seeds} mean | min | max |\n|{dashes}",
        cpu = a.cpu,
    );
    let rows: [(&str, Figure); 3] = [
        ("logistic regression, raw features", |x| x.raw_features),
        ("LR on float bottleneck features", |x| x.bottleneck_features),
        ("LR on int8 device features", |x| x.device),
    ];
    for (name, get) in rows {
        let values: Vec<Option<f64>> = r.runs.iter().map(get).collect();
        row(&mut md, name, &values, cell);
    }
    let autodiff: Vec<Option<f64>> = a
        .autodiff
        .runs
        .iter()
        .map(|x| x.bottleneck_features)
        .collect();
    row(
        &mut md,
        "LR on float bottleneck features, `--engine autodiff` (burn's autodiff)",
        &autodiff,
        cell,
    );
    let loss: Vec<Option<f64>> = r
        .runs
        .iter()
        .map(|x| Some(100.0 * (x.device? - x.bottleneck_features?)))
        .collect();
    row(
        &mut md,
        "int8 - float, points (one row = 0.3)",
        &loss,
        |v| v.map_or("-".into(), |v| format!("{v:+.1}")),
    );
    let agreement: Vec<Option<f64>> = r.runs.iter().map(|x| x.float_int8_agreement).collect();
    row(&mut md, "float vs int8 class agreement", &agreement, cell);
    for reference in &a.references {
        match reference {
            Ok(f) => {
                let values: Vec<Option<f64>> = f.accuracies.iter().map(|&v| Some(v)).collect();
                row(
                    &mut md,
                    &format!("*{}*, same data and seeds (`{}`)", f.name, f.command),
                    &values,
                    cell,
                );
            }
            Err(why) => {
                let _ = writeln!(
                    md,
                    "| *reference:* {why} |{}",
                    " |".repeat(SEEDS as usize + 3)
                );
            }
        }
    }

    let float = r.bottleneck_features;
    let int8 = r.device;
    let (f_mean, i_mean) = (
        float.map_or(f64::NAN, |s| s.mean),
        int8.map_or(f64::NAN, |s| s.mean),
    );
    let a_mean = r.float_int8_agreement.map_or(f64::NAN, |s| s.mean);
    let worst_drop = loss.iter().flatten().fold(f64::INFINITY, |m, &v| m.min(v));
    let best_reference = a
        .references
        .iter()
        .flatten()
        .filter_map(|f| Some((f.name.as_str(), spread(&f.accuracies)?.mean)))
        .max_by(|x, y| x.1.total_cmp(&y.1));
    let all_references = a.references.iter().all(Result::is_ok);
    let (float_goal, float_measured, float_met) = match best_reference {
        Some((name, mean)) => (
            format!("float mean >= the better framework's {SEEDS}-seed mean ({name}, this run)"),
            format!("{f_mean:.4} vs {mean:.4}"),
            if all_references {
                yes(f_mean >= mean - 5e-4)
            } else {
                "**not checked**: a framework did not run"
            },
        ),
        None => (
            format!("float mean >= the better framework's {SEEDS}-seed mean"),
            format!("{f_mean:.3}; no framework ran here"),
            "**not checked**",
        ),
    };
    let _ = writeln!(
        md,
        "\n| goal (issue 24, {SEEDS} seeds) | measured | |\n|---|---|---|\n\
         | raw-feature LR is scikit-learn's 0.894 on every seed | {} | {} |\n\
         | {float_goal} | {float_measured} | {float_met} |\n\
         | int8 mean at least the float mean - 0.3 points | {:+.2} points | {} |\n\
         | mean float vs int8 class agreement >= 99.5 % | {:.2} % | {} |\n\
         | no seed's int8 more than 1 point below its float | worst {worst_drop:+.1} points | {} |",
        r.raw_features
            .map_or("-".into(), |s| format!("{:.3}-{:.3}", s.min, s.max)),
        yes(r
            .raw_features
            .is_some_and(|s| (s.min - 0.894).abs() < 5e-4 && (s.max - 0.894).abs() < 5e-4)),
        100.0 * (i_mean - f_mean),
        yes(i_mean >= f_mean - 0.003),
        100.0 * a_mean,
        yes(a_mean >= 0.995),
        yes(worst_drop >= -1.0 - 1e-9),
    );
    let (engine_measured, engine_met) = engine_comparison(a);
    let _ = writeln!(
        md,
        "\n| goal (issue 28, {SEEDS} seeds) | measured | |\n|---|---|---|\n\
         | the fused engine's float mean no lower than burn's autodiff engine's (same seeds, \
         initial weights and batches; this run) | {engine_measured} | {engine_met} |\n\n\
         The two engines compute the same formulas and differ by float rounding (summation \
         order), which 8,400 steps carry into different minima: per seed they differ as two \
         frameworks do. Over 50 seeds (quoted, measured 2026-12-06 on this machine with \
         `bottleneck train --repeats 50`, with and without `--engine autodiff`) the fused \
         engine's float mean was 0.9313 and the autodiff engine's 0.9306 (standard errors \
         0.0012 each), per seed +0.07 points apart on average (standard error 0.09). Before \
         the Dense biases trained (trainer/README.md) the autodiff engine's 50-seed mean was \
         0.9322 (0.0014): training them moved the mean by less than its noise either way."
    );
    let _ = writeln!(
        md,
        "\nThe device's head is the float pipeline's logistic regression carried onto the \
         normalized features the device computes (trainer/README.md, Quantization). Until \
         issue 24 the trainer refitted a logistic regression on the int8 features instead; \
         over these 15 seeds that refit agreed with the float pipeline on 99.37 % of the test \
         rows on average (98.5-100 %), with one seed 1.2 points below its float, at int8 \
         accuracy 0.930 (quoted, measured 2026-12-05 on this machine).\n\n\
         What agreement int8 features allow at best (quoted, measured 2026-11-28 with \
         `scripts/int8_agreement_budget.py`, the PyTorch model above, training seeds 1-15): \
         everything float except the bottleneck features, rounded to 8 bits with a range of \
         their own per channel (each channel's training min..max, the most a per-channel int8 \
         scheme gets; the file reaches it by normalizing the channels) and read by the same \
         float classifier. That alone changes the class of 1.0 of the 330 test rows per seed \
         on average (99.7 %), but 2-3 rows on 5 of the 15 seeds (99.1-99.4 %). At 10 and 16 \
         bits 0.4 and 0.3 rows remain: 22 test rows per seed have a feature beyond its \
         training range and saturate at any precision.\n\n\
         Nor does a short quantization-aware fine-tuning pass help (quoted, measured \
         2026-11-28 with `scripts/qat_agreement.py`: the same PyTorch model, seeds 1-10, an \
         int8 simulation of this project's scheme with plain rounding). Without it the int8 \
         model changes the class of 0.9 test rows per seed (at most 3). Fine-tuned for 2 or 5 \
         epochs with that quantization in the forward pass, it changes 3.0 and 3.2 rows \
         against the original float pipeline (at most 6), and 1.5 and 1.4 against the \
         fine-tuned model's own float pipeline; int8 accuracy stays where it was (0.931 \
         before, 0.932 and 0.930 after). Fine-tuning moves the float model, and with it which \
         rows sit near the boundary; it does not make the rounding smaller. The trainer has \
         no `--qat-epochs` for that reason."
    );
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_line_per_seed_in_order() {
        let text: String = (1..=SEEDS)
            .map(|s| format!("{s} 0.9{s:02} [61]\n"))
            .collect();
        let acc = parse_accuracies("x.py", &text).expect("parses");
        assert_eq!(acc.len(), SEEDS as usize);
        assert!((acc[0] - 0.901).abs() < 1e-12);
        assert!(parse_accuracies("x.py", "1 0.9 3\n3 0.9 3\n").is_err());
        assert!(parse_accuracies("x.py", "1 0.9 3\n").is_err());
        assert!(parse_accuracies("x.py", "1 zero 3\n").is_err());
    }
}
