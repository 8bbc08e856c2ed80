//! `bottleneck train --repeats N`: the same data and split trained with N seeds, every
//! accuracy's spread.
//!
//! On the tutorial's 330 test rows one row is 0.3 points and the training seed moves the
//! results by 2-3 points, so one run says little. Run `k` trains with seed `seed + k`; the
//! data, its generator and the split keep `--seed`. The artefacts are those of the first
//! run (seed `seed`): it is what a single run with the same flags writes, and choosing by a
//! test-split figure would overstate it.

use serde::{Deserialize, Serialize};

use crate::report::Report;

/// One run's figures (those that apply to its task).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatRun {
    /// The training seed.
    pub seed: u64,
    /// Logistic regression on the raw features, test split.
    pub raw_features: Option<f64>,
    /// Logistic regression on the float bottleneck features, test split.
    pub bottleneck_features: Option<f64>,
    /// The int8 model (device path), test split.
    pub device: Option<f64>,
    /// How often the int8 model's class equals the float pipeline's.
    pub float_int8_agreement: Option<f64>,
    /// ROC AUC of the float model's anomaly scores.
    pub auc_float: Option<f64>,
    /// ROC AUC of the int8 model's anomaly scores.
    pub auc_int8: Option<f64>,
}

impl RepeatRun {
    /// The figures of one run's report.
    pub fn from_report(seed: u64, report: &Report) -> RepeatRun {
        RepeatRun {
            seed,
            raw_features: report.accuracy.as_ref().map(|a| a.raw_features),
            bottleneck_features: report.accuracy.as_ref().map(|a| a.bottleneck_features),
            device: report.device.as_ref().map(|d| d.device_accuracy),
            float_int8_agreement: report.device.as_ref().map(|d| d.float_pipeline_agreement),
            auc_float: report.anomaly.as_ref().and_then(|a| a.auc_float),
            auc_int8: report.anomaly.as_ref().and_then(|a| a.auc_int8),
        }
    }
}

/// Mean, smallest and largest of one figure over the runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Arithmetic mean.
    pub mean: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
}

impl Spread {
    /// The spread of `values`; `None` when there are none.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Spread> {
        let values: Vec<f64> = values.into_iter().collect();
        if values.is_empty() {
            return None;
        }
        Some(Spread {
            mean: values.iter().sum::<f64>() / values.len() as f64,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

/// Every run and the spread of each figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repeats {
    /// The seed of the run whose model and artefacts were kept (the first).
    pub kept_seed: u64,
    /// The runs, in seed order.
    pub runs: Vec<RepeatRun>,
    /// Raw-feature accuracy.
    pub raw_features: Option<Spread>,
    /// Float bottleneck-feature accuracy.
    pub bottleneck_features: Option<Spread>,
    /// int8 model accuracy.
    pub device: Option<Spread>,
    /// Float vs int8 class agreement.
    pub float_int8_agreement: Option<Spread>,
    /// Float ROC AUC.
    pub auc_float: Option<Spread>,
    /// int8 ROC AUC.
    pub auc_int8: Option<Spread>,
}

impl Repeats {
    /// The summary of `runs` (the first is the kept one).
    pub fn new(runs: Vec<RepeatRun>) -> Repeats {
        let spread = |f: fn(&RepeatRun) -> Option<f64>| Spread::of(runs.iter().filter_map(f));
        Repeats {
            kept_seed: runs.first().map_or(0, |r| r.seed),
            raw_features: spread(|r| r.raw_features),
            bottleneck_features: spread(|r| r.bottleneck_features),
            device: spread(|r| r.device),
            float_int8_agreement: spread(|r| r.float_int8_agreement),
            auc_float: spread(|r| r.auc_float),
            auc_int8: spread(|r| r.auc_int8),
            runs,
        }
    }

    /// The figures that apply, as (name, per-run getter, spread).
    #[allow(clippy::type_complexity)]
    fn columns(&self) -> Vec<(&'static str, fn(&RepeatRun) -> Option<f64>, Spread)> {
        let all: [(&'static str, fn(&RepeatRun) -> Option<f64>, Option<Spread>); 6] = [
            ("LR raw features", |r| r.raw_features, self.raw_features),
            (
                "LR float bottleneck",
                |r| r.bottleneck_features,
                self.bottleneck_features,
            ),
            ("int8 model", |r| r.device, self.device),
            (
                "float-int8 agreement",
                |r| r.float_int8_agreement,
                self.float_int8_agreement,
            ),
            ("AUC float", |r| r.auc_float, self.auc_float),
            ("AUC int8", |r| r.auc_int8, self.auc_int8),
        ];
        all.into_iter()
            .filter_map(|(name, get, spread)| spread.map(|s| (name, get, s)))
            .collect()
    }

    /// The per-seed table with mean, min and max rows, in Markdown.
    pub fn to_markdown(&self) -> String {
        let columns = self.columns();
        if columns.is_empty() {
            return format!(
                "## {} training seeds\n\nSeeds {} to {}: no test-split accuracy or AUC \
                 applies to this task and data; the files are the first run's.\n\n",
                self.runs.len(),
                self.runs.first().map_or(0, |r| r.seed),
                self.runs.last().map_or(0, |r| r.seed),
            );
        }
        let mut md = format!(
            "## {} training seeds (test split)\n\n\
             Same data and split, seeds {} to {}; the model file and the sections above are \
             the first run's (seed {}).\n\n| seed |",
            self.runs.len(),
            self.runs.first().map_or(0, |r| r.seed),
            self.runs.last().map_or(0, |r| r.seed),
            self.kept_seed
        );
        for (name, _, _) in &columns {
            md += &format!(" {name} |");
        }
        md += "\n|---|";
        md += &"---|".repeat(columns.len());
        md += "\n";
        for run in &self.runs {
            md += &format!("| {} |", run.seed);
            for (_, get, _) in &columns {
                md += &get(run).map_or(" - |".to_string(), |v| format!(" {v:.3} |"));
            }
            md += "\n";
        }
        for (label, pick) in [
            ("mean", (|s: &Spread| s.mean) as fn(&Spread) -> f64),
            ("min", |s| s.min),
            ("max", |s| s.max),
        ] {
            md += &format!("| **{label}** |");
            for (_, _, spread) in &columns {
                md += &format!(" **{:.3}** |", pick(spread));
            }
            md += "\n";
        }
        md + "\n"
    }

    /// The series to plot: (name, per-run values).
    pub fn series(&self) -> Vec<(&'static str, Vec<(u64, f64)>)> {
        self.columns()
            .into_iter()
            .filter(|(name, _, _)| !name.starts_with("float-int8"))
            .map(|(name, get, _)| {
                let points = self
                    .runs
                    .iter()
                    .filter_map(|r| get(r).map(|v| (r.seed, v)))
                    .collect();
                (name, points)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seed: u64, bottleneck: f64, device: f64) -> RepeatRun {
        RepeatRun {
            seed,
            raw_features: Some(0.894),
            bottleneck_features: Some(bottleneck),
            device: Some(device),
            float_int8_agreement: Some(0.99),
            auc_float: None,
            auc_int8: None,
        }
    }

    #[test]
    fn spreads_and_table() {
        let r = Repeats::new(vec![run(1, 0.9, 0.8), run(2, 0.7, 0.6), run(3, 0.8, 1.0)]);
        let b = r.bottleneck_features.expect("spread");
        assert!((b.mean - 0.8).abs() < 1e-12 && b.min == 0.7 && b.max == 0.9);
        assert_eq!(r.kept_seed, 1);
        assert!(r.auc_float.is_none());
        let md = r.to_markdown();
        assert!(md.contains("| 2 | 0.894 | 0.700 | 0.600 | 0.990 |"), "{md}");
        assert!(
            md.contains("| **min** | **0.894** | **0.700** | **0.600** | **0.990** |"),
            "{md}"
        );
        assert!(!md.contains("AUC"), "{md}");
        assert_eq!(r.series().len(), 3);
    }
}
