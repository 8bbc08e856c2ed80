//! Min-max scaling to 0..1, fitted on the training rows.

use std::ops::Range;

use ndarray::{Array2, ArrayView2, Axis, s};
use serde::{Deserialize, Serialize};

/// Rows a pass over a whole data set handles at a time. Passes scale (and run the model
/// on) one chunk after the other, so no pass holds a scaled or widened copy of every row:
/// 1,024 rows of the widest layer allowed are 16 MB in f64, of the tutorial's 1.6 MB.
pub const CHUNK_ROWS: usize = 1024;

/// The ranges of `size` rows (the last one shorter) that cover `rows`, in order.
pub fn row_chunks(rows: Range<usize>, size: usize) -> impl Iterator<Item = Range<usize>> {
    let end = rows.end;
    rows.step_by(size.max(1))
        .map(move |start| start..(start + size).min(end))
}

/// The ranges of a pass over `rows` rows in chunks of [`CHUNK_ROWS`].
pub fn chunks(rows: usize) -> impl Iterator<Item = Range<usize>> {
    row_chunks(0..rows, CHUNK_ROWS)
}

/// Per-feature min-max scaler (scikit-learn's `MinMaxScaler`).
///
/// A constant column (zero range) is scaled by 1 instead of divided by zero, so it maps
/// to 0 on the training data — scikit-learn's behaviour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinMaxScaler {
    /// Per-feature minimum on the training rows.
    pub min: Vec<f32>,
    /// Per-feature range used as divisor (1 for constant columns).
    pub range: Vec<f32>,
}

impl MinMaxScaler {
    /// Fits the scaler on `x` (rows × features).
    pub fn fit(x: &Array2<f32>) -> MinMaxScaler {
        let mut min = Vec::with_capacity(x.ncols());
        let mut range = Vec::with_capacity(x.ncols());
        for col in x.axis_iter(Axis(1)) {
            let lo = col.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = col.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let r = hi - lo;
            min.push(lo);
            range.push(if r > 0.0 && r.is_finite() { r } else { 1.0 });
        }
        MinMaxScaler { min, range }
    }

    /// The scaler that leaves `n_features` features as they are: `(v - 0) / 1 == v`
    /// exactly, for rows that are scaled already.
    pub fn identity(n_features: usize) -> MinMaxScaler {
        MinMaxScaler {
            min: vec![0.0; n_features],
            range: vec![1.0; n_features],
        }
    }

    /// `(x - min) / range`, per feature.
    pub fn transform(&self, x: &Array2<f32>) -> Array2<f32> {
        self.transform_view(x.view())
    }

    /// [`MinMaxScaler::transform`] of the rows `rows` of `x` only.
    pub fn transform_rows(&self, x: &Array2<f32>, rows: Range<usize>) -> Array2<f32> {
        self.transform_view(x.slice(s![rows, ..]))
    }

    /// [`MinMaxScaler::transform`] of a view.
    pub fn transform_view(&self, x: ArrayView2<'_, f32>) -> Array2<f32> {
        let mut out = x.to_owned();
        for mut row in out.rows_mut() {
            for ((v, &lo), &r) in row.iter_mut().zip(&self.min).zip(&self.range) {
                *v = (*v - lo) / r;
            }
        }
        out
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.min.len()
    }
}
