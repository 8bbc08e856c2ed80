//! How well reconstruction error separates anomalies: the metrics of `--task anomaly`
//! and `--task both` reports and of `eval` on such models, computed from the integer
//! scores the device produces (and, when the float model is at hand, from its scores).

use serde::{Deserialize, Serialize};

/// Anomaly detection measured on labelled rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyMetrics {
    /// The label of normal rows (`None`: unlabelled data, every row normal).
    pub normal_label: Option<String>,
    /// Rows scored that are normal.
    pub normal_rows: usize,
    /// Rows scored that are anomalies (any label but the normal one).
    pub anomalous_rows: usize,
    /// The model's integer threshold.
    pub threshold: u32,
    /// The threshold as a mean squared reconstruction error (scaled inputs).
    pub threshold_mse: f64,
    /// ROC AUC of the float model's scores (absent from `eval`, which has only the file),
    /// `None` when undefined.
    pub auc_float: Option<f64>,
    /// ROC AUC of the int8 scores the device computes; `None` when undefined.
    pub auc_int8: Option<f64>,
    /// Why the AUC is undefined, if it is.
    pub auc_note: Option<String>,
    /// Of the rows flagged (score above the threshold), the fraction that are anomalies
    /// (0 when none is flagged, as scikit-learn's `zero_division=0`).
    pub precision: f64,
    /// Of the anomalies, the fraction flagged (0 when there are none).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Of the normal rows, the fraction flagged (false positive rate).
    pub flagged_normal_rate: f64,
    /// Spearman rank correlation of the int8 and the float scores (how alike they order
    /// the rows), when the float scores are known.
    pub score_spearman: Option<f64>,
    /// Pearson correlation of the int8 and the float score values.
    pub score_pearson: Option<f64>,
}

/// The metrics of int8 scores `scores` (one unit is `score_scale` of mean squared error)
/// against `anomalous`, the verdict being `score > threshold`; `float` are the float
/// model's scores of the same rows, if known.
pub fn anomaly_metrics(
    scores: &[u32],
    score_scale: f64,
    float: Option<&[f64]>,
    anomalous: &[bool],
    threshold: u32,
    normal_label: Option<&str>,
) -> AnomalyMetrics {
    let values: Vec<f64> = scores.iter().map(|&s| f64::from(s) * score_scale).collect();
    let anomalies = anomalous.iter().filter(|&&a| a).count();
    let normal = anomalous.len() - anomalies;
    let flagged: Vec<bool> = scores.iter().map(|&s| s > threshold).collect();
    let count = |want_flag: bool, want_anomaly: bool| {
        flagged
            .iter()
            .zip(anomalous)
            .filter(|&(&f, &a)| f == want_flag && a == want_anomaly)
            .count()
    };
    let (tp, fp, fn_) = (count(true, true), count(true, false), count(false, true));
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fn_);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    let auc_note = match (normal, anomalies) {
        (_, 0) => Some("undefined: no anomalous rows to tell apart".to_string()),
        (0, _) => Some("undefined: no normal rows to tell apart".to_string()),
        _ => None,
    };
    AnomalyMetrics {
        normal_label: normal_label.map(str::to_string),
        normal_rows: normal,
        anomalous_rows: anomalies,
        threshold,
        threshold_mse: f64::from(threshold) * score_scale,
        auc_float: float.and_then(|f| roc_auc(f, anomalous)),
        auc_int8: roc_auc(&values, anomalous),
        auc_note,
        precision,
        recall,
        f1,
        flagged_normal_rate: ratio(fp, normal),
        score_spearman: float.filter(|f| f.len() > 1).map(|f| spearman(&values, f)),
        score_pearson: float.filter(|f| f.len() > 1).map(|f| pearson(&values, f)),
    }
}

fn or_note(v: Option<f64>, note: &Option<String>) -> String {
    match v {
        Some(v) => format!("{v:.4}"),
        None => note.clone().unwrap_or_else(|| "—".to_string()),
    }
}

impl AnomalyMetrics {
    /// The metrics as a Markdown section.
    pub fn to_markdown(&self, heading: &str) -> String {
        let opt = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.4}"));
        format!(
            "## {heading}\n\n\
             | | |\n|---|---|\n\
             | normal label | {} |\n\
             | rows scored | {} normal, {} anomalous |\n\
             | threshold | integer score {} (mean squared error {:.6}) |\n\
             | ROC AUC, float model | {} |\n\
             | ROC AUC, int8 (device) | {} |\n\
             | precision / recall / F1 at the threshold | {:.3} / {:.3} / {:.3} |\n\
             | normal rows flagged | {:.1} % |\n\
             | int8 vs float score correlation (Spearman / Pearson) | {} / {} |\n\n",
            match (self.normal_label.as_deref(), self.anomalous_rows) {
                (Some(l), _) => format!("`{l}`"),
                (None, 0) => "none (unlabelled: every row normal)".to_string(),
                (None, _) =>
                    "none: every training label is normal, any other label an anomaly".to_string(),
            },
            self.normal_rows,
            self.anomalous_rows,
            self.threshold,
            self.threshold_mse,
            if self.auc_float.is_none() && self.auc_note.is_none() {
                "—".to_string()
            } else {
                or_note(self.auc_float, &self.auc_note)
            },
            or_note(self.auc_int8, &self.auc_note),
            self.precision,
            self.recall,
            self.f1,
            100.0 * self.flagged_normal_rate,
            opt(self.score_spearman),
            opt(self.score_pearson),
        )
    }
}

/// Area under the ROC curve of `scores` for telling `anomalous` rows from the others
/// (higher score = more anomalous), with tied scores counted half; `None` when either
/// group is empty, where the AUC is undefined.
pub fn roc_auc(scores: &[f64], anomalous: &[bool]) -> Option<f64> {
    let positives = anomalous.iter().filter(|&&a| a).count();
    let negatives = anomalous.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len().min(anomalous.len())).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Mann-Whitney: the rank sum of the anomalies, ties given their average rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += average_rank * order[i..=j].iter().filter(|&&k| anomalous[k]).count() as f64;
        i = j + 1;
    }
    let p = positives as f64;
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}

/// Average ranks of `v` (ties share their mean rank), for rank correlations.
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        for &k in &order[i..=j] {
            r[k] = (i + j) as f64 / 2.0;
        }
        i = j + 1;
    }
    r
}

/// Pearson's correlation of two equally long lists of scores.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().max(1) as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma) * (x - ma)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb) * (y - mb)).sum();
    cov / (va * vb).sqrt()
}

/// Spearman's rank correlation: how alike two scores order the same rows.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_recall_and_auc_of_a_small_case() {
        // Threshold 5: rows 2 and 3 flagged; row 2 is an anomaly, row 3 is not.
        let m = anomaly_metrics(
            &[1, 4, 9, 7, 2],
            0.5,
            Some(&[0.1, 0.3, 0.9, 0.4, 0.2]),
            &[false, true, true, false, false],
            5,
            Some("ok"),
        );
        assert_eq!((m.normal_rows, m.anomalous_rows), (3, 2));
        assert_eq!((m.precision, m.recall), (0.5, 0.5));
        assert_eq!(m.f1, 0.5);
        assert!((m.flagged_normal_rate - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(m.threshold_mse, 2.5);
        // int8 ranks: anomalies 4 and 9 against 1, 7, 2: 4 beats 2 of 3, 9 all 3.
        assert_eq!(m.auc_int8, Some(5.0 / 6.0));
        assert_eq!(m.auc_float, Some(5.0 / 6.0));
        assert!(m.auc_note.is_none());
    }

    #[test]
    fn no_anomalies_leaves_the_auc_undefined_but_reports_the_rest() {
        let m = anomaly_metrics(&[1, 9], 1.0, None, &[false, false], 5, None);
        assert_eq!(m.auc_int8, None);
        assert!(
            m.auc_note
                .as_deref()
                .is_some_and(|n| n.contains("no anomalous rows"))
        );
        assert_eq!(
            (m.precision, m.recall, m.flagged_normal_rate),
            (0.0, 0.0, 0.5)
        );
        assert!(m.to_markdown("x").contains("undefined"));
    }

    #[test]
    fn auc_of_known_orderings() {
        // Perfect, inverted, all tied, and one swapped pair of four.
        assert_eq!(roc_auc(&[1.0, 2.0], &[false, true]), Some(1.0));
        assert_eq!(roc_auc(&[2.0, 1.0], &[false, true]), Some(0.0));
        assert_eq!(roc_auc(&[1.0, 1.0, 1.0], &[false, true, true]), Some(0.5));
        assert_eq!(
            roc_auc(&[1.0, 3.0, 2.0, 4.0], &[false, false, true, true]),
            Some(0.75)
        );
        assert_eq!(roc_auc(&[1.0, 2.0], &[false, false]), None);
    }

    #[test]
    fn correlations_of_known_lists() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), [2.5, 0.0, 2.5, 1.0]);
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-12);
        // Monotone but not linear: Spearman 1, Pearson below it.
        let (a, b) = ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 100.0]);
        assert!((spearman(&a, &b) - 1.0).abs() < 1e-12);
        assert!(pearson(&a, &b) < 0.9);
    }
}
