//! Logistic regression (linfa-logistic), kept as plain weights so it can be quantized.

use linfa::prelude::*;
use linfa_logistic::{LogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2, ShapeBuilder};

use crate::error::{Result, TrainError};

/// L2 regularisation strength; 1.0 matches scikit-learn's default `C = 1.0`.
const ALPHA: f64 = 1.0;
/// L-BFGS iteration cap: scikit-learn's default `max_iter`, which the tutorial uses.
///
/// On the tutorial's data the fits converge well before it. On bottleneck features of
/// tens of thousands of rows they do not converge to the tolerance below at all (the
/// features are unscaled), and a cap of 500 made those fits 90 % of the non-training time
/// for no change in accuracy beyond the third decimal.
const MAX_ITERATIONS: u64 = 100;
/// L-BFGS stops when the gradient's norm is below this times the number of rows.
///
/// linfa-logistic's loss is a sum over the rows and its tolerance absolute, so a fixed
/// tolerance gets stricter as the data grows (500 iterations on 67,000 rows). scikit-learn
/// divides its loss by the number of rows and stops at a gradient of `tol = 1e-4`: the same
/// criterion is this, per row.
const GRADIENT_TOLERANCE_PER_ROW: f64 = 1e-4;

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
}

impl LinearClassifier {
    /// Fits a logistic regression of `targets` (class indices `< n_classes`) on `x`.
    /// `features` names the feature set in error messages.
    pub fn fit(
        x: &Array2<f32>,
        targets: &[usize],
        n_classes: usize,
        features: &'static str,
    ) -> Result<LinearClassifier> {
        // Column-major: linfa-logistic's gradient multiplies the transposed matrix by a
        // vector, which ndarray does row by row; rows of the transpose are then contiguous.
        // Half the time of a row-major copy on 67,000 rows (the product with the
        // parameters, strided now, is the cheaper of the two).
        let mut records = Array2::<f64>::zeros(x.dim().f());
        records.zip_mut_with(x, |d, &s| *d = f64::from(s));
        let dataset = Dataset::new(records, Array1::from(targets.to_vec()));
        let tolerance = GRADIENT_TOLERANCE_PER_ROW * x.nrows().max(1) as f64;

        let fail = |e: &dyn std::fmt::Display| TrainError::Classifier {
            features,
            message: e.to_string(),
        };
        let (weights, bias) = if n_classes == 2 {
            let fitted = LogisticRegression::default()
                .alpha(ALPHA)
                .max_iterations(MAX_ITERATIONS)
                .gradient_tolerance(tolerance)
                .fit(&dataset)
                .map_err(|e| fail(&e))?;
            // linfa's logit is for its "positive" class; express it for class 1.
            let sign = if fitted.labels().pos.class == 1 {
                1.0
            } else {
                -1.0
            };
            let weights = fitted
                .params()
                .mapv(|w| sign * w)
                .insert_axis(ndarray::Axis(0));
            (weights, Array1::from(vec![sign * fitted.intercept()]))
        } else {
            let fitted = MultiLogisticRegression::default()
                .alpha(ALPHA)
                .max_iterations(MAX_ITERATIONS)
                .gradient_tolerance(tolerance)
                .fit(&dataset)
                .map_err(|e| fail(&e))?;
            // linfa orders its columns by sorted class; map them back to class indices.
            let mut weights = Array2::zeros((n_classes, x.ncols()));
            let mut bias = Array1::zeros(n_classes);
            for (column, &class) in fitted.classes().iter().enumerate() {
                weights
                    .row_mut(class)
                    .assign(&fitted.params().column(column));
                bias[class] = fitted.intercept()[column];
            }
            (weights, bias)
        };
        Ok(LinearClassifier {
            weights,
            bias,
            n_classes,
        })
    }

    /// Logits of each row of `x`.
    pub fn logits(&self, x: &Array2<f32>) -> Array2<f64> {
        x.mapv(f64::from).dot(&self.weights.t()) + &self.bias
    }

    /// Predicted class of each row of `x`.
    pub fn predict(&self, x: &Array2<f32>) -> Vec<usize> {
        self.logits(x)
            .rows()
            .into_iter()
            .map(|row| {
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
            })
            .collect()
    }

    /// Fraction of rows of `x` whose predicted class equals `targets`.
    pub fn accuracy(&self, x: &Array2<f32>, targets: &[usize]) -> f64 {
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
