//! Anomaly detection on real data: the Wisconsin breast-cancer set (`xtask/data`),
//! benign rows as normal, malignant as anomalies. The autoencoder is trained on benign
//! rows only and scored by reconstruction error, in float and on the device's integers
//! (the model file `--task anomaly` writes, run by the runtime crate), beside a PCA
//! reconstruction baseline with as many components as the bottleneck.

use bottleneck_trainer::classifier::ScaledRows;
use bottleneck_trainer::data::{Dataset, read_csv};
use bottleneck_trainer::model::AutoencoderConfig;
use bottleneck_trainer::quant::anomaly::{QuantizedAutoencoder, mse_scores, roc_auc, spearman};
use bottleneck_trainer::quant::fold::forward_all;
use bottleneck_trainer::quant::params::Affine;
use bottleneck_trainer::quant::{
    Detector, ExportInputs, Threshold, export_model, fold_decoder, fold_encoder,
};
use bottleneck_trainer::scaler::MinMaxScaler;
use bottleneck_trainer::training::{TrainingConfig, train_autoencoder};
use ndarray::{Array2, Axis};

use super::pca::Pca;

/// The data file, relative to the xtask crate.
pub const DATA: &str = "data/breast_cancer.csv";

/// The rows of one run: benign rows split 7 of every 10 (in file order) for training,
/// the other benign rows and every malignant row for testing.
#[derive(Debug, Clone)]
pub struct Split {
    /// Training rows (benign), unscaled.
    pub train: Array2<f32>,
    /// Test rows, unscaled: the benign ones first.
    pub test: Array2<f32>,
    /// Per test row, whether it is malignant.
    pub anomalous: Vec<bool>,
}

/// Reads the data set and splits it (deterministically: no random state to reproduce).
pub fn split() -> Result<Split, String> {
    let path = crate::workspace_root().join("xtask").join(DATA);
    let data = read_csv(&path, "diagnosis").map_err(|e| e.to_string())?;
    let benign = data
        .labels
        .iter()
        .position(|l| l == "benign")
        .ok_or("no benign rows")?;
    let benign_rows: Vec<usize> = (0..data.n_rows())
        .filter(|&r| data.targets[r] == benign)
        .collect();
    let malignant_rows: Vec<usize> = (0..data.n_rows())
        .filter(|&r| data.targets[r] != benign)
        .collect();
    // 7 of every 10 benign rows, in file order, train; the others test.
    let train: Vec<usize> = benign_rows
        .iter()
        .enumerate()
        .filter(|(k, _)| k % 10 < 7)
        .map(|(_, &r)| r)
        .collect();
    let mut test: Vec<usize> = benign_rows
        .iter()
        .enumerate()
        .filter(|(k, _)| k % 10 >= 7)
        .map(|(_, &r)| r)
        .collect();
    let n_normal = test.len();
    test.extend(&malignant_rows);
    Ok(Split {
        train: data.features.select(Axis(0), &train),
        test: data.features.select(Axis(0), &test),
        anomalous: (0..test.len()).map(|k| k >= n_normal).collect(),
    })
}

/// How far the widened input range reaches beyond the training rows' [0, 1], on each
/// side, in the scaled space.
pub const HEADROOM: f64 = 0.5;

/// What one run measured.
#[derive(Debug, Clone)]
pub struct AnomalyRun {
    /// Training rows (benign).
    pub train_rows: usize,
    /// Benign test rows.
    pub normal_test_rows: usize,
    /// Malignant test rows.
    pub anomalous_test_rows: usize,
    /// The autoencoder's layer widths, input to bottleneck.
    pub widths: Vec<usize>,
    /// ROC AUC of the float autoencoder's scores.
    pub float_auc: f64,
    /// ROC AUC of the int8 scores of the model file the trainer writes (input range
    /// widened by [`HEADROOM`] on each side), computed by the runtime crate.
    pub int8_auc: f64,
    /// ROC AUC of int8 scores with the input quantized on the training range `[0, 1]`
    /// only (the trainer's reference), to show what the headroom buys.
    pub int8_auc_no_headroom: f64,
    /// Size of the model file.
    pub file_bytes: usize,
    /// ROC AUC of the PCA baseline with as many components as the bottleneck.
    pub pca_auc: f64,
    /// Spearman correlation of the int8 and float scores.
    pub rank_correlation: f64,
}

/// The PCA baseline's AUC with `k` components on `split`, in the min-max scaled space.
pub fn pca_auc(split: &Split, k: usize) -> Option<f64> {
    let scaler = MinMaxScaler::fit(&split.train);
    let train = scaler.transform(&split.train).mapv(f64::from);
    let test = scaler.transform(&split.test).mapv(f64::from);
    roc_auc(
        &Pca::fit(&train, k).reconstruction_errors(&test),
        &split.anomalous,
    )
}

/// Trains the default-shaped autoencoder (`n -> 2n -> n -> b`, LeakyReLU, the trainer's
/// defaults; `bottleneck` None: the default `b = n / 2`) on the benign training rows for
/// `epochs` epochs and measures it.
pub fn run(epochs: usize, bottleneck: Option<usize>) -> Result<AnomalyRun, String> {
    let split = split()?;
    let n = split.train.ncols();
    let scaler = MinMaxScaler::fit(&split.train);
    let train = scaler.transform(&split.train);
    let test = scaler.transform(&split.test);
    let (hidden, bottleneck) = (vec![2 * n, n], bottleneck.unwrap_or(n.div_ceil(2)));
    let config = TrainingConfig::new(AutoencoderConfig::new(n, hidden.clone(), bottleneck))
        .with_epochs(epochs);
    let rows = ScaledRows {
        raw: &split.train,
        scaler: &scaler,
    };
    let (autoencoder, _) =
        train_autoencoder(&config, rows, rows, |_| {}).map_err(|e| e.to_string())?;
    let encoder = fold_encoder(&autoencoder.encoder);
    let decoder = fold_decoder(&autoencoder.decoder);

    let (train, test) = (train.mapv(f64::from), test.mapv(f64::from));
    let float_features = forward_all(&encoder, &test).pop().unwrap_or_default();
    let float_recon = forward_all(&decoder, &float_features)
        .pop()
        .unwrap_or_default();
    let float_scores = mse_scores(&test, &float_recon);
    // With no headroom, test values beyond the training range saturate in the int8
    // input, and with them the very deviation that makes an anomaly.
    let int8 = |headroom: f64| {
        let input = Affine::from_range(-headroom, 1.0 + headroom);
        QuantizedAutoencoder::new(&encoder, &decoder, &train, input)
            .map(|model| model.score_values(&test))
            .map_err(|e| e.to_string())
    };
    let narrow_scores = int8(0.0)?;
    // The model file itself, as `bottleneck train --task anomaly` writes it.
    let dataset = |features: &Array2<f32>| Dataset {
        source: DATA.to_string(),
        feature_names: (0..n).map(|j| format!("x{j}")).collect(),
        features: features.clone(),
        targets: vec![0; features.nrows()],
        labels: vec!["benign".to_string()],
    };
    let (train_set, test_set) = (dataset(&split.train), dataset(&split.test));
    let exported = export_model(&ExportInputs {
        layers: &encoder,
        scaler: &scaler,
        train: &train_set,
        normal_train: None,
        test: &test_set,
        float_classifier: None,
        decoder: Some(Detector {
            layers: &decoder,
            threshold: Threshold::Quantile(0.99),
            anomalous: &split.anomalous,
            normal_label: Some("benign"),
        }),
    })
    .map_err(|e| e.to_string())?;
    let measured = exported.anomaly.ok_or("no anomaly measurements")?;
    let device_scores: Vec<f64> = exported
        .test_scores
        .unwrap_or_default()
        .iter()
        .map(|&(s, _)| s)
        .collect();
    let auc = |s: &[f64]| roc_auc(s, &split.anomalous).ok_or("AUC undefined");
    let mut widths = vec![n];
    widths.extend(&hidden);
    widths.push(bottleneck);
    Ok(AnomalyRun {
        train_rows: split.train.nrows(),
        normal_test_rows: split.anomalous.iter().filter(|&&a| !a).count(),
        anomalous_test_rows: split.anomalous.iter().filter(|&&a| a).count(),
        widths,
        float_auc: auc(&float_scores)?,
        int8_auc: measured.auc_int8.ok_or("AUC undefined")?,
        int8_auc_no_headroom: auc(&narrow_scores)?,
        file_bytes: exported.bytes.len(),
        pca_auc: pca_auc(&split, bottleneck).ok_or("AUC undefined")?,
        rank_correlation: spearman(&float_scores, &device_scores),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The split and the PCA baseline reproduce scikit-learn's figure for the same rows
    /// (xtask/data/README.md: `PCA(n_components=15)`, min-max scaled on the training rows,
    /// AUC 0.9396226415; the CSV's values are read as f32 here, so ranks may move a hair).
    #[test]
    fn pca_baseline_matches_scikit_learn() {
        let split = split().expect("data");
        assert_eq!((split.train.nrows(), split.test.nrows()), (252, 317));
        let auc = pca_auc(&split, 15).expect("both groups");
        assert!((auc - 0.939_622_641_5).abs() < 1e-3, "{auc}");
    }
}
