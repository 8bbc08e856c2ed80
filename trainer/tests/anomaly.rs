//! The decoder on the device's integers: trained on normal rows only, the int8 anomaly
//! scores (quantized encoder and decoder, reconstruction on the input's own scale) rank
//! anomalies as well as the float autoencoder's do.

use bottleneck_trainer::classifier::ScaledRows;
use bottleneck_trainer::model::AutoencoderConfig;
use bottleneck_trainer::quant::anomaly::{
    QuantizedAutoencoder, mse_scores, pearson, roc_auc, spearman,
};
use bottleneck_trainer::quant::fold::forward_all;
use bottleneck_trainer::quant::params::Affine;
use bottleneck_trainer::quant::{fold_decoder, fold_encoder};
use bottleneck_trainer::scaler::MinMaxScaler;
use bottleneck_trainer::training::{TrainingConfig, train_autoencoder};
use ndarray::Array2;

/// Deterministic uniform numbers in [0, 1) without an RNG crate.
fn uniform(i: u64) -> f64 {
    let h = (i.wrapping_add(0x9E37_79B9_7F4A_7C15)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let h = (h ^ (h >> 31)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((h ^ (h >> 29)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Rows on a 3-dimensional manifold in 12 features (a fixed mixing of three latent
/// factors, plus a little noise), scaled into [0, 1]; `anomalous` rows get three
/// features pushed off the manifold.
fn rows(n: usize, salt: u64, anomalous: bool) -> Array2<f64> {
    Array2::from_shape_fn((n, 12), |(r, c)| {
        let id = salt * 1_000_003 + r as u64;
        let z: Vec<f64> = (0..3).map(|k| uniform(id * 7 + k)).collect();
        let mix = (0..3)
            .map(|k| z[k] * (((c * 3 + k) % 5) as f64 / 4.0 - 0.4))
            .sum::<f64>();
        let noise = 0.02 * (uniform(id * 13 + c as u64 + 100) - 0.5);
        let off = if anomalous && (r + c) % 4 == 0 {
            0.35 * (uniform(id * 17 + c as u64) - 0.5).signum()
        } else {
            0.0
        };
        (0.5 + 0.5 * mix + noise + off).clamp(0.0, 1.0)
    })
}

#[test]
fn int8_scores_rank_anomalies_like_the_float_ones() {
    let train = rows(400, 1, false);
    let config = TrainingConfig::new(AutoencoderConfig::new(12, vec![16, 8], 3))
        .with_epochs(40)
        .with_batch_size(16);
    let identity = MinMaxScaler::identity(12);
    let (train_f32, valid) = (
        train.mapv(|v| v as f32),
        rows(50, 2, false).mapv(|v| v as f32),
    );
    let (autoencoder, _) = train_autoencoder(
        &config,
        ScaledRows {
            raw: &train_f32,
            scaler: &identity,
        },
        ScaledRows {
            raw: &valid,
            scaler: &identity,
        },
        |_| {},
    )
    .expect("training runs");
    let encoder = fold_encoder(&autoencoder.encoder);
    let decoder = fold_decoder(&autoencoder.decoder);

    // Quantize both halves on the training (normal) rows.
    let input = Affine::from_range(0.0, 1.0);
    let model = QuantizedAutoencoder::new(&encoder, &decoder, &train, input).expect("quantizes");
    assert_eq!(
        model.decoder.stack.out_affine, input,
        "reconstruction on the input's scale"
    );

    // Test rows: 200 normal, 200 anomalous.
    let normal = rows(200, 3, false);
    let odd = rows(200, 4, true);
    let test = ndarray::concatenate![ndarray::Axis(0), normal, odd];
    let anomalous: Vec<bool> = (0..400).map(|r| r >= 200).collect();

    let float_recon = forward_all(
        &decoder,
        &forward_all(&encoder, &test).pop().expect("layers"),
    )
    .pop()
    .expect("layers");
    let float_scores = mse_scores(&test, &float_recon);

    let int8_scores = model.score_values(&test);

    let float_auc = roc_auc(&float_scores, &anomalous).expect("both groups");
    let int8_auc = roc_auc(&int8_scores, &anomalous).expect("both groups");
    let correlation = pearson(&float_scores, &int8_scores);
    // The int8 reconstruction cannot leave the input's range [0, 1] (it saturates on the
    // input's scale); the float one can, by a lot on anomalies, which is most of what
    // separates the two scores' values (not their order).
    let clamped = mse_scores(&test, &float_recon.mapv(|v| v.clamp(0.0, 1.0)));
    let clamped_correlation = pearson(&clamped, &int8_scores);
    let rank_correlation = spearman(&float_scores, &int8_scores);
    let normal_rank_correlation = spearman(&float_scores[..200], &int8_scores[..200]);
    eprintln!(
        "AUC float {float_auc:.4}, int8 {int8_auc:.4}; score correlation: Pearson \
         {correlation:.4} ({clamped_correlation:.4} against the float reconstruction clamped \
         to the input range), Spearman {rank_correlation:.4} (normal rows only \
         {normal_rank_correlation:.4})"
    );
    assert!(
        float_auc > 0.9,
        "the float autoencoder separates them: {float_auc}"
    );
    assert!(
        (int8_auc - float_auc).abs() <= 0.01,
        "int8 AUC {int8_auc} vs float {float_auc}"
    );
    assert!(
        rank_correlation > 0.9,
        "rank correlation of the scores {rank_correlation}"
    );
    assert!(
        clamped_correlation > correlation,
        "saturation explains part of the gap: {clamped_correlation} vs {correlation}"
    );
}
