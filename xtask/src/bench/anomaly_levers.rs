//! The levers issue 25 names for the anomaly detector's AUC, each measured on the same
//! splits as the default model file: the input's int8 range (headroom), a per-feature
//! weighted reconstruction error, training length and widths, and early stopping on a
//! validation split of the normal rows.

use std::path::Path;

use bottleneck_trainer::data::write_csv;
use bottleneck_trainer::pipeline::{Pipeline, RunConfig, anomalous_rows, default_bottleneck};
use bottleneck_trainer::quant::anomaly::{QuantizedAutoencoder, mse_scores, roc_auc};
use bottleneck_trainer::quant::fold::forward_all;
use bottleneck_trainer::quant::params::Affine;
use bottleneck_trainer::quant::stack::run_int8;
use bottleneck_trainer::quant::{fold_decoder, fold_encoder};
use ndarray::{Array2, Axis};

use super::anomaly::{SplitFiles, config, train};

/// Epochs an early-stopped run may take at most (the trainer's default).
pub const MAX_EPOCHS: usize = 200;

/// Epochs without a better validation loss before early stopping ends training.
pub const PATIENCE: usize = 20;

/// One normal training row in `VALIDATION_EVERY` is held out for early stopping.
pub const VALIDATION_EVERY: usize = 10;

/// A change to the default anomaly model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lever {
    /// The trainer's int8 reference (not the file) with the input quantized on
    /// `[-h, 1 + h]` of the scaled training range; the file uses h = 0.5.
    Headroom(f64),
    /// The h = 0.5 reference scored by a per-feature weighted error: integer weights
    /// (1 to 255) inversely proportional to each feature's mean squared int8 error on the
    /// normal training rows.
    WeightedError,
    /// [`Lever::WeightedError`] with softer weights: inversely proportional to each
    /// feature's mean squared int8 error plus the mean over features, so no feature
    /// weighs more than twice the average one.
    SoftWeightedError,
    /// The model file trained for this many epochs instead of 200.
    Epochs(usize),
    /// The model file with one hidden layer of `n` instead of `2n, n`.
    OneHiddenLayer,
    /// The model file with a bottleneck of `round(n / 4)` instead of `round(n / 2)`.
    QuarterBottleneck,
    /// The model file trained on 9 of every 10 normal training rows until the 10th's loss
    /// stopped improving for [`PATIENCE`] epochs (at most [`MAX_EPOCHS`]), at its best
    /// epoch (Keras' `EarlyStopping(patience=20, restore_best_weights=True)`).
    EarlyStopping,
}

impl Lever {
    /// The lever as a table row names it.
    pub fn describe(&self) -> String {
        match self {
            Lever::Headroom(h) if *h == 0.0 => {
                "int8 reference, input on [0, 1] (no headroom)".to_string()
            }
            Lever::Headroom(h) => format!("int8 reference, input on [-{h}, {}]", 1.0 + h),
            Lever::WeightedError => {
                "per-feature weighted error (int8 reference, input on [-0.5, 1.5])".to_string()
            }
            Lever::SoftWeightedError => {
                "per-feature weighted error, soft weights 1 / (error + mean error) (float weights \
                 on the int8 errors)"
                    .to_string()
            }
            Lever::Epochs(e) => format!("{e} epochs"),
            Lever::OneHiddenLayer => "one hidden layer of n (n -> n -> b)".to_string(),
            Lever::QuarterBottleneck => "bottleneck round(n / 4)".to_string(),
            Lever::EarlyStopping => format!(
                "early stopping (1 in {VALIDATION_EVERY} normal rows held out, patience \
                 {PATIENCE}, at most {MAX_EPOCHS} epochs)"
            ),
        }
    }

    /// Whether the lever changes training (and is measured on a model file) rather than
    /// the integer scoring of the default model.
    pub fn retrains(&self) -> bool {
        !matches!(
            self,
            Lever::Headroom(_) | Lever::WeightedError | Lever::SoftWeightedError
        )
    }
}

/// What a lever measured on one split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeverScores {
    /// AUC of the int8 scores.
    pub int8_auc: f64,
    /// AUC of the float scores (the same weights, for the weighted error).
    pub float_auc: f64,
    /// Epochs trained, for early stopping.
    pub epochs: Option<usize>,
}

/// The epoch (1-based) early stopping keeps: the best validation loss up to the first
/// epoch that is `patience` epochs past it.
pub fn early_stop(valid_loss: &[f64], patience: usize) -> usize {
    let mut best = 0;
    for (e, &loss) in valid_loss.iter().enumerate() {
        if loss < valid_loss[best] {
            best = e;
        } else if e - best >= patience {
            break;
        }
    }
    best + 1
}

/// Per-feature integer weights from the mean squared errors `mse` of the normal rows:
/// `round(64 × mean / mse_i)`, within 1 to 255, so a feature the autoencoder reconstructs
/// well weighs more and a noisy one less.
pub fn feature_weights(mse: &[f64]) -> Vec<u64> {
    let mean = mse.iter().sum::<f64>() / mse.len().max(1) as f64;
    mse.iter()
        .map(|&m| (64.0 * mean / m.max(1e-12)).round().clamp(1.0, 255.0) as u64)
        .collect()
}

fn auc(scores: &[f64], anomalous: &[bool]) -> Result<f64, String> {
    roc_auc(scores, anomalous).ok_or_else(|| "AUC undefined".to_string())
}

/// Every lever on the split `files` whose default model is `pipeline`.
pub fn measure_levers(
    pipeline: &Pipeline,
    files: &SplitFiles,
    seed: u64,
    dir: &Path,
) -> Result<Vec<(Lever, LeverScores)>, String> {
    let mut out = integer_levers(pipeline)?;
    let n = pipeline.train.n_features();
    let base = config(&files.train, &files.test, seed);
    let retrained = [
        (
            Lever::Epochs(100),
            RunConfig {
                epochs: 100,
                ..base.clone()
            },
        ),
        (
            Lever::Epochs(400),
            RunConfig {
                epochs: 400,
                ..base.clone()
            },
        ),
        (
            Lever::OneHiddenLayer,
            RunConfig {
                hidden: Some(vec![n]),
                ..base.clone()
            },
        ),
        (
            Lever::QuarterBottleneck,
            RunConfig {
                bottleneck: Some(default_bottleneck(default_bottleneck(n))),
                ..base.clone()
            },
        ),
    ];
    for (lever, config) in retrained {
        let (_, s) = train(config)?;
        out.push((
            lever,
            LeverScores {
                int8_auc: s.int8_auc,
                float_auc: s.float_auc,
                epochs: None,
            },
        ));
    }
    out.push((Lever::EarlyStopping, early_stopping(files, seed, dir)?));
    Ok(out)
}

/// The levers that rescore the default model's integers: headroom and weighted error.
fn integer_levers(p: &Pipeline) -> Result<Vec<(Lever, LeverScores)>, String> {
    let encoder = fold_encoder(&p.autoencoder.encoder);
    let decoder = fold_decoder(&p.autoencoder.decoder);
    let train = p
        .scaler
        .transform(&p.normal_train().features)
        .mapv(f64::from);
    let test = p.scaler.transform(&p.test.features).mapv(f64::from);
    let anomalous = anomalous_rows(&p.test, Some("normal"), p.train.n_classes());
    let float_recon = |x: &Array2<f64>| {
        let features = forward_all(&encoder, x).pop().unwrap_or_default();
        forward_all(&decoder, &features).pop().unwrap_or_default()
    };
    let float_auc = auc(&mse_scores(&test, &float_recon(&test)), &anomalous)?;
    let mut out = Vec::new();
    for h in [0.0, 0.5, 1.0] {
        let model =
            QuantizedAutoencoder::new(&encoder, &decoder, &train, Affine::from_range(-h, 1.0 + h))
                .map_err(|e| e.to_string())?;
        let scores: Vec<f64> = model.scores(&test).iter().map(|&s| s as f64).collect();
        out.push((
            Lever::Headroom(h),
            LeverScores {
                int8_auc: auc(&scores, &anomalous)?,
                float_auc,
                epochs: None,
            },
        ));
    }

    // Weighted error: weights from the normal training rows' errors, in integers as a
    // device would apply them, and the float model with the float weights beside it.
    let model =
        QuantizedAutoencoder::new(&encoder, &decoder, &train, Affine::from_range(-0.5, 1.5))
            .map_err(|e| e.to_string())?;
    let int8_errors = |x: &Array2<f64>| {
        let q_in = x.mapv(|v| i64::from(model.decoder.input.quantize(v)));
        let q_features = run_int8(&model.encoder.layers, &q_in);
        (&q_in - &model.decoder.reconstruct(&q_features)).mapv(|e| (e * e) as u64)
    };
    let column_means =
        |e: &Array2<f64>| e.mean_axis(Axis(0)).map(|m| m.to_vec()).unwrap_or_default();
    let int8_mse = column_means(&int8_errors(&train).mapv(|e| e as f64));
    let test_errors = int8_errors(&test);
    let weights = feature_weights(&int8_mse);
    let weighted: Vec<f64> = test_errors
        .axis_iter(Axis(0))
        .map(|row| row.iter().zip(&weights).map(|(e, w)| e * w).sum::<u64>() as f64)
        .collect();
    let squared = |x: &Array2<f64>| (x - &float_recon(x)).mapv(|e| e * e);
    let float_mse = column_means(&squared(&train));
    let float_test = squared(&test);
    let weighted_sum = |errors: &Array2<f64>, weights: &[f64]| -> Vec<f64> {
        errors
            .axis_iter(Axis(0))
            .map(|row| row.iter().zip(weights).map(|(e, w)| e * w).sum())
            .collect()
    };
    let inverse = |mse: &[f64]| -> Vec<f64> { mse.iter().map(|m| 1.0 / m.max(1e-12)).collect() };
    let soft = |mse: &[f64]| -> Vec<f64> {
        let mean = mse.iter().sum::<f64>() / mse.len().max(1) as f64;
        mse.iter().map(|m| 1.0 / (m + mean).max(1e-12)).collect()
    };
    out.push((
        Lever::WeightedError,
        LeverScores {
            int8_auc: auc(&weighted, &anomalous)?,
            float_auc: auc(&weighted_sum(&float_test, &inverse(&float_mse)), &anomalous)?,
            epochs: None,
        },
    ));
    out.push((
        Lever::SoftWeightedError,
        LeverScores {
            int8_auc: auc(
                &weighted_sum(&test_errors.mapv(|e| e as f64), &soft(&int8_mse)),
                &anomalous,
            )?,
            float_auc: auc(&weighted_sum(&float_test, &soft(&float_mse)), &anomalous)?,
            epochs: None,
        },
    ));
    Ok(out)
}

/// Early stopping, exactly: a first run on the kept rows reports the held-out normal
/// rows' loss after every epoch (as its test set); training is deterministic for a seed
/// and rows, so a second run for the chosen number of epochs is the first run stopped
/// there, and it is exported as `bottleneck train` would.
fn early_stopping(files: &SplitFiles, seed: u64, dir: &Path) -> Result<LeverScores, String> {
    let rows = &files.train_rows;
    let normal: Vec<usize> = (0..rows.n_rows())
        .filter(|&i| rows.targets[i] == 0)
        .collect();
    let held: Vec<usize> = normal
        .iter()
        .enumerate()
        .filter(|(k, _)| k % VALIDATION_EVERY == VALIDATION_EVERY - 1)
        .map(|(_, &i)| i)
        .collect();
    let kept: Vec<usize> = (0..rows.n_rows()).filter(|i| !held.contains(i)).collect();
    let kept_path = dir.join(format!("early_stopping_{seed}_train.csv"));
    let held_path = dir.join(format!("early_stopping_{seed}_validation.csv"));
    write_csv(&rows.select(&kept), &kept_path).map_err(|e| e.to_string())?;
    write_csv(&rows.select(&held), &held_path).map_err(|e| e.to_string())?;

    let first = Pipeline::run(
        RunConfig {
            epochs: MAX_EPOCHS,
            ..config(&kept_path, &held_path, seed)
        },
        |_| {},
    )
    .map_err(|e| e.to_string())?;
    let epochs = early_stop(&first.history.valid_loss, PATIENCE);
    let (second, s) = train(RunConfig {
        epochs,
        ..config(&kept_path, &files.test, seed)
    })?;
    if second.history.train_loss[..] != first.history.train_loss[..epochs] {
        return Err(format!(
            "early stopping: the {epochs}-epoch run did not retrace the first {epochs} \
             epochs of the {MAX_EPOCHS}-epoch run (seed {seed})"
        ));
    }
    Ok(LeverScores {
        int8_auc: s.int8_auc,
        float_auc: s.float_auc,
        epochs: Some(epochs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_stop_keeps_the_best_epoch_before_patience_runs_out() {
        // Best at epoch 3 (1-based); two epochs of patience end it at epoch 5.
        let loss = [5.0, 4.0, 3.0, 3.5, 3.2, 1.0];
        assert_eq!(early_stop(&loss, 2), 3);
        // Patience never runs out: the best of all epochs.
        assert_eq!(early_stop(&loss, 10), 6);
        assert_eq!(early_stop(&[2.0], 5), 1);
    }

    #[test]
    fn weights_favour_well_reconstructed_features() {
        let w = feature_weights(&[1.0, 4.0, 0.0, 1e6]);
        // mean = 250001.25: 64 × mean / 1 and / 0 clamp to 255, the noisy one to 1.
        assert_eq!(w, [255, 255, 255, 16]);
        assert_eq!(feature_weights(&[2.0, 2.0]), [64, 64]);
    }
}
