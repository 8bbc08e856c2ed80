//! The trainer as a library: settings and rows in; the fitted float pipeline, the model
//! file and the report out. `bottleneck train` and the Python package both call [`fit`],
//! so the same settings and rows give the same file, byte for byte.

use std::time::Instant;

use crate::data::Dataset;
use crate::error::Result;
use crate::pipeline::{Phase, Pipeline, RunConfig};
use crate::quant::ExportedModel;
use crate::report::Report;
use crate::training::EpochStats;

/// Where the rows come from.
#[derive(Debug)]
pub enum Rows {
    /// What the settings' data source names (a CSV file, the built-in problem, recordings),
    /// loaded and split as the command line does.
    FromConfig,
    /// Rows already in memory: the training rows, and the rows held out for the
    /// validation loss, the golden vectors and the report's test figures.
    Given {
        /// Training rows.
        train: Box<Dataset>,
        /// Held-out rows.
        test: Box<Dataset>,
    },
}

/// A trained run: the float pipeline (autoencoder, classifiers, scaler) and the int8
/// model file with its measurements.
#[derive(Debug)]
pub struct Fitted {
    /// The float pipeline; its report includes the device measurements.
    pub pipeline: Pipeline,
    /// The model file and its measurements.
    pub model: ExportedModel,
}

impl Fitted {
    /// The model file's bytes.
    pub fn model_bytes(&self) -> &[u8] {
        &self.model.bytes
    }

    /// The run's report.
    pub fn report(&self) -> &Report {
        &self.pipeline.report
    }
}

/// Trains on `rows` with `config`, reporting each epoch to `progress` and each long
/// phase after the epochs to `phase`, then quantizes and measures the model file.
pub fn fit(
    config: RunConfig,
    rows: Rows,
    progress: impl FnMut(EpochStats),
    mut phase: impl FnMut(Phase),
) -> Result<Fitted> {
    let mut pipeline = match rows {
        Rows::FromConfig => Pipeline::run_with_phases(config, progress, &mut phase)?,
        Rows::Given { train, test } => {
            Pipeline::fit_rows(config, *train, *test, progress, &mut phase, Instant::now())?
        }
    };
    phase(Phase::Quantizing {
        rows: pipeline.report.data.train_rows,
    });
    let model = pipeline.export()?;
    Ok(Fitted { pipeline, model })
}
