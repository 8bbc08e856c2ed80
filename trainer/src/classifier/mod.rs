//! Logistic regression with scikit-learn's objective and stopping rules, kept as plain
//! weights so it can be quantized.
//!
//! The objective is scikit-learn's `LogisticRegression(C=1.0)` with the `lbfgs` solver:
//! the mean log-loss plus `||W||^2 / (2 C n)` (intercepts unpenalised), one logit for two
//! classes and a softmax over all of them for more; minimised by [`lbfgs`] until the
//! largest gradient component is `1e-4`.
//!
//! The data are read through [`FeatureRows`], one chunk of rows at a time: a fit holds
//! its parameters and one chunk, never a copy of the data. linfa-logistic, used before,
//! needs the whole design matrix as one array (an f64 copy of 54 MB for 67,000 x 100
//! raw features, twice the scaled data) and stops on an absolute gradient of the summed
//! loss, which ran it to its iteration cap on large data (issue 13).

pub mod lbfgs;

use std::ops::Range;

use ndarray::{Array1, Array2, ArrayView2, Axis, s};

use crate::error::{Result, TrainError};
use crate::parallel::on_two_halves;
use crate::scaler::{CHUNK_ROWS, MinMaxScaler, chunks, row_chunks};

/// Inverse regularisation strength: scikit-learn's default `C = 1.0`.
const C: f64 = 1.0;
/// L-BFGS iteration cap: scikit-learn's default `max_iter`, which the tutorial uses.
const MAX_ITERATIONS: usize = 100;
/// Stop when no gradient component of the mean objective exceeds this (scikit-learn's
/// default `tol`).
const TOLERANCE: f64 = 1e-4;

/// Rows of features a fit reads chunk by chunk, as f32 (every source is f32 data).
pub trait FeatureRows: Sync {
    /// Number of rows.
    fn n_rows(&self) -> usize;
    /// Number of features per row.
    fn n_features(&self) -> usize;
    /// The rows `rows`, row-major: borrowed from the source where it holds them so, else
    /// written into `buffer` (at least `rows.len() x n_features` long).
    fn rows<'b>(&'b self, rows: Range<usize>, buffer: &'b mut [f32]) -> &'b [f32];
}

impl FeatureRows for Array2<f32> {
    fn n_rows(&self) -> usize {
        self.nrows()
    }
    fn n_features(&self) -> usize {
        self.ncols()
    }
    fn rows<'b>(&'b self, rows: Range<usize>, buffer: &'b mut [f32]) -> &'b [f32] {
        let d = self.ncols();
        match self.as_slice() {
            Some(all) => &all[rows.start * d..rows.end * d],
            None => {
                let out = &mut buffer[..rows.len() * d];
                out.iter_mut()
                    .zip(self.slice(s![rows, ..]).iter())
                    .for_each(|(o, &v)| *o = v);
                out
            }
        }
    }
}

/// Unscaled rows seen through a scaler: the scaled features without a scaled copy.
#[derive(Debug, Clone, Copy)]
pub struct ScaledRows<'a> {
    /// The unscaled rows.
    pub raw: &'a Array2<f32>,
    /// The scaler.
    pub scaler: &'a MinMaxScaler,
}

impl FeatureRows for ScaledRows<'_> {
    fn n_rows(&self) -> usize {
        self.raw.nrows()
    }
    fn n_features(&self) -> usize {
        self.raw.ncols()
    }
    fn rows<'b>(&'b self, rows: Range<usize>, buffer: &'b mut [f32]) -> &'b [f32] {
        // The arithmetic of `MinMaxScaler::transform`, so both see the same values; on
        // slices, which the compiler vectorises.
        let d = self.raw.ncols();
        let (min, range) = (&self.scaler.min[..d], &self.scaler.range[..d]);
        let out = &mut buffer[..rows.len() * d];
        for (o, row) in out
            .chunks_exact_mut(d)
            .zip(self.raw.slice(s![rows, ..]).rows())
        {
            for ((o, &v), (&lo, &r)) in o.iter_mut().zip(row).zip(min.iter().zip(range)) {
                *o = (v - lo) / r;
            }
        }
        out
    }
}

/// A fitted linear classifier: `logits = weights · x + bias`.
///
/// For two classes there is one logit, for class 1 (`p1 = sigmoid(logit)`, class 1 when the
/// logit is positive); for more classes one logit per class (softmax, argmax).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearClassifier {
    /// `n_logits × n_features`.
    pub weights: Array2<f64>,
    /// `n_logits`.
    pub bias: Array1<f64>,
    /// Number of classes.
    pub n_classes: usize,
    /// L-BFGS iterations the fit took.
    pub iterations: usize,
}

/// Most classes a fit handles (the logits of one row live on the stack).
const MAX_FIT_CLASSES: usize = 256;

/// Rows per chunk of a fit's pass: 256 rows of 100 features in f64 stay in the L2 cache.
const FIT_CHUNK_ROWS: usize = 256;

/// The log-loss of one row with logits `z` and class `t`, divided by `n`; `z` is written
/// over by the loss's gradient with respect to the logits (also divided by `n`).
#[inline(always)]
fn row_loss(z: &mut [f64], t: usize, n: f64) -> f64 {
    if let [v] = z {
        // Binary: softplus(v) - y v, its derivative sigmoid(v) - y; one exponential
        // serves both (they dominate the fit's time).
        let y = if t == 1 { 1.0 } else { 0.0 };
        let e = (-v.abs()).exp();
        let loss = v.max(0.0) + e.ln_1p() - y * *v;
        let p = if *v >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e / (1.0 + e)
        };
        *v = (p - y) / n;
        loss / n
    } else {
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
        let loss = max + sum.ln() - z[t];
        z.iter_mut().for_each(|v| *v = (*v - max).exp() / sum / n);
        z[t] -= 1.0 / n;
        loss / n
    }
}

/// `a · b` with eight partial sums, which the compiler keeps in vector registers (one
/// running sum would wait on each addition).
#[inline(always)]
fn dot(a: &[f64], b: &[f32]) -> f64 {
    let mut lanes = [0.0f64; 8];
    let split = a.len() / 8 * 8;
    for (x, y) in a[..split].chunks_exact(8).zip(b[..split].chunks_exact(8)) {
        for k in 0..8 {
            lanes[k] += x[k] * f64::from(y[k]);
        }
    }
    let tail: f64 = a[split..]
        .iter()
        .zip(&b[split..])
        .map(|(x, &y)| x * f64::from(y))
        .sum();
    ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5]))
        + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]))
        + tail
}

/// The summed loss and gradient of the rows `rows` (`params`: `K x (d + 1)`, intercepts
/// last), added into `gradient`.
fn partial_objective(
    x: &dyn FeatureRows,
    targets: &[usize],
    k: usize,
    params: &[f64],
    rows: Range<usize>,
    gradient: &mut [f64],
) -> f64 {
    let d = x.n_features();
    let n = x.n_rows() as f64;
    let mut buffer = vec![0.0f32; FIT_CHUNK_ROWS.min(rows.len()) * d];
    let mut loss = 0.0;
    for chunk_rows in row_chunks(rows, FIT_CHUNK_ROWS) {
        let rows = Rows {
            values: x.rows(chunk_rows.clone(), &mut buffer),
            targets: &targets[chunk_rows],
            d,
            k,
            n,
        };
        loss += rows.loss_and_gradient(params, gradient);
    }
    loss
}

/// One chunk of rows and what the objective needs to know about them.
struct Rows<'a> {
    /// `rows x d`, row-major.
    values: &'a [f32],
    /// Their classes.
    targets: &'a [usize],
    /// Features per row.
    d: usize,
    /// Logits per row.
    k: usize,
    /// Rows of the whole data set (the loss is a mean over them).
    n: f64,
}

impl Rows<'_> {
    /// Adds the rows' gradient into `gradient` and returns their loss; with AVX2 where
    /// the processor has it. No fused multiply-add is enabled, so both paths compute the
    /// same bits (the `avx2_and_baseline_agree` test).
    fn loss_and_gradient(&self, params: &[f64], gradient: &mut [f64]) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2, checked just above.
            return unsafe { self.loss_and_gradient_avx2(params, gradient) };
        }
        self.loss_and_gradient_baseline(params, gradient)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn loss_and_gradient_avx2(&self, params: &[f64], gradient: &mut [f64]) -> f64 {
        self.loss_and_gradient_baseline(params, gradient)
    }

    #[inline(always)]
    fn loss_and_gradient_baseline(&self, params: &[f64], gradient: &mut [f64]) -> f64 {
        let (d, k) = (self.d, self.k);
        let mut z = [0.0f64; MAX_FIT_CLASSES];
        let z = &mut z[..k];
        let mut loss = 0.0;
        for (row, &t) in self.values.chunks_exact(d).zip(self.targets) {
            for (c, zc) in z.iter_mut().enumerate() {
                let p = &params[c * (d + 1)..(c + 1) * (d + 1)];
                *zc = dot(&p[..d], row) + p[d];
            }
            loss += row_loss(z, t, self.n);
            for (c, &r) in z.iter().enumerate() {
                let g = &mut gradient[c * (d + 1)..(c + 1) * (d + 1)];
                g[..d]
                    .iter_mut()
                    .zip(row)
                    .for_each(|(g, &v)| *g += r * f64::from(v));
                g[d] += r;
            }
        }
        loss
    }
}

/// The objective and its gradient at `params` (`K x (d + 1)`, intercepts last). The
/// rows' two halves run on the two cores ([`on_two_halves`]) and are added in a fixed
/// order, so the result does not depend on the machine.
fn objective(
    x: &dyn FeatureRows,
    targets: &[usize],
    k: usize,
    params: &[f64],
    gradient: &mut [f64],
) -> f64 {
    let d = x.n_features();
    let n = x.n_rows();
    let len = gradient.len();
    let halves = on_two_halves(n, |rows| {
        let mut part = vec![0.0; len];
        let loss = partial_objective(x, targets, k, params, rows, &mut part);
        vec![(loss, part)]
    });
    gradient.fill(0.0);
    let mut loss = 0.0;
    for (part_loss, part) in &halves {
        loss += part_loss;
        gradient.iter_mut().zip(part).for_each(|(g, p)| *g += p);
    }
    // The penalty ||W||^2 / (2 C n), intercepts excluded.
    let strength = 1.0 / (C * n as f64);
    let mut penalty = 0.0;
    for (p, g) in params
        .chunks_exact(d + 1)
        .zip(gradient.chunks_exact_mut(d + 1))
    {
        penalty += p[..d].iter().map(|w| w * w).sum::<f64>();
        g[..d]
            .iter_mut()
            .zip(&p[..d])
            .for_each(|(g, w)| *g += strength * w);
    }
    loss + 0.5 * strength * penalty
}

impl LinearClassifier {
    /// Fits a logistic regression of `targets` (class indices `< n_classes`) on the rows of
    /// `x`. `features` names the feature set in error messages.
    pub fn fit(
        x: &dyn FeatureRows,
        targets: &[usize],
        n_classes: usize,
        features: &'static str,
    ) -> Result<LinearClassifier> {
        let fail = |message: String| TrainError::Classifier { features, message };
        if x.n_rows() == 0 || targets.len() != x.n_rows() {
            return Err(fail(format!(
                "{} rows of features, {} targets",
                x.n_rows(),
                targets.len()
            )));
        }
        if n_classes > MAX_FIT_CLASSES {
            return Err(fail(format!(
                "{n_classes} classes; at most {MAX_FIT_CLASSES} are supported"
            )));
        }
        if n_classes < 2 || targets.iter().any(|&t| t >= n_classes) {
            return Err(fail(format!(
                "targets must be classes 0..{n_classes}, at least two"
            )));
        }
        let k = if n_classes == 2 { 1 } else { n_classes };
        let d = x.n_features();
        let minimum = lbfgs::minimize(
            |params, gradient| objective(x, targets, k, params, gradient),
            vec![0.0; k * (d + 1)],
            TOLERANCE,
            MAX_ITERATIONS,
        );
        if !minimum.value.is_finite() || minimum.x.iter().any(|v| !v.is_finite()) {
            return Err(fail("the fit diverged (non-finite parameters)".into()));
        }
        let params = Array2::from_shape_vec((k, d + 1), minimum.x).expect("parameter shape");
        Ok(LinearClassifier {
            weights: params.slice(s![.., ..d]).to_owned(),
            bias: params.column(d).to_owned(),
            n_classes,
            iterations: minimum.iterations,
        })
    }

    /// Logits of the rows of `x`, chunk by chunk: `f(chunk's logits)` for each.
    fn for_each_logits(&self, x: &dyn FeatureRows, mut f: impl FnMut(Array2<f64>)) {
        let (n, d) = (x.n_rows(), x.n_features());
        let mut buffer = vec![0.0f32; CHUNK_ROWS.min(n) * d];
        for rows in chunks(n) {
            let count = rows.len();
            let values = x.rows(rows, &mut buffer);
            let chunk = ArrayView2::from_shape((count, d), values).expect("whole rows");
            f(chunk.mapv(f64::from).dot(&self.weights.t()) + &self.bias);
        }
    }

    /// Logits of each row of `x`.
    pub fn logits(&self, x: &dyn FeatureRows) -> Array2<f64> {
        let mut all = Array2::zeros((0, self.weights.nrows()));
        self.for_each_logits(x, |chunk| {
            all.append(Axis(0), chunk.view()).expect("same width");
        });
        all
    }

    /// Predicted class of each row of `x`.
    pub fn predict(&self, x: &dyn FeatureRows) -> Vec<usize> {
        let mut classes = Vec::with_capacity(x.n_rows());
        self.for_each_logits(x, |chunk| {
            classes.extend(chunk.rows().into_iter().map(|row| {
                if row.len() == 1 {
                    usize::from(row[0] > 0.0)
                } else {
                    // First index of the largest logit, like the runtime.
                    row.iter()
                        .enumerate()
                        .fold((0, f64::NEG_INFINITY), |best, (k, &v)| {
                            if v > best.1 { (k, v) } else { best }
                        })
                        .0
                }
            }));
        });
        classes
    }

    /// Fraction of rows of `x` whose predicted class equals `targets`.
    pub fn accuracy(&self, x: &dyn FeatureRows, targets: &[usize]) -> f64 {
        accuracy(&self.predict(x), targets)
    }
}

/// Fraction of equal entries.
pub fn accuracy(predicted: &[usize], targets: &[usize]) -> f64 {
    if targets.is_empty() {
        return 0.0;
    }
    let hits = predicted
        .iter()
        .zip(targets)
        .filter(|(p, t)| p == t)
        .count();
    hits as f64 / targets.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, d: usize, k: usize) -> (Array2<f32>, Vec<usize>) {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let x = Array2::from_shape_fn((n, d), |_| (next() * 4.0 - 2.0) as f32);
        let t = (0..n)
            .map(|i| {
                let s: f32 = x.row(i).iter().take(3).sum();
                ((s + 6.0) / 12.0 * k as f32).clamp(0.0, k as f32 - 1.0) as usize
            })
            .collect();
        (x, t)
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    #[ignore = "needs an AVX2 processor; ./scripts/check runs it where there is one"]
    fn avx2_and_baseline_agree() {
        assert!(
            std::arch::is_x86_feature_detected!("avx2"),
            "this processor has no AVX2: the AVX2 gradient cannot be tested here"
        );
        for k in [1, 3] {
            let (x, t) = data(300, 37, k.max(2));
            let values: Vec<f32> = x.iter().copied().collect();
            let params: Vec<f64> = (0..k * 38).map(|i| (i as f64 * 0.7).sin()).collect();
            let rows = Rows {
                values: &values,
                targets: &t,
                d: 37,
                k,
                n: 300.0,
            };
            let (mut a, mut b) = (vec![0.0; params.len()], vec![0.0; params.len()]);
            // SAFETY: AVX2 was detected above.
            let la = unsafe { rows.loss_and_gradient_avx2(&params, &mut a) };
            let lb = rows.loss_and_gradient_baseline(&params, &mut b);
            assert_eq!(la.to_bits(), lb.to_bits());
            assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
        }
    }

    #[test]
    fn the_gradient_is_the_objectives_derivative() {
        for k in [1, 3] {
            let (x, t) = data(200, 5, k.max(2));
            let params: Vec<f64> = (0..k * 6).map(|i| (i as f64 * 0.3).cos()).collect();
            let mut g = vec![0.0; params.len()];
            objective(&x, &t, k, &params, &mut g);
            let mut scratch = vec![0.0; params.len()];
            for i in 0..params.len() {
                let h = 1e-6;
                let (mut up, mut down) = (params.clone(), params.clone());
                up[i] += h;
                down[i] -= h;
                let numeric = (objective(&x, &t, k, &up, &mut scratch)
                    - objective(&x, &t, k, &down, &mut scratch))
                    / (2.0 * h);
                assert!(
                    (numeric - g[i]).abs() < 1e-6,
                    "k {k} param {i}: {numeric} vs {}",
                    g[i]
                );
            }
        }
    }
}
