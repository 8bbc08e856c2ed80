//! The trainer's error type: every failure names what it was working on.

use std::path::PathBuf;

/// Why training, loading data or writing artefacts failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// A file could not be opened or read.
    #[error("{path}: cannot read")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A CSV file holds no header or no data rows.
    #[error("{path}: {what}")]
    EmptyFile {
        /// The file.
        path: PathBuf,
        /// What is missing.
        what: &'static str,
    },
    /// The label column named on the command line is not in the header.
    #[error("{path}: no column named {name:?}; the header has: {available}")]
    UnknownLabelColumn {
        /// The file.
        path: PathBuf,
        /// The requested column.
        name: String,
        /// The columns present, comma-separated.
        available: String,
    },
    /// A row has a different number of fields from the header.
    #[error("{path}: row {row} (line {line}) has {found} fields, the header has {expected}")]
    RaggedRow {
        /// The file.
        path: PathBuf,
        /// 1-based data row.
        row: usize,
        /// 1-based line in the file.
        line: u64,
        /// Fields in the row.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// A feature cell is not a finite number.
    #[error("{path}: row {row} (line {line}), column {column:?}: {value:?} is {problem}")]
    BadCell {
        /// The file.
        path: PathBuf,
        /// 1-based data row.
        row: usize,
        /// 1-based line in the file.
        line: u64,
        /// Column name.
        column: String,
        /// The cell's text.
        value: String,
        /// "not a number", "NaN" or "infinite".
        problem: &'static str,
    },
    /// The CSV reader itself failed (bad quoting, invalid UTF-8, ...).
    #[error("{path}: line {line}: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line, 0 if unknown.
        line: u64,
        /// The reader's message.
        message: String,
    },
    /// The data has a single class.
    #[error(
        "{source_name}: every row has the label {label:?}; a classifier needs at least two classes"
    )]
    SingleClass {
        /// File or data set name.
        source_name: String,
        /// The one label.
        label: String,
    },
    /// Too few rows for the requested split or for training.
    #[error("{source_name}: {rows} rows, but {needed}")]
    TooFewRows {
        /// File or data set name.
        source_name: String,
        /// Rows present.
        rows: usize,
        /// What the split needs.
        needed: String,
    },
    /// The test data does not match the training data.
    #[error("{path}: {problem}")]
    TestDataMismatch {
        /// The test file.
        path: PathBuf,
        /// What differs.
        problem: String,
    },
    /// A setting is out of range.
    #[error("invalid setting --{flag}: {problem}")]
    InvalidSetting {
        /// The command-line flag.
        flag: &'static str,
        /// Why it is invalid.
        problem: String,
    },
    /// A signal (a WAV file, a time-series CSV) cannot feed the model's front end.
    #[error("{path}: {problem}")]
    Signal {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the row and column where there is one.
        problem: String,
    },
    /// Training diverged (loss became NaN or infinite).
    #[error("training diverged at epoch {epoch}: loss is {loss}; try a lower --learning-rate")]
    Diverged {
        /// 1-based epoch.
        epoch: usize,
        /// The loss value.
        loss: f64,
    },
    /// The logistic regression could not be fitted.
    #[error("logistic regression on {features}: {message}")]
    Classifier {
        /// Which features it was fitted on.
        features: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The trained model could not be quantized into a valid file.
    #[error("quantization: {problem}")]
    Quantization {
        /// What failed.
        problem: String,
    },
    /// A model file could not be used.
    #[error("{path}")]
    Model {
        /// The model file.
        path: PathBuf,
        /// The runtime's error.
        source: bottleneck_runtime::Error,
    },
    /// `inspect` found a file that does not load or fails its self-test (the report
    /// says why).
    #[error("{path}: invalid model file (see the report above)")]
    InvalidModel {
        /// The model file.
        path: PathBuf,
    },
    /// A board on a serial port could not be reached or answered wrongly.
    #[error("{port}: {problem}")]
    Device {
        /// The serial port.
        port: String,
        /// What went wrong.
        problem: String,
    },
    /// An artefact could not be written.
    #[error("{path}: cannot write: {message}")]
    Write {
        /// The artefact.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Result alias for the trainer.
pub type Result<T, E = TrainError> = std::result::Result<T, E>;
