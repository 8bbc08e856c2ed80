//! Output-matching rounding of a weight row (in the spirit of AdaRound and bias
//! correction): each int8 weight is rounded up or down, and the bias re-fitted, so that
//! the row's output on the calibration inputs — already carrying the error of the layers
//! before it — stays as close as possible to the float network's.
//!
//! Plain rounding to nearest leaves errors that add up across a row; near a decision
//! boundary they flip classes. This lowers them with a few cheap coordinate-descent passes
//! and never moves a weight further than one step from its float value.

use ndarray::{Array1, Array2, ArrayView1};

use super::params::quantize_row;
use crate::parallel::on_two_halves;

/// Passes of coordinate descent over the row.
const PASSES: usize = 3;

/// Centered calibration inputs for one layer, shared by all its rows.
pub struct Calibration {
    /// `inputs × samples`, each input's column minus its mean, contiguous per input.
    centered_t: Array2<f64>,
    /// Per input, the sum of squares of its centered column.
    energy: Array1<f64>,
    /// Per input, its mean over the samples.
    mean: Array1<f64>,
}

impl Calibration {
    /// Prepares `x` (samples × inputs), the dequantized int8 inputs the layer will see.
    pub fn new(x: &Array2<f64>) -> Calibration {
        Calibration::from_fn(x.dim(), |i, j| x[[i, j]])
    }

    /// [`Calibration::new`] of the `(samples, inputs)` matrix whose entries `value(i, j)`
    /// gives, without that matrix ever being stored.
    pub fn from_fn(dim: (usize, usize), value: impl Fn(usize, usize) -> f64) -> Calibration {
        let (samples, inputs) = dim;
        let mut centered_t = Array2::from_shape_fn((inputs, samples), |(j, i)| value(i, j));
        let mean: Array1<f64> = centered_t
            .rows()
            .into_iter()
            // Summed in sample order, as `mean_axis` did when `new` computed it.
            .map(|r| r.iter().fold(0.0, |sum, &v| sum + v) / samples.max(1) as f64)
            .collect();
        for (mut row, &m) in centered_t.rows_mut().into_iter().zip(&mean) {
            row.mapv_inplace(|v| v - m);
        }
        let energy = centered_t.rows().into_iter().map(|r| r.dot(&r)).collect();
        Calibration {
            centered_t,
            energy,
            mean,
        }
    }
}

/// Rounds `weights / scale` to int8 so that `scale * q · x + bias` best matches `target`
/// over the calibration samples; returns the int8 row and the re-fitted real bias.
pub fn fit_row(
    weights: ArrayView1<'_, f64>,
    scale: f64,
    calibration: &Calibration,
    target: ArrayView1<'_, f64>,
) -> (Vec<i8>, f64) {
    let ideal: Vec<f64> = weights.iter().map(|w| w / scale).collect();
    let mut q: Vec<f64> = ideal
        .iter()
        .map(|v| v.round().clamp(-127.0, 127.0))
        .collect();
    let qs = Array1::from_iter(q.iter().map(|v| v * scale));
    let target_centered = &target - target.mean().unwrap_or(0.0);
    // Residual of the centered prediction; the bias absorbs the mean exactly.
    let mut residual = calibration.centered_t.t().dot(&qs) - &target_centered;
    for _ in 0..PASSES {
        let mut changed = false;
        for (j, column) in calibration.centered_t.rows().into_iter().enumerate() {
            let correlation = residual.dot(&column);
            for step in [-1.0, 1.0] {
                let candidate = q[j] + step;
                if !(-127.0..=127.0).contains(&candidate) || (candidate - ideal[j]).abs() >= 1.0 {
                    continue;
                }
                let delta =
                    2.0 * step * scale * correlation + scale * scale * calibration.energy[j];
                if delta < -1e-12 {
                    q[j] = candidate;
                    residual.scaled_add(step * scale, &column);
                    changed = true;
                    break;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let prediction_mean: f64 = q
        .iter()
        .zip(&calibration.mean)
        .map(|(v, m)| v * scale * m)
        .sum();
    let bias = target.mean().unwrap_or(0.0) - prediction_mean;
    (q.iter().map(|&v| v as i8).collect(), bias)
}

/// [`fit_row`] for every row of `weights` (`outputs x inputs`), each with its own
/// symmetric scale ([`quantize_row`]) and its column of `targets` (`samples x outputs`):
/// per row, the int8 weights, the re-fitted bias and the scale. The rows are independent;
/// the two cores share them.
pub fn fit_rows(
    weights: &Array2<f64>,
    calibration: &Calibration,
    targets: &Array2<f64>,
) -> Vec<(Vec<i8>, f64, f64)> {
    on_two_halves(weights.nrows(), |rows| {
        rows.map(|c| {
            let row = weights.row(c);
            let (_, scale) = quantize_row(row.iter().copied());
            let (q, bias) = fit_row(row, scale, calibration, targets.column(c));
            (q, bias, scale)
        })
        .collect()
    })
}
