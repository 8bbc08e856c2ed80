//! Reading labelled CSV files and writing data sets as CSV.

use std::collections::BTreeSet;
use std::path::Path;

use ndarray::Array2;

use super::{Dataset, sort_labels};
use crate::artifacts::write_atomically;
use crate::error::{Result, TrainError};

/// A parsed CSV table before labels are turned into class indices.
struct Table {
    feature_names: Vec<String>,
    features: Vec<f32>,
    /// Each row's label with its 1-based row and line, for messages.
    labels: Vec<(String, usize, u64)>,
    rows: usize,
}

fn csv_error(path: &Path, e: &csv::Error) -> TrainError {
    TrainError::Csv {
        path: path.to_path_buf(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    }
}

fn parse_cell(path: &Path, row: usize, line: u64, column: &str, text: &str) -> Result<f32> {
    let bad = |problem| TrainError::BadCell {
        path: path.to_path_buf(),
        row,
        line,
        column: column.to_string(),
        value: text.to_string(),
        problem,
    };
    let value: f32 = text.trim().parse().map_err(|_| bad("not a number"))?;
    if value.is_nan() {
        return Err(bad("NaN"));
    }
    if value.is_infinite() {
        return Err(bad("infinite (or too large for f32)"));
    }
    Ok(value)
}

fn read_table(path: &Path, label_column: Option<&str>) -> Result<Table> {
    let file = std::fs::File::open(path).map_err(|source| TrainError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_table(std::io::BufReader::new(file), path, label_column)
}

fn parse_table(
    input: impl std::io::Read,
    path: &Path,
    label_column: Option<&str>,
) -> Result<Table> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(path, &e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(TrainError::EmptyFile {
            path: path.to_path_buf(),
            what: "the file is empty: a header row naming the columns is required",
        });
    }
    let label_index = match label_column {
        Some(name) => match header.iter().position(|h| h == name) {
            Some(i) => Some(i),
            None => {
                return Err(TrainError::UnknownLabelColumn {
                    path: path.to_path_buf(),
                    name: name.to_string(),
                    available: header.join(", "),
                });
            }
        },
        None => None,
    };
    let feature_names: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|&(i, _)| Some(i) != label_index)
        .map(|(_, h)| h.clone())
        .collect();
    if feature_names.is_empty() {
        return Err(TrainError::EmptyFile {
            path: path.to_path_buf(),
            what: "the header has no feature column besides the label column",
        });
    }

    let mut features = Vec::new();
    let mut labels = Vec::new();
    let mut rows = 0;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let row = i + 1;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != header.len() {
            return Err(TrainError::RaggedRow {
                path: path.to_path_buf(),
                row,
                line,
                found: record.len(),
                expected: header.len(),
            });
        }
        for (j, cell) in record.iter().enumerate() {
            if Some(j) == label_index {
                let label = cell.trim();
                if label.is_empty() {
                    return Err(TrainError::BadCell {
                        path: path.to_path_buf(),
                        row,
                        line,
                        column: header[j].clone(),
                        value: String::new(),
                        problem: "an empty label",
                    });
                }
                labels.push((label.to_string(), row, line));
            } else {
                features.push(parse_cell(path, row, line, &header[j], cell)?);
            }
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(TrainError::EmptyFile {
            path: path.to_path_buf(),
            what: "the file has a header but no data rows",
        });
    }
    Ok(Table {
        feature_names,
        features,
        labels,
        rows,
    })
}

fn into_dataset(path: &Path, table: Table, labels: Vec<String>) -> Result<Dataset> {
    let mut targets = Vec::with_capacity(table.labels.len());
    for (label, row, line) in &table.labels {
        let Some(class) = labels.iter().position(|l| l == label) else {
            return Err(TrainError::TestDataMismatch {
                path: path.to_path_buf(),
                problem: format!(
                    "row {row} (line {line}) has label {label:?}, which the training data does not have"
                ),
            });
        };
        targets.push(class);
    }
    let rows = targets.len();
    let cols = table.feature_names.len();
    let features =
        Array2::from_shape_vec((rows, cols), table.features).map_err(|e| TrainError::Csv {
            path: path.to_path_buf(),
            line: 0,
            message: e.to_string(),
        })?;
    Ok(Dataset {
        source: path.display().to_string(),
        feature_names: table.feature_names,
        features,
        targets,
        labels,
    })
}

/// Reads a CSV file with a header row; `label_column` holds the class labels (text or
/// integers, kept as written), every other column must hold finite numbers.
pub fn read_csv(path: &Path, label_column: &str) -> Result<Dataset> {
    labelled(path, read_table(path, Some(label_column))?)
}

/// [`read_csv`] on bytes already in memory; `path` only names them in errors.
pub fn parse_csv(bytes: &[u8], path: &Path, label_column: &str) -> Result<Dataset> {
    labelled(path, parse_table(bytes, path, Some(label_column))?)
}

fn labelled(path: &Path, table: Table) -> Result<Dataset> {
    let unique: BTreeSet<&str> = table.labels.iter().map(|(l, _, _)| l.as_str()).collect();
    let mut labels: Vec<String> = unique.into_iter().map(str::to_string).collect();
    sort_labels(&mut labels);
    into_dataset(path, table, labels)
}

/// What a test file's labels that the training data lacks mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnseenLabels {
    /// They are an error (a classifier's test file: a class it cannot predict).
    Refuse,
    /// They are kept as new classes after the training data's (anomaly detection: any
    /// label but the normal one is an anomaly, seen in training or not).
    Keep,
}

/// Reads a test CSV against the training data: same feature columns in the same order;
/// labels the training data lacks are refused or kept as new classes after its own
/// (`unseen`).
pub fn read_csv_with_labels(
    path: &Path,
    label_column: &str,
    train: &Dataset,
    unseen: UnseenLabels,
) -> Result<Dataset> {
    let table = read_table(path, Some(label_column))?;
    if table.feature_names != train.feature_names {
        return Err(TrainError::TestDataMismatch {
            path: path.to_path_buf(),
            problem: format!(
                "feature columns differ from the training data ({} here, {} there; first \
                 difference: {:?})",
                table.feature_names.len(),
                train.feature_names.len(),
                table
                    .feature_names
                    .iter()
                    .zip(&train.feature_names)
                    .find(|(a, b)| a != b)
                    .map(|(a, _)| a.as_str())
                    .unwrap_or("column count")
            ),
        });
    }
    let mut labels = train.labels.clone();
    if unseen == UnseenLabels::Keep {
        let new: BTreeSet<&str> = table
            .labels
            .iter()
            .map(|(l, _, _)| l.as_str())
            .filter(|l| !train.labels.iter().any(|t| t == l))
            .collect();
        let mut new: Vec<String> = new.into_iter().map(str::to_string).collect();
        sort_labels(&mut new);
        labels.extend(new);
    }
    into_dataset(path, table, labels)
}

/// The header of a CSV file: its column names, trimmed.
pub fn read_header(path: &Path) -> Result<Vec<String>> {
    let file = std::fs::File::open(path).map_err(|source| TrainError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(std::io::BufReader::new(file));
    Ok(reader
        .headers()
        .map_err(|e| csv_error(path, &e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect())
}

/// Reads the feature columns of a CSV file, skipping `label_column` if given; every cell
/// must be a finite number. Returns the column names and the rows.
pub fn read_features(
    path: &Path,
    label_column: Option<&str>,
) -> Result<(Vec<String>, Array2<f32>)> {
    let table = read_table(path, label_column)?;
    let cols = table.feature_names.len();
    let features = Array2::from_shape_vec((table.rows, cols), table.features).map_err(|e| {
        TrainError::Csv {
            path: path.to_path_buf(),
            line: 0,
            message: e.to_string(),
        }
    })?;
    Ok((table.feature_names, features))
}

/// Writes `data` as CSV (features, then a `label` column), atomically.
pub fn write_csv(data: &Dataset, path: &Path) -> Result<()> {
    let rows = data
        .features
        .rows()
        .into_iter()
        .map(|row| row.iter().map(|v| v.to_string()).collect());
    write_rows(data, rows, path)
}

/// [`write_csv`] with the feature values `values` (rows × features of `data`) written in
/// full f64 precision instead of `data`'s f32 features: the built-in problem's CSV holds
/// scikit-learn's very arrays (shortest round-trip decimals).
pub fn write_csv_exact(data: &Dataset, values: &Array2<f64>, path: &Path) -> Result<()> {
    let rows = values
        .rows()
        .into_iter()
        .map(|row| row.iter().map(|v| v.to_string()).collect());
    write_rows(data, rows, path)
}

fn write_rows(data: &Dataset, rows: impl Iterator<Item = Vec<String>>, path: &Path) -> Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let to_write_error = |e: csv::Error| TrainError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut header = data.feature_names.clone();
    header.push("label".to_string());
    writer.write_record(&header).map_err(to_write_error)?;
    for (mut record, &target) in rows.zip(&data.targets) {
        record.push(data.labels[target].clone());
        writer.write_record(&record).map_err(to_write_error)?;
    }
    let bytes = writer.into_inner().map_err(|e| TrainError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    write_atomically(path, &bytes)
}
