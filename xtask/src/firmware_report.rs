//! Footprint and speed of the firmware on every board, measured under QEMU, printed as
//! a Markdown table: `cargo xtask firmware-report [EPOCHS]` for the seed model, and with
//! `--mlperf-ad` for MLPerf Tiny's anomaly-detection autoencoder.

use std::path::PathBuf;
use std::time::Duration;

use crate::BOARDS;
use crate::firmware::{
    Prepared, SAMPLES, measure_parity, missing_tools, prepare, prepare_mlperf_ad,
};

/// What `cargo xtask firmware-report` measures.
#[derive(Debug, Clone)]
pub struct Options {
    /// Training epochs of the measured model.
    pub epochs: usize,
    /// MLPerf Tiny's AD autoencoder instead of the seed model.
    pub mlperf_ad: bool,
    /// Where to keep `model.bin` and `samples.bin` (the firmware's `BOTTLENECK_MODEL` and
    /// `BOTTLENECK_SAMPLES`) for building and profiling the firmware by hand; a temporary
    /// directory, removed afterwards, without it.
    pub keep: Option<PathBuf>,
}

/// Trains the seed model (or MLPerf Tiny's AD autoencoder), runs it on every board it
/// fits and prints the table.
pub fn run(options: &Options) -> Result<(), String> {
    if let Some(reason) = missing_tools() {
        return Err(format!("cannot measure: {reason}"));
    }
    let temporary = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = match &options.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            dir.clone()
        }
        None => temporary.path().to_path_buf(),
    };
    let (epochs, mlperf_ad) = (options.epochs, options.mlperf_ad);
    let prepared: Prepared = if mlperf_ad {
        prepare_mlperf_ad(&dir, epochs)
    } else {
        prepare(&dir, epochs)
    };
    let embedded = prepared.embedded_bytes();
    let shape = &prepared.shape;
    let macs = shape.macs;
    println!(
        "{} ({}): model.bin {} bytes; {} test samples \
         ({} bytes) embedded; {macs} MACs per inference.\n",
        if mlperf_ad {
            "MLPerf Tiny AD model"
        } else {
            "Seed model"
        },
        shape.description,
        prepared.model_bytes,
        SAMPLES,
        prepared.samples_bytes
    );
    println!(
        "| core (QEMU board) | flash: .text + .rodata | flash without model and samples | \
         static RAM (.data + .bss) | peak stack | runtime RAM (stack + scratch + handle) | \
         instructions per inference | per MAC |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mut notes = Vec::new();
    let mut counted = Vec::new();
    for board in BOARDS {
        if !prepared.fits(board) {
            notes.push(format!(
                "{} ({}): not run, {} KiB of model and samples exceed its {} KiB of flash",
                board.core,
                board.machine,
                embedded / 1024,
                board.flash.1 / 1024
            ));
            continue;
        }
        let (f, m) = measure_parity(board, &prepared, Duration::from_secs(120))?;
        let flash = f.text + f.rodata;
        println!(
            "| {} ({}) | {} B | {} B | {} B | {} B | {} B ({} + {} + {}) | {:.0} | {:.2} |",
            board.core,
            board.machine,
            flash,
            flash - embedded,
            f.data + f.bss,
            m.peak_stack,
            m.runtime_ram(),
            m.runtime_stack,
            m.scratch_bytes,
            m.handle_bytes,
            m.instructions(),
            m.instructions() / macs as f64
        );
        counted.push((board, m.instructions()));
        notes.push(format!(
            "{}: {} SysTick ticks per inference x {:.1} instructions per tick (calibrated: a \
             loop of {} instructions took {} ticks) = {:.0} instructions",
            board.core,
            m.inference_ticks,
            m.instructions_per_tick(),
            m.calibration_instructions,
            m.calibration_ticks,
            m.instructions()
        ));
    }
    if mlperf_ad {
        notes.extend(cmsis_nn_notes(&counted, macs as f64, &dir));
    }
    println!();
    for n in notes {
        println!("- {n}");
    }
    Ok(())
}

/// CMSIS-NN's kernel on the AD model's ten layers beside each core's whole inference, or
/// why it was not measured.
fn cmsis_nn_notes(
    counted: &[(crate::Board, f64)],
    macs: f64,
    dir: &std::path::Path,
) -> Vec<String> {
    use crate::bench::cmsis_nn;
    let mut notes = Vec::new();
    for &(board, ours) in counted {
        if cmsis_nn::core_flags(board).is_none() {
            continue;
        }
        match cmsis_nn::measure(board, &dir.join("cmsis-nn").join(board.name)) {
            Ok(theirs) => notes.push(format!(
                "{}: CMSIS-NN's arm_nn_vec_mat_mult_t_s8 ({}) on the ten layers alone: {theirs} \
                 instructions ({:.2} per MAC); this whole inference {ours:.0} ({:.2}x CMSIS-NN's)",
                board.core,
                &cmsis_nn::CMSIS_NN_COMMIT[..8],
                theirs as f64 / macs,
                ours / theirs as f64
            )),
            Err(e) => notes.push(format!("{}: CMSIS-NN not measured: {e}", board.core)),
        }
    }
    notes
}
