//! The `bottleneck` binary.

use std::process::ExitCode;

use bottleneck_trainer::Result;
use bottleneck_trainer::cli::{Cli, Command, GenerateArgs, TrainArgs};
use bottleneck_trainer::data::write_csv;
use bottleneck_trainer::pipeline::Pipeline;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

fn train(args: &TrainArgs) -> Result<()> {
    let config = args.run_config();
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(args.epochs as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] epoch {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let pipeline = Pipeline::run(config, |s| {
        bar.set_position(s.epoch as u64);
        bar.set_message(format!(
            "loss {:.5}  val_loss {:.5}",
            s.train_loss, s.valid_loss
        ));
    });
    bar.finish_and_clear();
    let pipeline = pipeline?;
    let written = pipeline.write_artifacts(&args.out)?;
    if !args.quiet {
        let r = &pipeline.report;
        println!(
            "trained in {:.1} s: final loss {:.5}, val_loss {:.5}",
            r.autoencoder.training_seconds,
            r.autoencoder.final_train_mse,
            r.autoencoder.final_valid_mse
        );
        println!(
            "logistic regression accuracy: raw features {:.3}, bottleneck features {:.3}",
            r.accuracy.raw_features, r.accuracy.bottleneck_features
        );
        for path in written {
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

fn generate(args: &GenerateArgs) -> Result<()> {
    let data = args.recipe().generate()?;
    write_csv(&data, &args.out)?;
    println!(
        "wrote {} ({} rows, {} features, {} classes)",
        args.out.display(),
        data.n_rows(),
        data.n_features(),
        data.n_classes()
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Train(args) => train(args),
        Command::Generate(args) => generate(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
