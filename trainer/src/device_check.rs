//! `bottleneck device`: every test row sent to a board, every integer it returns checked
//! against the host runtime, and what the board's results measure.

use ndarray::Array2;

use bottleneck_runtime::{Model, Scratch};

use crate::cli::DeviceArgs;
use crate::data::{read_csv, read_features};
use crate::device_link::{Link, field, integers, pairs};
use crate::error::{Result, TrainError};
use crate::model_tools::{load_model, select_columns};

/// Writes a report line; a closed standard output does not stop the check.
macro_rules! wln {
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Writes report text without a line break.
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// What a board check found (the report has the rest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardCheck {
    /// The board's name.
    pub board: String,
    /// Rows sent.
    pub rows: usize,
    /// The board's cycle count per row.
    pub cycles: Vec<u64>,
}

/// One integer that differs between the board and the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The data row (0-based).
    pub row: usize,
    /// Which output: quantized input, features, logits, class, score, verdict.
    pub what: &'static str,
    /// The board's value.
    pub board: String,
    /// The host's value.
    pub host: String,
}

/// The board's outputs for one row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardRow {
    /// The predicted class, for a model with a head.
    pub class: Option<usize>,
    /// The integer anomaly score, for a model with a decoder.
    pub score: Option<u32>,
    /// The board's cycle count for the row.
    pub cycles: u64,
}

/// The board as `bn board` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardInfo {
    /// Its name.
    pub name: String,
    /// The rate of its cycle counter, in Hz.
    pub clock_hz: u64,
    /// The largest model it takes over the link, in bytes.
    pub model_bytes: usize,
}

/// Asks the board what it is.
pub fn board_info(link: &mut Link) -> Result<BoardInfo> {
    let reply = link.command("bn board")?;
    let text = field(&reply, "m-bn-board-")
        .ok_or_else(|| link.error(format!("unexpected answer to \"bn board\": {reply:?}")))?;
    let kv = pairs(text);
    let get = |key: &str| kv.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    Ok(BoardInfo {
        name: get("name").unwrap_or("").to_string(),
        clock_hz: get("clock-hz").and_then(|v| v.parse().ok()).unwrap_or(0),
        model_bytes: get("model-bytes").and_then(|v| v.parse().ok()).unwrap_or(0),
    })
}

/// The CRC of the model the board runs (`bn model`).
pub fn board_model_crc(link: &mut Link) -> Result<Option<u32>> {
    let reply = link.raw("bn model")?;
    Ok(field(&reply, "m-bn-model-").and_then(|text| {
        pairs(text)
            .iter()
            .find(|(k, _)| *k == "crc")
            .and_then(|(_, v)| u32::from_str_radix(v, 16).ok())
    }))
}

fn compare<T: PartialEq + std::fmt::Debug>(
    out: &mut Vec<Mismatch>,
    row: usize,
    what: &'static str,
    board: Option<T>,
    host: Option<T>,
) {
    if board != host {
        out.push(Mismatch {
            row,
            what,
            board: format!("{board:?}"),
            host: format!("{host:?}"),
        });
    }
}

/// Sends row `row` of `features` (the model's columns, in order) to the board as float
/// input, runs `bn run` and compares every integer with the host runtime's.
pub fn check_row(
    link: &mut Link,
    model: &Model<'_>,
    features: &Array2<f32>,
    row: usize,
    mismatches: &mut Vec<Mismatch>,
) -> Result<BoardRow> {
    let sample: Vec<f32> = features.row(row).to_vec();
    let bytes: Vec<u8> = sample.iter().flat_map(|v| v.to_le_bytes()).collect();
    link.load_input(&bytes)?;
    let reply = link.command("bn run")?;
    let list = |prefix: &str| field(&reply, prefix).and_then(integers);
    let number = |prefix: &str| field(&reply, prefix).and_then(|v| v.parse::<i64>().ok());

    let mut scratch = Scratch::<{ bottleneck_runtime::MAX_WIDTH }>::new();
    let mut q = vec![0i8; model.n_inputs()];
    let as_ints = |v: &[i8]| v.iter().map(|&x| i64::from(x)).collect::<Vec<_>>();
    let host_quantized = model.quantize(&sample, &mut q).ok().map(|()| as_ints(&q));
    compare(
        mismatches,
        row,
        "quantized input",
        list("m-bn-quantized-"),
        host_quantized,
    );
    let host_features = model.encode_quantized(&q, &mut scratch).ok().map(as_ints);
    compare(
        mismatches,
        row,
        "features",
        list("m-bn-features-"),
        host_features,
    );
    let view = model.view();
    let mut out = BoardRow {
        cycles: number("m-bn-cycles-").unwrap_or(0).max(0) as u64,
        ..BoardRow::default()
    };
    if view.head().is_some() {
        let host = model.infer_quantized(&q, &mut scratch).ok();
        let logits = host
            .as_ref()
            .map(|i| i.logits.iter().map(|&l| i64::from(l)).collect::<Vec<_>>());
        compare(mismatches, row, "logits", list("m-bn-logits-"), logits);
        let class = number("m-bn-class-");
        compare(
            mismatches,
            row,
            "class",
            class,
            host.map(|i| i.class as i64),
        );
        out.class = class.map(|c| c.max(0) as usize);
    }
    if view.anomaly().is_some() {
        let host = model.detect_quantized(&q, &mut scratch).ok();
        let score = number("m-bn-score-");
        compare(
            mismatches,
            row,
            "score",
            score,
            host.map(|d| i64::from(d.score)),
        );
        compare(
            mismatches,
            row,
            "verdict",
            number("m-bn-anomaly-"),
            host.map(|d| i64::from(d.is_anomaly)),
        );
        out.score = score.and_then(|s| u32::try_from(s).ok());
    }
    Ok(out)
}

/// MLPerf Tiny's performance run on the board: `infer N 10`, `loops` times, on the input
/// loaded last; the microseconds between each run's two `m-lap-us` stamps.
pub fn mlperf_laps(link: &mut Link, inferences: u32, loops: usize) -> Result<Vec<u64>> {
    let mut laps = Vec::with_capacity(loops);
    for _ in 0..loops {
        let reply = link.command(&format!("infer {inferences} 10"))?;
        let stamps: Vec<u64> = reply
            .iter()
            .filter_map(|l| l.strip_prefix("m-lap-us-"))
            .filter_map(|v| v.parse().ok())
            .collect();
        match stamps.as_slice() {
            [start, end] if end >= start => laps.push(end - start),
            _ => {
                return Err(link.error(format!(
                    "unexpected answer to \"infer {inferences} 10\": {reply:?}"
                )));
            }
        }
    }
    Ok(laps)
}

/// The median of `values` (the upper one of an even count); 0 for none.
pub fn median(values: &[u64]) -> u64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or(0)
}

/// `bottleneck device`: sends the rows of `args.data` to the board on `args.port`, checks
/// every integer it returns against the host runtime and writes the report to `out`.
/// Fails if the board cannot be reached, runs another model (without
/// `--send-model`), or any integer differs.
pub fn check_board(args: &DeviceArgs, out: &mut impl std::io::Write) -> Result<BoardCheck> {
    let bytes = std::fs::read(&args.model).map_err(|source| TrainError::Read {
        path: args.model.clone(),
        source,
    })?;
    let model = load_model(&args.model, &bytes)?;
    let (names, features, labels) = match &args.label_column {
        Some(column) => {
            let data = read_csv(&args.data, column)?;
            let labels: Vec<String> = data
                .targets
                .iter()
                .map(|&t| data.labels[t].clone())
                .collect();
            (data.feature_names, data.features, Some(labels))
        }
        None => {
            let (names, features) = read_features(&args.data, None)?;
            (names, features, None)
        }
    };
    let features = select_columns(&model, &args.data, &names, &features)?;
    let rows = args.max_rows.unwrap_or(usize::MAX).min(features.nrows());
    if rows == 0 {
        return Err(TrainError::TooFewRows {
            source_name: args.data.display().to_string(),
            rows: 0,
            needed: "bottleneck device needs at least one row to send".into(),
        });
    }
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        return Err(TrainError::InvalidSetting {
            flag: "timeout",
            problem: format!("{} is not a positive number of seconds", args.timeout),
        });
    }
    let mut link = Link::open(&args.port, std::time::Duration::from_secs_f64(args.timeout))?;
    let name = link.sync()?;
    let board = board_info(&mut link)?;
    let file_crc = model.view().header().crc32;
    match board_model_crc(&mut link)? {
        Some(crc) if crc == file_crc => {}
        _ if args.send_model => {
            if bytes.len() > board.model_bytes {
                return Err(link.error(format!(
                    "{} is {} bytes; the board takes models of at most {} bytes over the link",
                    args.model.display(),
                    bytes.len(),
                    board.model_bytes
                )));
            }
            link.load_model(&bytes)?;
        }
        Some(crc) => {
            return Err(link.error(format!(
                "the board runs another model (CRC {crc:08x}; {} has {file_crc:08x}): flash \
                 it, or pass --send-model to send it into the board's RAM",
                args.model.display()
            )));
        }
        None => {
            return Err(link.error(
                "the board's own model does not load; pass --send-model to send one".to_string(),
            ));
        }
    }
    wln!(
        out,
        "board: {name} on {} (cycle counter at {} Hz); model {} (CRC {file_crc:08x})",
        args.port,
        board.clock_hz,
        args.model.display()
    );
    let mut mismatches = Vec::new();
    let mut results = Vec::with_capacity(rows);
    for row in 0..rows {
        results.push(check_row(
            &mut link,
            &model,
            &features,
            row,
            &mut mismatches,
        )?);
    }
    let differing: std::collections::BTreeSet<usize> = mismatches.iter().map(|m| m.row).collect();
    if mismatches.is_empty() {
        wln!(
            out,
            "rows: {rows}, bit-exact: every integer of every row (quantized input, features{}{}) \
             equals the host runtime's",
            if model.view().head().is_some() {
                ", logits, class"
            } else {
                ""
            },
            if model.view().anomaly().is_some() {
                ", score, verdict"
            } else {
                ""
            },
        );
    } else {
        wln!(
            out,
            "rows: {rows}, {} differ from the host runtime:",
            differing.len()
        );
        for m in mismatches.iter().take(10) {
            wln!(
                out,
                "  row {}: {}: board {}, host {}",
                m.row,
                m.what,
                m.board,
                m.host
            );
        }
        if mismatches.len() > 10 {
            wln!(out, "  ... and {} more", mismatches.len() - 10);
        }
    }
    if let Some(labels) = &labels {
        let known: Vec<(usize, usize)> = results
            .iter()
            .zip(labels)
            .filter_map(|(r, label)| {
                let class = r.class?;
                let k = (0..model.n_classes()).find(|&k| model.label(k) == Some(label.as_str()))?;
                Some((class, k))
            })
            .collect();
        if !known.is_empty() {
            let right = known.iter().filter(|(a, b)| a == b).count();
            wln!(
                out,
                "accuracy (the board's classes): {:.4} ({right} of {} rows)",
                right as f64 / known.len() as f64,
                known.len()
            );
        }
        if let (Some(normal), Some(section)) = (&args.normal_label, model.view().anomaly()) {
            let scores: Vec<u32> = results.iter().filter_map(|r| r.score).collect();
            let anomalous: Vec<bool> = labels.iter().take(rows).map(|l| l != normal).collect();
            if scores.len() == anomalous.len() {
                let metrics = crate::detection::anomaly_metrics(
                    &scores,
                    f64::from(model.score_scale()),
                    None,
                    &anomalous,
                    section.threshold(),
                    Some(normal),
                );
                w!(
                    out,
                    "{}",
                    metrics.to_markdown("Anomaly detection (the board's scores)")
                );
            }
        }
    }
    let cycles: Vec<u64> = results.iter().map(|r| r.cycles).collect();
    let mean = cycles.iter().sum::<u64>() as f64 / cycles.len() as f64;
    let us = |c: f64| c / board.clock_hz.max(1) as f64 * 1e6;
    wln!(
        out,
        "latency (bn run: input quantization to the last output): mean {mean:.0} counts = \
         {:.1} us, min {}, max {} counts, at {} Hz",
        us(mean),
        cycles.iter().min().unwrap_or(&0),
        cycles.iter().max().unwrap_or(&0),
        board.clock_hz
    );
    if args.mlperf {
        // The runner's performance mode: the first row, `infer N 10` five times.
        let first: Vec<u8> = features
            .row(0)
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        link.load_input(&first)?;
        let laps = mlperf_laps(&mut link, args.mlperf_inferences, 5)?;
        let lap = median(&laps);
        wln!(
            out,
            "MLPerf Tiny performance mode: infer {} 10, 5 runs, median {lap} us = {:.2} \
             inferences/s",
            args.mlperf_inferences,
            f64::from(args.mlperf_inferences) / (lap.max(1) as f64 / 1e6)
        );
    }
    if differing.is_empty() {
        Ok(BoardCheck {
            board: name,
            rows,
            cycles,
        })
    } else {
        Err(link.error(format!(
            "{} of {rows} rows differ from the host runtime",
            differing.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_laps() {
        assert_eq!(median(&[5, 1, 3]), 3);
        assert_eq!(median(&[4, 1, 3, 2]), 3);
        assert_eq!(median(&[]), 0);
    }
}
