//! The decoder half on the device's integers (issue 12, trainer side): the decoder is
//! quantized on the encoder's int8 features, its last layer's output on the *input's*
//! own int8 scale and zero point, so the anomaly score — the squared reconstruction
//! error — is an exact integer sum the device can compute without floats.
//!
//! The model file cannot carry a decoder yet (format version 3); this is the trainer's
//! reference for it, so the int8 scores' quality can be measured now.

use ndarray::{Array2, Axis};

use super::export::{QuantizedStack, quantize_stack};
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
}
