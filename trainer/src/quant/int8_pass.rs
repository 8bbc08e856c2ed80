//! The int8 encoder and decoder run over whole data sets, as the threshold's calibration
//! needs them: the device's integer scores, computed by the trainer's reference layers on
//! the two cores.

use std::ops::Range;

use bottleneck_format::DenseSpec;
use ndarray::{Array1, Array2, ArrayView2, s};

use super::anomaly::QuantizedDecoder;
use super::reference::ReferenceModel;
use super::stack::{chunks, run_int8};

/// `features` (unscaled rows) quantized as the device does, as i64.
pub(super) fn quantize_rows(
    quantizer: &ReferenceModel,
    features: ArrayView2<'_, f32>,
) -> Array2<i64> {
    let mut q = Array2::zeros(features.dim());
    for (mut out, row) in q.rows_mut().into_iter().zip(features.rows()) {
        let sample = row.to_vec();
        out.assign(&Array1::from_iter(
            quantizer.quantize(&sample).into_iter().map(i64::from),
        ));
    }
    q
}

/// The int8 encoder (and decoder) run on whole data sets, chunk by chunk.
pub(super) struct Int8Pass<'a> {
    /// Quantizes the unscaled rows.
    pub(super) quantizer: &'a ReferenceModel,
    /// The int8 encoder layers.
    pub(super) encoder: &'a [DenseSpec],
    /// The int8 decoder, for scores.
    pub(super) decoder: &'a QuantizedDecoder,
}

impl Int8Pass<'_> {
    /// Every row's integer anomaly score.
    pub(super) fn scores(&self, features: &Array2<f32>) -> Vec<u64> {
        // The chunks' halves on the two cores; integer results, so the split changes
        // nothing but the time.
        let ranges: Vec<Range<usize>> = chunks(features.nrows()).collect();
        let half = ranges.len().div_ceil(2);
        let run = |ranges: &[Range<usize>]| -> Vec<u64> {
            let mut scores = Vec::new();
            for rows in ranges {
                let q_in = quantize_rows(self.quantizer, features.slice(s![rows.clone(), ..]));
                let q_features = run_int8(self.encoder, &q_in);
                scores.extend(self.decoder.scores(&q_in, &q_features));
            }
            scores
        };
        let (mut all, rest) = std::thread::scope(|scope| {
            let other = scope.spawn(|| run(&ranges[half..]));
            (
                run(&ranges[..half]),
                other.join().expect("int8 pass thread"),
            )
        });
        all.extend(rest);
        all
    }
}
