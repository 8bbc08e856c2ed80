//! The decoder half on the device's integers (issue 12, trainer side): the decoder is
//! quantized on the encoder's int8 features, its last layer's output on the *input's*
//! own int8 scale and zero point, so the anomaly score — the squared reconstruction
//! error — is an exact integer sum the device can compute without floats.
//!
//! The model file cannot carry a decoder yet (format version 3); this is the trainer's
//! reference for it, so the int8 scores' quality can be measured now.

use ndarray::{Array2, Axis, s};

use super::fold::FloatDense;
#[cfg(doc)]
use super::fold::fold_decoder;
use super::params::Affine;
use super::stack::{
    QuantizedStack, activation_ranges, calibration_rows, overall, quantize_stack, run_int8,
};
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
    ranges: &[(f64, f64)],
    float_features: Array2<f64>,
    q_features: Array2<i64>,
    features: Affine,
    input: Affine,
    first_index: usize,
) -> Result<QuantizedDecoder> {
    let stack = quantize_stack(
        decoder,
        ranges,
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
        run_int8(&self.stack.layers, q_features)
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
        let stack: Vec<FloatDense> = encoder.iter().chain(decoder).cloned().collect();
        let ranges: Vec<(f64, f64)> = activation_ranges(&stack, train.nrows(), |rows| {
            train.slice(s![rows, ..]).to_owned()
        })
        .iter()
        .map(|channels| overall(channels))
        .collect();
        let (encoder_ranges, decoder_ranges) = ranges.split_at(encoder.len());
        let calibration = train.select(Axis(0), &calibration_rows(train.nrows()));
        let q_train = calibration.mapv(|v| i64::from(input.quantize(v)));
        let stack = quantize_stack(
            encoder,
            encoder_ranges,
            calibration,
            q_train,
            input,
            None,
            0,
        )?;
        let decoder = quantize_decoder(
            decoder,
            decoder_ranges,
            stack.float_out.clone(),
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
        let q_features = run_int8(&self.encoder.layers, &q_in);
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

pub use crate::detection::{pearson, ranks, roc_auc, spearman};
