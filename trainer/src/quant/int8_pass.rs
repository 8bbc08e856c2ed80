//! The int8 encoder (and decoder) run over whole data sets, as the head's fit and the
//! threshold's calibration need them: the device's integers, computed by the trainer's
//! reference layers on the two cores.

use std::ops::Range;

use bottleneck_format::DenseSpec;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis, s};

use super::anomaly::QuantizedDecoder;
use super::params::Affine;
use super::reference::ReferenceModel;
use super::stack::{chunks, run_int8};
use crate::classifier::FeatureRows;

/// int8 features seen as the dequantized values the head is fitted on.
pub(super) struct DequantizedRows<'a> {
    /// The int8 features.
    q: &'a Array2<i8>,
    /// Each int8 value's real value in f32 (index: the value as u8).
    values: [f32; 256],
}

impl<'a> DequantizedRows<'a> {
    pub(super) fn new(q: &'a Array2<i8>, affine: Affine) -> Self {
        let mut values = [0.0; 256];
        for (byte, v) in values.iter_mut().enumerate() {
            *v = affine.dequantize(byte as u8 as i8) as f32;
        }
        DequantizedRows { q, values }
    }
}

impl FeatureRows for DequantizedRows<'_> {
    fn n_rows(&self) -> usize {
        self.q.nrows()
    }
    fn n_features(&self) -> usize {
        self.q.ncols()
    }
    fn rows<'b>(&'b self, rows: Range<usize>, buffer: &'b mut [f32]) -> &'b [f32] {
        let out = &mut buffer[..rows.len() * self.q.ncols()];
        let q = self.q.slice(s![rows, ..]);
        let look_up = |(o, &q): (&mut f32, &i8)| *o = self.values[usize::from(q as u8)];
        match q.as_slice() {
            // A flat loop where the rows are contiguous (always, in practice).
            Some(flat) => out.iter_mut().zip(flat).for_each(look_up),
            None => out.iter_mut().zip(q.iter()).for_each(look_up),
        }
        out
    }
}

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
    pub(super) decoder: Option<&'a QuantizedDecoder>,
}

impl Int8Pass<'_> {
    /// The int8 features of every row of `features` (if `keep_features`) and, with a
    /// decoder and `scores`, every row's integer anomaly score.
    pub(super) fn run(
        &self,
        features: &Array2<f32>,
        keep_features: bool,
        scores: bool,
    ) -> (Option<Array2<i8>>, Vec<u64>) {
        let width = self.encoder.last().map_or(0, |l| l.channels.len());
        let n = features.nrows();
        let mut kept = keep_features.then(|| Array2::<i8>::zeros((n, width)));
        // The chunks' halves on the two cores, each writing its own rows; integer
        // results, so the split changes nothing but the time.
        let ranges: Vec<Range<usize>> = chunks(n).collect();
        let half = ranges.len().div_ceil(2);
        let middle = ranges.get(half).map_or(n, |r| r.start);
        let (kept_first, kept_second) = match &mut kept {
            Some(k) => {
                let (a, b) = k.view_mut().split_at(Axis(0), middle);
                (Some(a), Some(b))
            }
            None => (None, None),
        };
        let (mut all_scores, rest) = std::thread::scope(|scope| {
            let other =
                scope.spawn(|| self.chunks(features, &ranges[half..], middle, kept_second, scores));
            let mine = self.chunks(features, &ranges[..half], 0, kept_first, scores);
            (mine, other.join().expect("int8 pass thread"))
        });
        all_scores.extend(rest);
        (kept, all_scores)
    }

    /// Runs the rows `ranges` of `features`: their int8 features into `kept` (whose
    /// first row is row `offset`), their scores (with `scores` and a decoder) returned.
    fn chunks(
        &self,
        features: &Array2<f32>,
        ranges: &[Range<usize>],
        offset: usize,
        mut kept: Option<ArrayViewMut2<'_, i8>>,
        scores: bool,
    ) -> Vec<u64> {
        let mut all_scores = Vec::new();
        for rows in ranges {
            let q_in = quantize_rows(self.quantizer, features.slice(s![rows.clone(), ..]));
            let q_features = run_int8(self.encoder, &q_in);
            if let Some(kept) = &mut kept {
                kept.slice_mut(s![rows.start - offset..rows.end - offset, ..])
                    .zip_mut_with(&q_features, |k, &q| *k = q as i8);
            }
            if let (true, Some(decoder)) = (scores, self.decoder) {
                all_scores.extend(decoder.scores(&q_in, &q_features));
            }
        }
        all_scores
    }
}
