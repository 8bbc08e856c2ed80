//! The `bottleneck` binary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bottleneck_trainer::artifacts::{write_all_atomically, write_atomically};
use bottleneck_trainer::cli::Generated;
use bottleneck_trainer::cli::{
    Cli, Command, DeviceArgs, EvalArgs, ExportArgs, GenerateArgs, PredictArgs, TrainArgs,
};
use bottleneck_trainer::data::{read_csv, read_features, write_csv, write_csv_exact, write_wav};
use bottleneck_trainer::device_check::check_board;
use bottleneck_trainer::export_files::{c_header, is_identifier, rust_source, samples};
use bottleneck_trainer::fit::{Rows, fit};
use bottleneck_trainer::model_tools::{evaluate, inspect, load_model, predict_csv, select_columns};
use bottleneck_trainer::pipeline::{Phase, Pipeline, RunConfig};
use bottleneck_trainer::quant::ExportedModel;
use bottleneck_trainer::repeats::{RepeatRun, Repeats};
use bottleneck_trainer::report::Report;
use bottleneck_trainer::signal::predict_signal;
use bottleneck_trainer::{Result, TrainError};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

/// One training run with its progress display; `run` labels it ("run 2/5") when there
/// are several.
fn train_once(args: &TrainArgs, config: RunConfig, run: &str) -> Result<(Pipeline, ExportedModel)> {
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(args.epochs as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{elapsed_precise}} [{{bar:30}}] {run}epoch {{pos}}/{{len}} {{msg}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    // After the epochs, the long phases (classifier fits, quantization) on a spinner.
    let spinner = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    spinner.set_style(
        ProgressStyle::with_template(&format!("{{elapsed_precise}} {{spinner}} {run}{{msg}}"))
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let show = |phase: Phase| {
        if !bar.is_finished() {
            bar.finish_and_clear();
            spinner.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        spinner.set_message(phase.to_string());
    };
    let fitted = fit(
        config,
        Rows::FromConfig,
        |s| {
            bar.set_position(s.epoch as u64);
            bar.set_message(format!(
                "loss {:.5}  val_loss {:.5}",
                s.train_loss, s.valid_loss
            ));
        },
        show,
    );
    bar.finish_and_clear();
    spinner.finish_and_clear();
    let fitted = fitted?;
    Ok((fitted.pipeline, fitted.model))
}

/// One line of a run's accuracies, for `--repeats`.
fn run_summary(report: &Report, label: &str) -> String {
    let mut line = label.trim_end().to_string() + ":";
    if let Some(a) = &report.accuracy {
        line += &format!(
            " LR raw {:.3}, bottleneck {:.3}",
            a.raw_features, a.bottleneck_features
        );
    }
    if let Some(d) = &report.device {
        line += &format!(
            ", int8 {:.3} ({:.1} % of classes as the float pipeline)",
            d.device_accuracy,
            100.0 * d.float_pipeline_agreement
        );
    }
    if let Some(a) = &report.anomaly {
        // Four places, as the report prints AUCs; "n/a" where it is undefined.
        line += &match a.auc_int8 {
            Some(auc) => format!(", AUC int8 {auc:.4}"),
            None => ", AUC int8 n/a".to_string(),
        };
    }
    line
}

fn train(args: &TrainArgs) -> Result<()> {
    let config = args.run_config()?;
    let (pipeline, model) = if args.repeats == 1 {
        train_once(args, config, "")?
    } else {
        if config.seed.checked_add(args.repeats - 1).is_none() {
            return Err(TrainError::InvalidSetting {
                flag: "repeats",
                problem: format!(
                    "the seeds {} to {} + {} overflow",
                    config.seed,
                    config.seed,
                    args.repeats - 1
                ),
            });
        }
        let mut kept = None;
        let mut runs = Vec::new();
        for k in 0..args.repeats {
            let seed = config.seed + k;
            let run_config = RunConfig {
                training_seed: Some(seed),
                ..config.clone()
            };
            let label = format!("run {}/{} (seed {seed}) ", k + 1, args.repeats);
            let (pipeline, model) = train_once(args, run_config, &label)?;
            runs.push(RepeatRun::from_report(seed, &pipeline.report));
            if !args.quiet {
                println!("{}", run_summary(&pipeline.report, &label));
            }
            if kept.is_none() {
                kept = Some((pipeline, model));
            }
        }
        let (mut pipeline, model) = kept.ok_or(TrainError::InvalidSetting {
            flag: "repeats",
            problem: "must be at least 1".into(),
        })?;
        // The kept run's config says what produced its model: seed, not training_seed.
        pipeline.config.training_seed = None;
        pipeline.report.repeats = Some(Repeats::new(runs));
        (pipeline, model)
    };
    let written = pipeline.write_artifacts(&args.out, Some(&model))?;
    if !args.quiet {
        let r = &pipeline.report;
        println!(
            "trained in {:.1} s: final loss {:.5}, val_loss {:.5}",
            r.autoencoder.training_seconds,
            r.autoencoder.final_train_mse,
            r.autoencoder.final_valid_mse
        );
        if let Some(a) = &r.accuracy {
            println!(
                "logistic regression accuracy: raw features {:.3}, bottleneck features {:.3}",
                a.raw_features, a.bottleneck_features
            );
        }
        if let Some(d) = &model.metrics {
            // Both agreements, named: "agreement with float" alone read as the float
            // pipeline's while it was the device head's own float twin.
            println!(
                "int8 model: accuracy {:.3}; same class as the float pipeline on {:.1} % of \
                 test rows, as its own head on float features on {:.1} %",
                d.device_accuracy,
                100.0 * d.float_pipeline_agreement,
                100.0 * d.class_agreement,
            );
        }
        if let Some(a) = &model.anomaly {
            let auc =
                |v: Option<f64>| v.map_or_else(|| "undefined".to_string(), |v| format!("{v:.4}"));
            println!(
                "anomaly threshold: integer score {} (mean squared error {:.6}); test ROC AUC float {}, int8 {}{}",
                a.threshold,
                a.threshold_mse,
                auc(a.auc_float),
                auc(a.auc_int8),
                a.auc_note
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            );
            println!(
                "  at the threshold: precision {:.3}, recall {:.3}, F1 {:.3}, {:.1} % of normal test rows flagged",
                a.precision,
                a.recall,
                a.f1,
                100.0 * a.flagged_normal_rate
            );
        }
        if let Some(r) = &pipeline.report.repeats {
            let spread = |name: &str, s: Option<bottleneck_trainer::repeats::Spread>| {
                s.map(|s| format!("{name} {:.3} ({:.3}-{:.3})", s.mean, s.min, s.max))
            };
            let parts: Vec<String> = [
                spread("LR bottleneck", r.bottleneck_features),
                spread("int8", r.device),
                spread("AUC int8", r.auc_int8),
            ]
            .into_iter()
            .flatten()
            .collect();
            let figures = if parts.is_empty() {
                "no test-split accuracy or AUC applies".to_string()
            } else {
                format!("mean (min-max): {}", parts.join(", "))
            };
            println!(
                "{} seeds, {figures}; the files are seed {}'s",
                r.runs.len(),
                r.kept_seed
            );
        }
        println!("model file: {} bytes", model.bytes.len());
        for path in written {
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

fn generate(args: &GenerateArgs) -> Result<()> {
    match args.generate_any()? {
        Generated::Table(data, exact) => {
            match &exact {
                Some(values) => write_csv_exact(&data, values, &args.out)?,
                None => write_csv(&data, &args.out)?,
            }
            println!(
                "wrote {} ({} rows, {} features, {} classes)",
                args.out.display(),
                data.n_rows(),
                data.n_features(),
                data.n_classes()
            );
        }
        Generated::Clips(clips) => {
            for sub in ["train", "test"] {
                let dir = args.out.join(sub);
                std::fs::create_dir_all(&dir).map_err(|e| TrainError::Write {
                    path: dir.clone(),
                    message: e.to_string(),
                })?;
            }
            for clip in &clips {
                write_wav(&args.out.join(&clip.path), &clip.wav)?;
            }
            let count = |prefix: &str| clips.iter().filter(|c| c.path.starts_with(prefix)).count();
            println!(
                "wrote {} WAV clips into {}: {} in train/ (normal), {} normal and {} anomalous in test/",
                clips.len(),
                args.out.display(),
                count("train/"),
                count("test/normal"),
                count("test/anomaly")
            );
        }
        Generated::Series(recipe) => {
            recipe.write(&args.out)?;
            println!(
                "wrote {} ({} segments of {} s at {} Hz: time,x,y,z,segment,label)",
                args.out.display(),
                recipe.segments,
                recipe.seconds,
                recipe.sample_rate
            );
        }
    }
    Ok(())
}

fn read_model(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| TrainError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn eval(args: &EvalArgs) -> Result<()> {
    let bytes = read_model(&args.model)?;
    let model = load_model(&args.model, &bytes)?;
    let data = read_csv(&args.data, &args.label_column)?;
    let report = evaluate(&model, &args.data, &data, args.normal_label.as_deref())?;
    if let Some(e) = &report.classification {
        println!("accuracy: {:.4} ({} rows)", e.accuracy, e.rows);
        if e.unseen_label_rows > 0 {
            println!(
                "{} rows have a label the classifier does not know: left out of the accuracy \
                 (the anomaly metrics count them)",
                e.unseen_label_rows
            );
        }
        print!("{}", e.table());
    }
    if let Some(a) = &report.anomaly {
        print!("{}", a.to_markdown("Anomaly detection"));
    }
    Ok(())
}

fn device(args: &DeviceArgs) -> Result<()> {
    check_board(args, &mut std::io::stdout()).map(|_| ())
}

fn predict(args: &PredictArgs) -> Result<()> {
    let bytes = read_model(&args.model)?;
    let model = load_model(&args.model, &bytes)?;
    let csv = match (&args.data, &args.signal) {
        (_, Some(signal)) => predict_signal(&model, signal)?,
        (Some(data), None) => {
            if model.view().front_end().is_some() {
                eprintln!(
                    "note: {} has a signal front end; --data rows are its int8 inputs' \
                     float features, --signal streams raw samples",
                    args.model.display()
                );
            }
            let (names, features) = read_features(data, args.label_column.as_deref())?;
            predict_csv(&model, data, &names, &features)?
        }
        (None, None) => {
            return Err(TrainError::InvalidSetting {
                flag: "data",
                problem: "give --data FILE.csv or --signal FILE.wav|DIR".into(),
            });
        }
    };
    match &args.out {
        Some(path) => write_atomically(path, csv.as_bytes()),
        None => {
            print!("{csv}");
            Ok(())
        }
    }
}

fn export(args: &ExportArgs) -> Result<()> {
    let bytes = read_model(&args.model)?;
    // Only a valid file is exported: firmware would find out on the device otherwise.
    let model = load_model(&args.model, &bytes)?;
    if !is_identifier(&args.name) {
        return Err(TrainError::InvalidSetting {
            flag: "name",
            problem: format!("{:?} is not a C identifier", args.name),
        });
    }
    let description = inspect(&bytes).text;
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    if let Some(path) = &args.c_header {
        files.push((
            path.clone(),
            c_header(&args.name, &bytes, &description).into_bytes(),
        ));
    }
    if let Some(path) = &args.rust {
        files.push((
            path.clone(),
            rust_source(&args.name, &bytes, &description).into_bytes(),
        ));
    }
    let mut rows = 0;
    if let (Some(csv), Some(out)) = (&args.samples, &args.out) {
        let (names, features) = read_features(csv, None)?;
        let mut selected = select_columns(&model, csv, &names, &features)?;
        if let Some(max) = args.max_rows {
            selected = selected
                .slice(ndarray::s![..max.min(selected.nrows()), ..])
                .to_owned();
        }
        rows = selected.nrows();
        files.push((out.clone(), samples(&selected)));
    }
    // All or nothing: every file is rendered first, then all are written atomically.
    write_all_atomically(&files)?;
    for (path, _) in &files {
        println!("wrote {}", path.display());
    }
    if args.samples.is_some() {
        println!("{rows} samples of {} features", model.n_inputs());
    }
    Ok(())
}

/// A closed standard output (`bottleneck predict … | head`) ends the command quietly, as
/// it ends `cat` or `grep`, instead of a panic in `println!`: the default SIGPIPE action
/// comes back (Rust's runtime ignores the signal, so that writes fail instead).
fn restore_sigpipe() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: sets this process's SIGPIPE disposition, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Train(args) => train(args),
        Command::Generate(args) => generate(args),
        Command::Inspect(args) => read_model(&args.model).and_then(|bytes| {
            let inspection = inspect(&bytes);
            print!("{}", inspection.text);
            if inspection.valid {
                Ok(())
            } else {
                Err(TrainError::InvalidModel {
                    path: args.model.clone(),
                })
            }
        }),
        Command::Eval(args) => eval(args),
        Command::Predict(args) => predict(args),
        Command::Export(args) => export(args),
        Command::Device(args) => device(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Each error's Display says only its own part; the causes follow it.
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
