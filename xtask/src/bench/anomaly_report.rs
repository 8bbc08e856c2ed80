//! BENCHMARKS.md's anomaly section: the AUC table against the references, the levers,
//! and how the int8 scores relate to the float ones.

use std::fmt::Write;

use super::anomaly::{DataSetRun, ISSUE_SEEDS, SEEDS, TEST_FRACTION, mean_of_first};
use super::anomaly_levers::Lever;
use super::anomaly_references::SCRIPT;

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

/// `mean seeds 1-3 | mean seeds 1-10 | min` cells.
fn cells(values: &[f64]) -> String {
    format!(
        "{:.4} | {:.4} | {:.4}",
        mean_of_first(values.iter().copied(), ISSUE_SEEDS),
        mean(values),
        min(values)
    )
}

/// The best reference's name and its mean over the first `seeds` seeds.
fn best_reference(run: &DataSetRun, seeds: u64) -> Option<(&'static str, f64)> {
    let refs = run.references.as_ref().ok()?;
    refs.named()
        .into_iter()
        .map(|(name, v)| (name, mean_of_first(v.iter().copied(), seeds)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Whether our int8 mean over the first `seeds` seeds is at least the best reference's;
/// `None` without references.
pub fn goal_met(run: &DataSetRun, seeds: u64) -> Option<bool> {
    let ours = mean_of_first(run.default.iter().map(|s| s.int8_auc), seeds);
    best_reference(run, seeds).map(|(_, best)| ours >= best)
}

/// The section.
pub fn render(runs: &[DataSetRun]) -> String {
    let mut md = String::from("\n## Anomaly detection on public data\n\n");
    let _ = writeln!(
        md,
        "Two public data sets (`xtask/data/`, see its README), each split by the trainer's \
         `train_test_split` (scikit-learn's, {pct} % test) for seeds 1-{SEEDS}: every model \
         learns the training split's normal rows only and scores every test row; AUC is \
         ROC AUC with the anomalies as positives. Bottleneck's figure is the int8 one: the \
         scores the device computes from the model file `bottleneck train --task anomaly` \
         writes with its defaults (run by the runtime crate). The references are fitted on \
         the very same files in the same run by `{SCRIPT}`: the trainer's autoencoder \
         rebuilt in PyTorch (same widths, BatchNorm, LeakyReLU, Adam, 200 epochs of 16, \
         min-max scaling on the normal rows), scikit-learn's `IsolationForest(random_state=\
         seed)` on the raw rows and `PCA` with as many components as the bottleneck on the \
         scaled rows. A row reproduces with `cargo xtask anomaly-auc --keep DIR` and \
         `bottleneck train --task anomaly --data DIR/<set>_<seed>_train.csv --test-data \
         DIR/<set>_<seed>_test.csv --label-column label --normal-label normal --seed <seed>`.",
        pct = (TEST_FRACTION * 100.0).round(),
    );
    for run in runs {
        let (normal_train, normal_test, anomalous_test) = run.rows;
        let widths: Vec<String> = run.widths.iter().map(|w| w.to_string()).collect();
        let _ = write!(
            md,
            "\n### {}\n\n{}. Autoencoder `{}` and back; seed 1 trains on {normal_train} \
             normal rows and tests {normal_test} normal and {anomalous_test} anomalous \
             ones.\n\n\
             | model | AUC mean, seeds 1-{ISSUE_SEEDS} | AUC mean, seeds 1-{SEEDS} | worst seed |\n\
             |---|---|---|---|\n",
            run.set.name,
            run.set.about,
            widths.join(" -> "),
        );
        let int8: Vec<f64> = run.default.iter().map(|s| s.int8_auc).collect();
        let float: Vec<f64> = run.default.iter().map(|s| s.float_auc).collect();
        let _ = writeln!(
            md,
            "| **Bottleneck, int8 (model file, device integers)** | {} |",
            cells(&int8)
        );
        let _ = writeln!(md, "| Bottleneck, float | {} |", cells(&float));
        match &run.references {
            Ok(refs) => {
                for (name, v) in refs.named() {
                    let _ = writeln!(md, "| {name} ({}) | {} |", refs.versions, cells(v));
                }
            }
            Err(why) => {
                let _ = writeln!(md, "| PyTorch, isolation forest, PCA | {why} | | |");
            }
        }
        md.push('\n');
        for seeds in [ISSUE_SEEDS, SEEDS] {
            let ours = mean_of_first(int8.iter().copied(), seeds);
            match best_reference(run, seeds) {
                Some((name, best)) => {
                    let _ = writeln!(
                        md,
                        "- Goal, seeds 1-{seeds}: int8 AUC {ours:.4} at least the best \
                         reference's ({name}, {best:.4}): {}.",
                        if ours >= best {
                            "**met**"
                        } else {
                            "**not met**"
                        }
                    );
                }
                None => {
                    let _ = writeln!(
                        md,
                        "- Goal, seeds 1-{seeds}: **not measured** (no references on this machine)."
                    );
                }
            }
        }
        if let Some(line) = paired(run, &int8) {
            md.push_str(&line);
        }
        let spearman: Vec<f64> = run.default.iter().map(|s| s.spearman).collect();
        let pearson: Vec<f64> = run.default.iter().map(|s| s.pearson).collect();
        let _ = writeln!(
            md,
            "- int8 against float scores: Spearman {:.4} to {:.4}, Pearson {:.4} to {:.4}.",
            min(&spearman),
            spearman.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            min(&pearson),
            pearson.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
    }
    md.push_str(&render_levers(runs));
    md.push_str(
        "\nThe threshold follows the int8 scores' ranks. It is a quantile (default 0.99) of \
         the normal training rows' int8 scores, the very integers the device computes, so \
         it depends only on how those integers order the rows: the Spearman correlation \
         with the float scores is what carries the float model's ranking to the device, \
         and it stays near 1. The Pearson correlation is lower because the int8 score is \
         not a linear function of the float one (the reconstruction is rounded to the \
         input's int8 grid, so small errors vanish or become whole steps and large ones \
         saturate at the grid's ends); a threshold set on the float scale and converted \
         (`--threshold`) would inherit that non-linearity, which is why the default is a \
         quantile of the integers themselves.\n",
    );
    md
}

/// Per seed, our int8 AUC minus the best reference's (over every seed): mean, standard
/// error and how many seeds are at or above, since a mean over few seeds moves by more
/// than the gaps between the models.
fn paired(run: &DataSetRun, int8: &[f64]) -> Option<String> {
    let (name, _) = best_reference(run, SEEDS)?;
    let refs = run.references.as_ref().ok()?;
    let (_, theirs) = refs.named().into_iter().find(|(n, _)| *n == name)?;
    let d: Vec<f64> = int8.iter().zip(theirs).map(|(a, b)| a - b).collect();
    let m = mean(&d);
    let n = d.len() as f64;
    let se = (d.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0).max(1.0) / n).sqrt();
    Some(format!(
        "- Per seed, int8 minus {name}: mean {m:+.4}, standard error {se:.4}; at or above it \
         on {} of {} seeds.\n",
        d.iter().filter(|&&x| x >= 0.0).count(),
        d.len()
    ))
}

/// The levers' table: each lever's int8 AUC over every seed, beside the default's.
fn render_levers(runs: &[DataSetRun]) -> String {
    let mut md = format!(
        "\n### Levers\n\nEach lever's mean AUC over seeds 1-{SEEDS} on the same splits, and \
         its difference from the baseline it changes: the default model file for the \
         retrained levers, the int8 reference at the file's headroom for the ones that \
         rescore the default model's integers (the trainer's reference quantizer, which \
         fits every layer on the normal rows at once rather than layer by layer as the file \
         does, so its AUC differs a little from the file's).\n\n| lever |"
    );
    for run in runs {
        let _ = write!(
            md,
            " {0} int8 | {0} float | {0} int8 change |",
            run.set.name
        );
    }
    md.push_str("\n|---|");
    for _ in runs {
        md.push_str("---|---|---|");
    }
    md.push_str("\n| default model file |");
    for run in runs {
        let int8: Vec<f64> = run.default.iter().map(|s| s.int8_auc).collect();
        let float: Vec<f64> = run.default.iter().map(|s| s.float_auc).collect();
        let _ = write!(md, " {:.4} | {:.4} | |", mean(&int8), mean(&float));
    }
    md.push('\n');
    let Some(first) = runs.first() else {
        return md;
    };
    for (lever, _) in &first.levers {
        let _ = write!(md, "| {} |", lever.describe());
        for run in runs {
            let Some((_, scores)) = run.levers.iter().find(|(l, _)| l == lever) else {
                md.push_str(" | | |");
                continue;
            };
            let int8: Vec<f64> = scores.iter().map(|s| s.int8_auc).collect();
            let float: Vec<f64> = scores.iter().map(|s| s.float_auc).collect();
            let base = baseline(run, lever);
            let _ = write!(
                md,
                " {:.4} | {:.4} | {} |",
                mean(&int8),
                mean(&float),
                if *lever == Lever::Headroom(0.5) {
                    "(baseline)".to_string()
                } else {
                    format!("{:+.4}", mean(&int8) - base)
                }
            );
        }
        md.push('\n');
    }
    if let Some((_, scores)) = first
        .levers
        .iter()
        .find(|(l, _)| *l == Lever::EarlyStopping)
    {
        let epochs: Vec<String> = runs
            .iter()
            .filter_map(|r| {
                let (_, s) = r.levers.iter().find(|(l, _)| *l == Lever::EarlyStopping)?;
                let e: Vec<usize> = s.iter().filter_map(|s| s.epochs).collect();
                Some(format!(
                    "{} {}-{}",
                    r.set.name,
                    e.iter().min().unwrap_or(&0),
                    e.iter().max().unwrap_or(&0)
                ))
            })
            .collect();
        let _ = writeln!(
            md,
            "\nEarly stopping ended after these epochs (over {} seeds): {}.",
            scores.len(),
            epochs.join("; ")
        );
    }
    md
}

/// The int8 AUC a lever is compared with.
fn baseline(run: &DataSetRun, lever: &Lever) -> f64 {
    let of = |wanted: Lever| {
        run.levers
            .iter()
            .find(|(l, _)| *l == wanted)
            .map(|(_, s)| mean(&s.iter().map(|s| s.int8_auc).collect::<Vec<_>>()))
            .unwrap_or(f64::NAN)
    };
    if lever.retrains() {
        mean(&run.default.iter().map(|s| s.int8_auc).collect::<Vec<_>>())
    } else {
        of(Lever::Headroom(0.5))
    }
}
