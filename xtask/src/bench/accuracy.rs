//! Accuracy on the tutorial's data over training seeds 1-5 (issue 14), from
//! `bottleneck train --repeats 5`, beside the Keras and PyTorch figures the issue measured.

use std::fmt::Write;
use std::path::Path;
use std::process::Command;

use bottleneck_trainer::repeats::Repeats;
use bottleneck_trainer::report::Report;

/// Training seeds in the table.
pub const SEEDS: u64 = 5;

/// Runs `bottleneck train --repeats 5 -q` (the built-in problem: the tutorial's data and
/// split, default settings) and returns its per-seed figures.
pub fn run(trainer: &Path) -> Result<Repeats, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = Command::new(trainer)
        .args(["train", "--repeats", &SEEDS.to_string(), "-q", "--out"])
        .arg(dir.path())
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

/// The section of BENCHMARKS.md.
pub fn render(r: &Repeats) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "\n## Accuracy on the tutorial's data, training seeds 1-{SEEDS}\n\n\
         `bottleneck train --repeats {SEEDS}`: the built-in problem, which is scikit-learn's \
         `make_classification(n_samples=1000, n_features=100, n_informative=10, \
         n_redundant=90, random_state=1)` split by `train_test_split(test_size=0.33, \
         random_state=1)` bit for bit, default settings, training seeds 1 to {SEEDS}. \
         Test split: 330 rows (one row is 0.3 points).\n\n\
         | | seed 1 | 2 | 3 | 4 | 5 | mean | min |\n|---|---|---|---|---|---|---|---|"
    );
    let rows: [(&str, Figure); 4] = [
        ("logistic regression, raw features", |x| x.raw_features),
        ("LR on float bottleneck features", |x| x.bottleneck_features),
        ("LR on int8 device features", |x| x.device),
        ("float vs int8 class agreement", |x| x.float_int8_agreement),
    ];
    let spreads = [
        r.raw_features,
        r.bottleneck_features,
        r.device,
        r.float_int8_agreement,
    ];
    for ((name, get), spread) in rows.iter().zip(spreads) {
        let mut line = format!("| {name} |");
        for run in &r.runs {
            line += &format!(" {} |", cell(get(run)));
        }
        line += &format!(
            " **{}** | {} |",
            cell(spread.map(|s| s.mean)),
            cell(spread.map(|s| s.min))
        );
        let _ = writeln!(md, "{line}");
    }
    let _ = writeln!(
        md,
        "| *reference (issue 14):* Keras (the tutorial's script), seeds 1-5 | | | | | | 0.936 | 0.918 |\n\
         | *reference (issue 14):* PyTorch, same architecture and Keras defaults | | | | | | 0.935 | 0.924 |\n\
         | *reference, this machine:* Keras 3.15 on its torch backend (`scripts/keras_tutorial.py`) | 0.933 | 0.912 | 0.921 | 0.939 | 0.936 | 0.929 | 0.912 |\n\
         | *reference, this machine:* PyTorch 2.15 (`scripts/pytorch_tutorial_accuracy.py`) | 0.927 | 0.918 | 0.933 | 0.927 | 0.939 | 0.929 | 0.918 |\n\
         | *reference, this machine:* Keras 3.15 on TensorFlow 2.21 (`KERAS_BACKEND=tensorflow scripts/keras_tutorial.py`) | 0.918 | 0.942 | 0.939 | 0.949 | 0.930 | 0.936 | 0.918 |\n\n\
         The reference rows are quoted, not rerun by this benchmark: the first two from issue 14 \
         (measured elsewhere on the same data), the last three measured on this machine on \
         2026-11-27 with the scripts named (LR on the float bottleneck features, scikit-learn's \
         `LogisticRegression()`). scikit-learn's raw-feature figure is 0.894. The tutorial's \
         own script gives the issue's 0.936 on the TensorFlow backend and 0.929 on the torch \
         backend: the same code, other random streams. Over training seeds 1-15 (also \
         2026-11-27, quoted) Keras on TensorFlow averages 0.928 (0.915-0.949) and \
         `bottleneck train --repeats 15` 0.932 (0.903-0.955) for the float features, 0.930 \
         for the int8 model, with float-vs-int8 agreement 99.4 % on average (98.5-100 %) and \
         one seed (9) 1.2 points below its float: with a seed-to-seed spread of 1.0-1.3 \
         points, five seeds' mean moves by about half a point with the random streams alone.\n"
    );
    let float = r.bottleneck_features;
    let int8 = r.device;
    let agreement = r.float_int8_agreement;
    let worst_drop = r
        .runs
        .iter()
        .filter_map(|x| Some(x.bottleneck_features? - x.device?))
        .fold(f64::NEG_INFINITY, f64::max);
    let (f_mean, f_min) = float.map_or((f64::NAN, f64::NAN), |s| (s.mean, s.min));
    let i_mean = int8.map_or(f64::NAN, |s| s.mean);
    let (a_mean, a_min) = agreement.map_or((f64::NAN, f64::NAN), |s| (s.mean, s.min));
    let _ = writeln!(
        md,
        "| goal (issue 14) | measured | |\n|---|---|---|\n\
         | raw-feature LR is scikit-learn's 0.894 on every seed | {} | {} |\n\
         | float mean >= 0.936 | {f_mean:.3} | {} |\n\
         | no float seed below 0.918 | min {f_min:.3} | {} |\n\
         | int8 mean at most 0.3 points below the float mean | {:+.1} points | {} |\n\
         | no seed's int8 more than 1 point below its float | worst {:.1} points below | {} |\n\
         | float vs int8 class agreement >= 99.5 %, over the five seeds | mean {:.1} % | {} |\n\
         | float vs int8 class agreement >= 99.5 % on every seed | min {:.1} % | {} |",
        r.raw_features
            .map_or("-".into(), |s| format!("{:.3}-{:.3}", s.min, s.max)),
        yes(r
            .raw_features
            .is_some_and(|s| (s.min - 0.894).abs() < 5e-4 && (s.max - 0.894).abs() < 5e-4)),
        yes(f_mean >= 0.936),
        yes(f_min >= 0.918),
        100.0 * (i_mean - f_mean),
        yes(i_mean >= f_mean - 0.003),
        100.0 * worst_drop,
        yes(worst_drop <= 0.01),
        100.0 * a_mean,
        yes(a_mean >= 0.995),
        100.0 * a_min,
        yes(a_min >= 0.995),
    );
    let _ = writeln!(
        md,
        "\nWhat the every-seed agreement asks of int8 features (quoted, measured 2026-11-28 \
         with `scripts/int8_agreement_budget.py`, the PyTorch model above, training seeds \
         1-15): everything float except the bottleneck features, rounded to 8 bits with a \
         range of their own per channel (each channel's training min..max, the most a \
         per-channel int8 scheme gets; the file reaches it by normalizing the channels) and \
         read by the same float classifier. That alone changes the class of 1.0 of the 330 \
         test rows per seed on average (99.7 %), but 2-3 rows on 5 of the 15 seeds (99.1-99.4 \
         %). At 10 and 16 bits 0.4 and 0.3 rows remain (at most 2 and 1): 22 test rows per \
         seed have a feature beyond its training range and saturate at any precision. So one \
         flip per seed is below what rounding the features to int8 costs by itself, before \
         any weight or hidden layer is quantized. The PyTorch model's float accuracy over \
         those 15 seeds: 0.931 (0.915-0.945).\n\n\
         Nor does a short quantization-aware fine-tuning pass close the gap (the issue's \
         `--qat-epochs` route; quoted, measured 2026-11-28 with `scripts/qat_agreement.py`: \
         the same PyTorch model, seeds 1-10, an int8 simulation of this project's scheme with \
         plain rounding). Without it the int8 model changes the class of 0.9 test rows per \
         seed (at most 3). Fine-tuned for 2 or 5 epochs with that quantization in the forward \
         pass, it changes 3.0 and 3.2 rows against the original float pipeline (at most 6), \
         and 1.5 and 1.4 against the fine-tuned model's own float pipeline (at most 3 and 4); \
         int8 accuracy stays where it was (0.931 before, 0.932 and 0.930 after). Fine-tuning \
         moves the float model, and with it which rows sit near the boundary; it does not \
         make the rounding smaller. The trainer has no `--qat-epochs` for that reason."
    );
    md
}
