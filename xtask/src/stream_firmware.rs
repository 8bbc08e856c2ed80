//! The streaming firmware (`examples/firmware/src/bin/stream.rs`) under QEMU: a model
//! trained with `train --signal` on generated machine sound, its test recordings
//! embedded as the signal, and the lines the firmware must print, computed with the
//! trainer's integer reference (its front end and int8 inference, written apart from the
//! runtime's kernels).

use std::path::{Path, PathBuf};
use std::process::Command;

use bottleneck_format::WindowKind;
use bottleneck_trainer::data::{MachineAudioRecipe, write_wav};
use bottleneck_trainer::model::{Activation, BottleneckActivation};
use bottleneck_trainer::pipeline::{DataSource, Pipeline, RunConfig, Task};
use bottleneck_trainer::quant::ReferenceModel;
use bottleneck_trainer::signal::{
    BandLayout, FileScore, FrontEndDesign, IntegerFrontEnd, SeriesColumns, SignalSource,
};

use crate::Board;
use crate::firmware::firmware_dir;

/// A streaming model, its signal and what the firmware must print.
#[derive(Debug)]
pub struct PreparedStream {
    /// `model.bin` (with its front end).
    pub model: PathBuf,
    /// The test recordings in the firmware's signal format.
    pub signal: PathBuf,
    /// An empty float-samples file (the firmware build wants one).
    pub samples: PathBuf,
    /// The lines the firmware must print, in order.
    pub expected: Vec<String>,
    /// Per test recording, as `train` scored it (`file_scores.csv`'s rows).
    pub files: Vec<FileScore>,
}

/// The QEMU test's front end: small enough for the micro:bit's 16 KiB of RAM and
/// 256 KiB of flash (8 kHz, frames of 256 every 128, 24 mel bands, 3 frames: 72 inputs),
/// with smoothing over 3 windows and a 2-of-4 alarm so both rules run.
pub fn qemu_design() -> FrontEndDesign {
    FrontEndDesign {
        sample_rate: 0,
        channels: 0,
        frame_len: 256,
        hop: 128,
        window: WindowKind::Hann,
        bands: BandLayout::Mel {
            n: 24,
            f_min: 0.0,
            f_max: 0.0,
        },
        frames: 3,
        smoothing: 3,
        alarm_count: 2,
        alarm_window: 4,
    }
}

/// Generates machine sound (8 kHz, half-second clips: 16 training, 4 + 4 test), trains
/// `task` through `train --signal`'s pipeline and writes what the firmware embeds.
pub fn prepare_stream(dir: &Path, epochs: usize, task: Task) -> PreparedStream {
    let clips = MachineAudioRecipe {
        train_clips: 16,
        test_clips: 4,
        seconds: 0.5,
        sample_rate: 8000,
        seed: 3,
    }
    .generate()
    .expect("the recipe is valid");
    let audio = dir.join("audio");
    for sub in ["train", "test"] {
        std::fs::create_dir_all(audio.join(sub)).expect("make folders");
    }
    for clip in &clips {
        write_wav(&audio.join(&clip.path), &clip.wav).expect("write clip");
    }
    let source = SignalSource {
        path: audio,
        columns: SeriesColumns::default(),
        design: qemu_design(),
    };
    let config = RunConfig {
        data: DataSource::Signal(source.clone()),
        task,
        normal_label: (task != Task::Classify).then(|| "normal".into()),
        hidden: Some(vec![32]),
        bottleneck: Some(8),
        activation: Activation::Relu,
        bottleneck_activation: BottleneckActivation::Linear,
        epochs,
        ..RunConfig::default()
    };
    let mut pipeline = Pipeline::run(config, |_| {}).expect("training the model");
    let exported = pipeline.export().expect("export");
    let model = dir.join("model.bin");
    std::fs::write(&model, &exported.bytes).expect("write model");
    let samples = dir.join("samples.bin");
    std::fs::write(&samples, []).expect("write samples");

    let data = source.read(1, 0.33).expect("the recordings read again");
    let mut signal = Vec::new();
    for r in &data.test {
        signal.extend((r.samples.len() as u32).to_le_bytes());
        signal.extend(r.samples.iter().flat_map(|s| s.to_le_bytes()));
    }
    let signal_path = dir.join("signal.bin");
    std::fs::write(&signal_path, &signal).expect("write signal");

    let spec = &exported.spec;
    let front_end = spec
        .front_end
        .as_ref()
        .expect("a signal model has a front end");
    let integer = IntegerFrontEnd::new(front_end);
    let reference = ReferenceModel::new(spec);
    let threshold = spec.anomaly.as_ref().map(|a| a.threshold);
    let mut expected = Vec::new();
    for (k, r) in data.test.iter().enumerate() {
        let inputs = integer.inputs(&integer.log_bands(&r.samples));
        let outs: Vec<_> = inputs.iter().map(|q| reference.infer(q)).collect();
        let scores: Vec<u32> = outs.iter().map(|o| o.score).collect();
        let smoothed = integer.smoothed(&scores);
        let verdicts: Vec<bool> = smoothed
            .iter()
            .map(|&s| threshold.is_some_and(|t| s > t))
            .collect();
        let alarms = integer.alarms(&verdicts);
        if let Some(q) = inputs.first() {
            expected.push(format!("rec {k}: q {}", hex(q)));
        }
        let detects = threshold.is_some();
        for (i, out) in outs.iter().enumerate() {
            let opt = |v: u32| if detects { i64::from(v) } else { -1 };
            expected.push(format!(
                "rec {k} window {i}: score {} smoothed {} anomaly {} alarm {} class {}",
                opt(out.score),
                opt(smoothed[i]),
                verdicts[i],
                detects && alarms[i],
                if spec.head.is_some() {
                    out.class as i64
                } else {
                    -1
                }
            ));
        }
        let sum: u64 = if detects {
            scores.iter().map(|&s| u64::from(s)).sum()
        } else {
            0
        };
        expected.push(format!("rec {k}: windows {} score sum {sum}", outs.len()));
    }
    PreparedStream {
        model,
        signal: signal_path,
        samples,
        expected,
        files: exported.files.clone().unwrap_or_default(),
    }
}

fn hex(v: &[i8]) -> String {
    v.iter().map(|&b| format!("{:02x}", b as u8)).collect()
}

/// Builds the streaming firmware for `board`; returns its ELF, or cargo's output.
pub fn build_stream(board: Board, prepared: &PreparedStream) -> Result<PathBuf, String> {
    build_signal_bin(
        board,
        "stream",
        &prepared.model,
        &prepared.samples,
        &prepared.signal,
    )
}

/// Builds one binary of the firmware's `stream` feature (`stream`, `front_end`) for
/// `board` with `model` and `signal` embedded (`samples`: the float samples every build
/// wants, empty here); returns its ELF, or cargo's output.
pub fn build_signal_bin(
    board: Board,
    bin: &str,
    model: &Path,
    samples: &Path,
    signal: &Path,
) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = crate::firmware::firmware_target_dir();
    let output = Command::new(cargo)
        .current_dir(firmware_dir())
        .args(["build", "--release", "--bin", bin, "--features", "stream"])
        .args(["--target", board.target])
        .args(board.cargo_config_args())
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("BOTTLENECK_BOARD", board.name)
        .env("BOTTLENECK_MODEL", model)
        .env("BOTTLENECK_SAMPLES", samples)
        .env("BOTTLENECK_SIGNAL", signal)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(target_dir.join(board.target).join("release").join(bin))
}
