//! The decoder half on the device's integers (issue 12, trainer side): the decoder is
//! quantized on the encoder's int8 features, its last layer's output on the *input's*
//! own int8 scale and zero point, so the anomaly score — the squared reconstruction
//! error — is an exact integer sum the device can compute without floats.
//!
//! The model file cannot carry a decoder yet (format version 3); this is the trainer's
//! reference for it, so the int8 scores' quality can be measured now.

use ndarray::{Array2, Axis};

use super::export::{QuantizedStack, quantize_stack};
#[cfg(doc)]
use super::fold::fold_decoder;
use super::fold::{FloatDense, forward_all};
use super::params::Affine;
use super::reference::dense_batch;
use crate::error::Result;

/// A quantized decoder and the scale its reconstruction shares with the input.
#[derive(Debug, Clone)]
pub struct QuantizedDecoder {
    /// The layers, bottleneck side first; the last one's output is on `input`'s scale.
    pub stack: QuantizedStack,
    /// The input's int8 scale and zero point (the reconstruction's too).
    pub input: Affine,
}

/// Quantizes `decoder` (folded, bottleneck side first). `float_features` are the float
/// encoder's outputs on the calibration rows, `q_features` the int8 encoder's (on scale
/// `features`); `input` is the input's int8 scale, which the reconstruction reuses.
/// `first_index` numbers the layers in error messages (after the encoder's).
pub fn quantize_decoder(
    decoder: &[FloatDense],
    float_features: &Array2<f64>,
    q_features: Array2<i64>,
    features: Affine,
    input: Affine,
    first_index: usize,
) -> Result<QuantizedDecoder> {
    let activations = forward_all(decoder, float_features);
    let stack = quantize_stack(
        decoder,
        &activations,
        float_features,
        q_features,
        features,
        Some(input),
        first_index,
    )?;
    Ok(QuantizedDecoder { stack, input })
}

impl QuantizedDecoder {
    /// The int8 reconstruction of int8 features (rows × bottleneck), as i64.
    pub fn reconstruct(&self, q_features: &Array2<i64>) -> Array2<i64> {
        self.stack
            .layers
            .iter()
            .fold(q_features.clone(), |x, layer| dense_batch(layer, &x))
    }

    /// Integer anomaly scores: per row, `S = Σ_i (q_i - r_i)²` over the int8 input `q`
    /// and its int8 reconstruction `r` (both on the input's scale). At most
    /// `255² × n_inputs`, so it fits in u32 for up to 66,000 inputs.
    pub fn scores(&self, q_in: &Array2<i64>, q_features: &Array2<i64>) -> Vec<u64> {
        let r = self.reconstruct(q_features);
        (q_in - &r)
            .axis_iter(Axis(0))
            .map(|d| d.iter().map(|&e| (e * e) as u64).sum())
            .collect()
    }

    /// The float value of integer score `s`: the mean squared error in the scaled input
    /// space, `s × input_scale² / n_inputs`.
    pub fn score_value(&self, s: u64, n_inputs: usize) -> f64 {
        s as f64 * self.input.scale * self.input.scale / n_inputs.max(1) as f64
    }
}

/// An autoencoder on the device's integers: the encoder and the decoder quantized on the
/// same calibration rows, the input and the reconstruction on one int8 scale.
#[derive(Debug, Clone)]
pub struct QuantizedAutoencoder {
    /// The encoder's layers (outputs: the int8 bottleneck features).
    pub encoder: QuantizedStack,
    /// The decoder, its reconstruction on the input's scale.
    pub decoder: QuantizedDecoder,
}

impl QuantizedAutoencoder {
    /// Quantizes the folded `encoder` and `decoder` ([`fold_encoder`](super::fold_encoder),
    /// [`fold_decoder`]) on the scaled calibration rows `train`, with the input's int8
    /// scale `input`.
    pub fn new(
        encoder: &[FloatDense],
        decoder: &[FloatDense],
        train: &Array2<f64>,
        input: Affine,
    ) -> Result<QuantizedAutoencoder> {
        let activations = forward_all(encoder, train);
        let q_train = train.mapv(|v| i64::from(input.quantize(v)));
        let stack = quantize_stack(encoder, &activations, train, q_train, input, None, 0)?;
        let float_features = activations.last().cloned().unwrap_or_default();
        let decoder = quantize_decoder(
            decoder,
            &float_features,
            stack.q_out.clone(),
            stack.out_affine,
            input,
            encoder.len(),
        )?;
        Ok(QuantizedAutoencoder {
            encoder: stack,
            decoder,
        })
    }

    /// Integer scores of the scaled rows `x` ([`QuantizedDecoder::scores`]), the input
    /// quantized on the int8 scale the model was built with.
    pub fn scores(&self, x: &Array2<f64>) -> Vec<u64> {
        let input = self.decoder.input;
        let q_in = x.mapv(|v| i64::from(input.quantize(v)));
        let q_features = self
            .encoder
            .layers
            .iter()
            .fold(q_in.clone(), |q, layer| dense_batch(layer, &q));
        self.decoder.scores(&q_in, &q_features)
    }

    /// The float values of [`QuantizedAutoencoder::scores`] (mean squared error in the
    /// scaled input space), comparable with [`mse_scores`].
    pub fn score_values(&self, x: &Array2<f64>) -> Vec<f64> {
        self.scores(x)
            .into_iter()
            .map(|s| self.decoder.score_value(s, x.ncols()))
            .collect()
    }
}

/// Per row, the mean squared error between `x` and its reconstruction (float scores).
pub fn mse_scores(x: &Array2<f64>, reconstruction: &Array2<f64>) -> Vec<f64> {
    (x - reconstruction)
        .axis_iter(Axis(0))
        .map(|d| d.iter().map(|e| e * e).sum::<f64>() / d.len().max(1) as f64)
        .collect()
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
