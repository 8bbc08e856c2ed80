//! `_native.fit`: the trainer's library facade (`bottleneck_trainer::fit`) on NumPy rows,
//! and `_native.NativeFit`, what it returns: the model file, the report, and the float
//! encoder for `transform`.

use bottleneck_trainer::data::Dataset;
use bottleneck_trainer::fit::{Fitted, Rows, fit as fit_rows};
use bottleneck_trainer::model::{Activation, BottleneckActivation};
use bottleneck_trainer::pipeline::{DataSource, RunConfig, Task, UNLABELLED};
use bottleneck_trainer::quant::Threshold;
use bottleneck_trainer::quant::fold::fold_encoder;
use bottleneck_trainer::training::Engine;
use ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// A fitted run: the model file, the report, and the float encoder as plain matrices
/// (what the estimators keep, so they pickle as NumPy arrays and bytes).
#[pyclass(module = "bottleneck._native", unsendable)]
pub struct NativeFit {
    fitted: Fitted,
}

/// One folded float layer for Python: `(weights out x in, bias, LeakyReLU slope or None)`.
type FloatLayer<'py> = (
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
    Option<f64>,
);

#[pymethods]
impl NativeFit {
    /// The model file's bytes.
    fn model_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.fitted.model_bytes())
    }

    /// The report as JSON (the CLI's report.json).
    fn report_json(&self) -> String {
        self.fitted.report().to_json()
    }

    /// The class labels in class order.
    fn classes(&self) -> Vec<String> {
        self.fitted.pipeline.train.labels.clone()
    }

    /// The min-max scaler: `(min, range)` per input; scaled = `(x - min) / range`.
    fn scaler<'py>(
        &self,
        py: Python<'py>,
    ) -> (Bound<'py, PyArray1<f32>>, Bound<'py, PyArray1<f32>>) {
        let scaler = &self.fitted.pipeline.scaler;
        (
            scaler.min.clone().into_pyarray(py),
            scaler.range.clone().into_pyarray(py),
        )
    }

    /// The float encoder in inference mode, each BatchNorm folded into its Dense layer
    /// (the matrices the quantizer starts from), input side first.
    fn encoder_layers<'py>(&self, py: Python<'py>) -> PyResult<Vec<FloatLayer<'py>>> {
        fold_encoder(&self.fitted.pipeline.autoencoder.encoder)
            .into_iter()
            .map(|l| {
                Ok((
                    matrix(py, &l.weights)?,
                    l.bias.to_vec().into_pyarray(py),
                    l.leaky_slope,
                ))
            })
            .collect()
    }
}

/// `x` as the trainer's matrix (ndarray 0.16; numpy's is 0.17) with `columns` columns.
fn rows(x: &PyReadonlyArray2<'_, f32>, columns: usize) -> PyResult<Array2<f32>> {
    let [n, found] = [x.shape()[0], x.shape()[1]];
    if found != columns {
        return Err(PyValueError::new_err(format!(
            "X has {found} columns; the model was fitted on {columns}"
        )));
    }
    let values: Vec<f32> = x.as_array().iter().copied().collect();
    Array2::from_shape_vec((n, columns), values).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A trainer matrix (ndarray 0.16) as a NumPy array.
fn matrix<'py>(py: Python<'py>, m: &Array2<f64>) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let values: Vec<f64> = m.iter().copied().collect();
    numpy::ndarray::Array2::from_shape_vec((m.nrows(), m.ncols()), values)
        .map(|a| a.into_pyarray(py))
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

fn choice<T: Copy>(name: &str, value: &str, options: &[(&str, T)]) -> PyResult<T> {
    options
        .iter()
        .find(|(n, _)| *n == value)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            PyValueError::new_err(format!(
                "{name}={value:?} is not one of {}",
                names.join(", ")
            ))
        })
}

/// The rows of `x` with their labels as a data set; `classes` fixes the class order.
fn dataset(
    name: &str,
    x: &PyReadonlyArray2<'_, f32>,
    y: &[String],
    feature_names: &[String],
    classes: Option<&[String]>,
) -> PyResult<Dataset> {
    let features = rows(x, feature_names.len())?;
    Dataset::from_rows(name, feature_names.to_vec(), features, y, classes)
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Trains as `bottleneck train` does, on the rows given: `x`/`y` to train, `eval_x`/
/// `eval_y` held out (the validation loss, the golden vectors and the report's test
/// figures; the training rows when not given). Labels are text, ordered as a CSV
/// file's labels are; without `y` every row is normal (an anomaly detector's rows).
#[pyfunction]
#[pyo3(signature = (
    x, y, feature_names, eval_x=None, eval_y=None, *, task="classify", bottleneck=None,
    hidden=None, epochs=200, batch_size=16, learning_rate=1e-3, seed=1,
    activation="leaky-relu", bottleneck_activation="linear", engine="fused",
    normal_label=None, threshold_quantile=0.99
))]
#[allow(clippy::too_many_arguments)]
pub fn fit(
    py: Python<'_>,
    x: PyReadonlyArray2<'_, f32>,
    y: Option<Vec<String>>,
    feature_names: Vec<String>,
    eval_x: Option<PyReadonlyArray2<'_, f32>>,
    eval_y: Option<Vec<String>>,
    task: &str,
    bottleneck: Option<usize>,
    hidden: Option<Vec<usize>>,
    epochs: usize,
    batch_size: usize,
    learning_rate: f64,
    seed: u64,
    activation: &str,
    bottleneck_activation: &str,
    engine: &str,
    normal_label: Option<String>,
    threshold_quantile: f64,
) -> PyResult<NativeFit> {
    let task = choice(
        "task",
        task,
        &[
            ("classify", Task::Classify),
            ("anomaly", Task::Anomaly),
            ("both", Task::Both),
        ],
    )?;
    let config = RunConfig {
        data: DataSource::Arrays {
            name: "X".to_string(),
        },
        bottleneck,
        hidden,
        epochs,
        batch_size,
        learning_rate,
        seed,
        activation: choice(
            "activation",
            activation,
            &[
                ("leaky-relu", Activation::LeakyRelu),
                ("relu", Activation::Relu),
            ],
        )?,
        bottleneck_activation: choice(
            "bottleneck_activation",
            bottleneck_activation,
            &[
                ("linear", BottleneckActivation::Linear),
                ("same", BottleneckActivation::Same),
            ],
        )?,
        engine: choice(
            "engine",
            engine,
            &[("fused", Engine::Fused), ("autodiff", Engine::Autodiff)],
        )?,
        task,
        threshold: Threshold::Quantile(threshold_quantile),
        normal_label,
        ..RunConfig::default()
    };
    // Without labels every row is normal, as an unlabelled CSV's.
    let y = y.unwrap_or_else(|| vec![UNLABELLED.to_string(); x.shape()[0]]);
    let train = dataset("X", &x, &y, &feature_names, None)?;
    let test = match (&eval_x, &eval_y) {
        (Some(ex), Some(ey)) => {
            let mut classes = train.labels.clone();
            if task.detects() {
                // A detector's held-out rows may carry labels the training rows lack:
                // anomalies, kept as classes after the training rows' (as a test CSV's).
                let mut extra: Vec<String> = ey
                    .iter()
                    .filter(|l| !classes.contains(l))
                    .cloned()
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                classes.append(&mut extra);
            }
            dataset("eval_set", ex, ey, &feature_names, Some(&classes))?
        }
        (None, None) => train.clone(),
        _ => {
            return Err(PyValueError::new_err(
                "eval_x and eval_y go together: give both or neither",
            ));
        }
    };
    let fitted = py
        .detach(|| {
            fit_rows(
                config,
                Rows::Given {
                    train: Box::new(train),
                    test: Box::new(test),
                },
                |_| {},
                |_| {},
            )
        })
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(NativeFit { fitted })
}
