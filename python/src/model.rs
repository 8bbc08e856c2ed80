//! `_native.NativeModel`: a model file checked by the runtime's loader and run by its
//! batched path (`bottleneck_runtime::batch`), the same integers a board computes.

use bottleneck_runtime::Model;
use bottleneck_runtime::batch::{Batch, BatchOutput};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::errors::{InputError, MissingPartError, batch_to_py, to_py};

/// A checked model file. Holds its bytes; each call parses them again (microseconds,
/// no copy) so nothing borrows across calls.
#[pyclass(module = "bottleneck._native", frozen)]
pub struct NativeModel {
    bytes: Vec<u8>,
    n_inputs: usize,
    n_features: usize,
    n_classes: usize,
    n_logits: usize,
    has_head: bool,
    has_decoder: bool,
    threshold: Option<u32>,
    score_scale: Option<f32>,
    labels: Vec<String>,
    feature_names: Vec<String>,
}

impl NativeModel {
    fn model(&self) -> PyResult<Model<'_>> {
        Model::from_bytes(&self.bytes).map_err(|e| to_py(&e, "model file"))
    }

    /// Runs every row of `x` through the batched path with the GIL released.
    fn run(&self, py: Python<'_>, x: &PyReadonlyArray2<'_, f32>) -> PyResult<BatchOutput> {
        let [rows, cols] = [x.shape()[0], x.shape()[1]];
        if cols != self.n_inputs {
            return Err(InputError::new_err(format!(
                "X has {cols} columns; the model takes {} inputs",
                self.n_inputs
            )));
        }
        let samples = x.as_slice().map_err(|_| {
            InputError::new_err("X must be C-contiguous float32 (bottleneck.Model converts it)")
        })?;
        debug_assert_eq!(samples.len(), rows * cols);
        let bytes = self.bytes.as_slice();
        // No Python object is touched in the closure: exceptions are built after it.
        let output = py.detach(|| -> Result<BatchOutput, Failure> {
            let model = Model::from_bytes(bytes).map_err(Failure::Load)?;
            Batch::new(&model).run(samples).map_err(Failure::Sample)
        });
        output.map_err(|failure| match failure {
            Failure::Load(e) => to_py(&e, "model file"),
            Failure::Sample(e) => batch_to_py(&e),
        })
    }
}

/// Why a batch failed, carried out of the GIL-free closure.
enum Failure {
    Load(bottleneck_runtime::Error),
    Sample(bottleneck_runtime::batch::BatchError),
}

#[pymethods]
impl NativeModel {
    /// Checks `data` completely (header, CRC, every dimension and range) and keeps it.
    #[new]
    fn new(data: Vec<u8>) -> PyResult<NativeModel> {
        let model = Model::from_bytes(&data).map_err(|e| to_py(&e, "model file"))?;
        let view = model.view();
        let strings = |s: bottleneck_format::Strings<'_>| s.map(str::to_string).collect();
        let native = NativeModel {
            n_inputs: model.n_inputs(),
            n_features: model.n_features(),
            n_classes: model.n_classes(),
            n_logits: view.n_logits(),
            has_head: view.head().is_some(),
            has_decoder: view.has_decoder(),
            threshold: view.anomaly().map(|a| a.threshold()),
            score_scale: view.anomaly().map(|a| a.score_scale()),
            labels: strings(view.labels()),
            feature_names: strings(view.feature_names()),
            bytes: Vec::new(),
        };
        Ok(NativeModel {
            bytes: data,
            ..native
        })
    }

    /// The file's bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.bytes)
    }

    /// Inputs per sample.
    #[getter]
    fn n_inputs(&self) -> usize {
        self.n_inputs
    }

    /// Bottleneck features per sample.
    #[getter]
    fn n_features(&self) -> usize {
        self.n_features
    }

    /// Classes of the head (0 without one).
    #[getter]
    fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Whether the file has a classifier head.
    #[getter]
    fn has_head(&self) -> bool {
        self.has_head
    }

    /// Whether the file has a decoder and an anomaly threshold.
    #[getter]
    fn has_decoder(&self) -> bool {
        self.has_decoder
    }

    /// The integer anomaly threshold (files with a decoder).
    #[getter]
    fn threshold(&self) -> Option<u32> {
        self.threshold
    }

    /// The real value of one integer score step (files with a decoder).
    #[getter]
    fn score_scale(&self) -> Option<f32> {
        self.score_scale
    }

    /// The class labels, in class order.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.labels.clone()
    }

    /// The training columns' names.
    #[getter]
    fn feature_names(&self) -> Vec<String> {
        self.feature_names.clone()
    }

    /// The class index of each row of `x` (float32, C-contiguous, one column per input).
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f32>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        if !self.has_head {
            return Err(MissingPartError::new_err(
                "the model has no classifier head (trained with --task anomaly)",
            ));
        }
        let output = self.run(py, &x)?;
        let classes: Vec<i64> = output.classes.iter().map(|&c| c as i64).collect();
        Ok(classes.into_pyarray(py))
    }

    /// The int32 logits of each row, `rows x n_logits`.
    fn logits<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f32>,
    ) -> PyResult<Bound<'py, PyArray2<i32>>> {
        if !self.has_head {
            return Err(MissingPartError::new_err(
                "the model has no classifier head (trained with --task anomaly)",
            ));
        }
        let rows = x.shape()[0];
        let output = self.run(py, &x)?;
        let array = numpy::ndarray::Array2::from_shape_vec((rows, self.n_logits), output.logits)
            .map_err(|e| InputError::new_err(e.to_string()))?;
        Ok(array.into_pyarray(py))
    }

    /// Class probabilities of each row from its int32 logits, as the device computes
    /// them (`rows x n_classes`).
    fn probabilities<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f32>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        if !self.has_head {
            return Err(MissingPartError::new_err(
                "the model has no classifier head (trained with --task anomaly)",
            ));
        }
        let rows = x.shape()[0];
        let output = self.run(py, &x)?;
        let model = self.model()?;
        let mut values = Vec::with_capacity(rows * self.n_classes);
        for logits in output.logits.chunks_exact(self.n_logits.max(1)) {
            values.extend(model.probabilities(logits));
        }
        let array = numpy::ndarray::Array2::from_shape_vec((rows, self.n_classes), values)
            .map_err(|e| InputError::new_err(e.to_string()))?;
        Ok(array.into_pyarray(py))
    }

    /// The integer anomaly score of each row (`sum (q_i - r_i)^2`, as the device).
    fn scores<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f32>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        if !self.has_decoder {
            return Err(MissingPartError::new_err(
                "the model has no decoder (trained with --task classify)",
            ));
        }
        let output = self.run(py, &x)?;
        Ok(output.scores.into_pyarray(py))
    }

    /// Nanoseconds of each of `repeats` calls of the runtime on `x` from Rust alone
    /// (load, pack, batched run: what `predict` does below Python), for the benchmark
    /// that measures what the Python layer adds (`scripts/python_bench.py`).
    fn time_batch(
        &self,
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f32>,
        repeats: usize,
    ) -> PyResult<Vec<u64>> {
        let mut times = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            let start = std::time::Instant::now();
            let output = self.run(py, &x)?;
            times.push(start.elapsed().as_nanos() as u64);
            std::hint::black_box(output);
        }
        Ok(times)
    }

    /// Runs the golden vectors stored in the file; returns how many passed (all of them,
    /// or an exception naming the first that did not).
    fn self_test(&self) -> PyResult<usize> {
        let model = self.model()?;
        let mut scratch = bottleneck_runtime::Scratch::<{ bottleneck_format::MAX_WIDTH }>::new();
        model
            .self_test(&mut scratch)
            .map_err(|e| to_py(&e, "self-test"))
    }

    /// What the file holds, as a dict.
    fn inspect<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let model = self.model()?;
        let view = model.view();
        let header = view.header();
        let out = PyDict::new(py);
        out.set_item("file_bytes", self.bytes.len())?;
        out.set_item("format_version", header.version)?;
        out.set_item("n_inputs", self.n_inputs)?;
        let encoder: Vec<usize> = view.encoder().map(|l| l.n_out()).collect();
        out.set_item("encoder_widths", encoder)?;
        let decoder: Vec<usize> = view.decoder().map(|l| l.n_out()).collect();
        out.set_item("decoder_widths", decoder)?;
        out.set_item("n_features", self.n_features)?;
        out.set_item("n_classes", self.n_classes)?;
        out.set_item("labels", self.labels.clone())?;
        out.set_item("feature_names", self.feature_names.clone())?;
        out.set_item("threshold", self.threshold)?;
        out.set_item("score_scale", self.score_scale)?;
        out.set_item("parameters", view.parameter_count())?;
        out.set_item("macs", view.mac_count())?;
        out.set_item("max_width", view.max_width())?;
        out.set_item("golden_vectors", view.golden_count())?;
        out.set_item("signal_front_end", view.front_end().is_some())?;
        Ok(out)
    }
}
