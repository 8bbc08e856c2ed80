//! The signal front end against CMSIS-DSP (BENCHMARKS.md, "Signal front end"): MLPerf
//! Tiny's anomaly-detection features (n_fft 1024, 128 mel bands) on frames of generated
//! machine sound, timed under QEMU on every core of the board table — the Rust front
//! end (`bin/front_end.rs`, its values checked against the trainer's integer reference)
//! and, on the Arm cores, CMSIS-DSP's `arm_rfft_q15`, `arm_mfcc_q15`'s mel steps and
//! `arm_mfcc_q15` compiled with arm-none-eabi-gcc (`cmsis.rs`) — with each one's
//! accuracy against its own float definition.

use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

use bottleneck_trainer::data::{MachineAudioRecipe, write_wav};
use bottleneck_trainer::model::{Activation, BottleneckActivation};
use bottleneck_trainer::pipeline::{DataSource, Pipeline, RunConfig, Task};
use bottleneck_trainer::signal::{
    FloatFrontEnd, FrontEndDesign, IntegerFrontEnd, SeriesColumns, SignalSource, snr_db,
};

use super::cmsis;
use crate::firmware::{numbers, run_qemu};
use crate::stream_firmware::build_signal_bin;
use crate::{BOARDS, Board};

/// Boards timed: one per core the issue names (the Armv6-M build on the AN385 holds the AD
/// model, which the micro:bit's flash does not).
const CORES: &[&str] = &["m0-an385", "m4f", "m33", "rv32"];

/// The hop of MLPerf Tiny's features: 512 samples at 16 kHz.
const HOP_SECONDS: f64 = 0.032;

/// Clock of the NUCLEO-L4R5ZI MLPerf Tiny measures on (the "120 MHz M4F").
const M4F_HARDWARE_HZ: f64 = 120e6;

/// One core's figures.
#[derive(Debug, Clone)]
pub struct CoreRow {
    /// The board.
    pub board: Board,
    /// Instructions for one frame's log-band values (min over the frames).
    pub frame: u64,
    /// Instructions for a stream's whole hop: the frame and the AD model's window.
    pub hop: u64,
    /// CMSIS-DSP: `arm_rfft_q15`, Q15 mel steps, `arm_mfcc_q15`, Q31 mel steps (Arm
    /// cores).
    pub cmsis: Option<[u64; 4]>,
    /// Flash of the Rust front end's code and tables (its crate's symbols).
    pub flash: u64,
    /// Flash of CMSIS-DSP's code and tables in its benchmark.
    pub cmsis_flash: Option<u64>,
    /// RAM of a `Stream` for the model (ring, FFT work, frames, input).
    pub stream_ram: u64,
    /// Instructions per stage of one frame: window, FFT, split, power per bin with the
    /// frame shift, bands and log.
    pub stages: [u64; 5],
}

/// Everything the section states.
#[derive(Debug, Clone)]
pub struct FrontEndBench {
    /// Per core.
    pub rows: Vec<CoreRow>,
    /// Frames timed.
    pub frames: usize,
    /// Per-feature SNR of the Rust front end's log-mel against its float definition.
    pub snr: Accuracy,
    /// The same for CMSIS-DSP's Q15 mel steps.
    pub cmsis_snr: Accuracy,
    /// The same for CMSIS-DSP's Q31 mel steps.
    pub cmsis31_snr: Accuracy,
    /// Bytes of the front-end record in the model file (window, bands, affine).
    pub record_bytes: usize,
    /// Bytes of CMSIS-DSP's buffers for one frame (input, spectrum, mel values).
    pub cmsis_ram: u64,
}

fn board(name: &str) -> Result<Board, String> {
    BOARDS
        .iter()
        .copied()
        .find(|b| b.name == name)
        .ok_or_else(|| format!("no board {name}"))
}

/// Instructions for `ticks`, from a `calibration N instructions in T ticks` line.
fn instructions(ticks: u64, lines: &[String]) -> Result<u64, String> {
    let line = lines
        .iter()
        .find(|l| l.starts_with("timing:"))
        .ok_or("no timing line")?;
    let n = numbers(line);
    let [.., calib_instructions, calib_ticks] = n.as_slice() else {
        return Err(format!("cannot read {line:?}"));
    };
    Ok((ticks as f64 * *calib_instructions as f64 / *calib_ticks as f64).round() as u64)
}

/// Sum of the sizes of the ELF's symbols that `keep` accepts.
fn symbol_bytes(elf: &Path, keep: impl Fn(&str) -> bool) -> Result<u64, String> {
    use object::{Object, ObjectSymbol};
    let bytes = std::fs::read(elf).map_err(|e| format!("{}: {e}", elf.display()))?;
    let file = object::File::parse(&*bytes).map_err(|e| e.to_string())?;
    Ok(file
        .symbols()
        .filter(|s| s.name().is_ok_and(&keep))
        .map(|s| s.size())
        .sum())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Per-feature SNR, min and median, over the loud frames and over every frame (the
/// quiet ones are each clip's fourth, [`QUIET`]).
fn snr_loud_and_all(reference: &[Vec<f64>], measured: &[Vec<f64>]) -> Accuracy {
    let loud = |v: &[Vec<f64>]| -> Vec<Vec<f64>> {
        v.iter()
            .enumerate()
            .filter(|(f, _)| f % 4 != QUIET)
            .map(|(_, x)| x.clone())
            .collect()
    };
    Accuracy {
        loud: snr_per_feature(&loud(reference), &loud(measured)),
        all: snr_per_feature(reference, measured),
    }
}

/// Which frame of each clip's four is 40 dB quieter.
const QUIET: usize = 3;

/// SNR per feature in dB: min and median, over loud frames and over all frames.
#[derive(Debug, Clone, Copy)]
pub struct Accuracy {
    /// Over the loud frames.
    pub loud: (f64, f64),
    /// Over every frame, the quiet ones included.
    pub all: (f64, f64),
}

/// Per-feature SNR over frames: `reference[f][j]` against `measured[f][j]`.
fn snr_per_feature(reference: &[Vec<f64>], measured: &[Vec<f64>]) -> (f64, f64) {
    let width = reference[0].len();
    let snrs: Vec<f64> = (0..width)
        .map(|j| {
            let r: Vec<f64> = reference.iter().map(|f| f[j]).collect();
            let m: Vec<f64> = measured.iter().map(|f| f[j]).collect();
            snr_db(&r, &m)
        })
        .collect();
    (
        snrs.iter().copied().fold(f64::INFINITY, f64::min),
        median(snrs),
    )
}

/// CMSIS-DSP's log-mel by its float definition: `ln Σ_k c_bk |X_k|` with `X` the DFT of
/// the windowed frame (samples / 32768) and `c` the Q15 filters / 32768.
fn cmsis_reference(frame: &[i16], window: &[i16], bands: &[(u16, Vec<i16>)]) -> Vec<f64> {
    let n = frame.len();
    let x: Vec<f64> = frame
        .iter()
        .zip(window)
        .map(|(&s, &w)| f64::from(s) / 32768.0 * f64::from(w) / 32768.0)
        .collect();
    let magnitude = |k: usize| {
        let (mut re, mut im) = (0.0, 0.0);
        for (i, v) in x.iter().enumerate() {
            let phase = -2.0 * std::f64::consts::PI * (k * i % n) as f64 / n as f64;
            re += v * phase.cos();
            im += v * phase.sin();
        }
        (re * re + im * im).sqrt()
    };
    let spectrum: Vec<f64> = (0..=n / 2).map(magnitude).collect();
    bands
        .iter()
        .map(|(first, w)| {
            let e: f64 = w
                .iter()
                .enumerate()
                .map(|(i, &c)| f64::from(c) / 32768.0 * spectrum[usize::from(*first) + i])
                .sum();
            e.ln()
        })
        .collect()
}

/// The C tables: the design's Hann window and mel filters in Q15 (a Q15 value tops at
/// 32767), an orthonormal 13 × 128 DCT-II, the frames.
fn tables_h(window: &[i16], bands: &[(u16, Vec<i16>)], frames: &[Vec<i16>]) -> String {
    let n_dct = 13;
    let m = bands.len();
    let mut h =
        String::from("/* Written by cargo xtask bench-front-end. */\n#include \"arm_math.h\"\n");
    let _ = writeln!(h, "#define BENCH_FFT_LEN {}", window.len());
    let _ = writeln!(h, "#define BENCH_MELS {m}\n#define BENCH_DCT {n_dct}");
    let _ = writeln!(h, "#define BENCH_FRAMES {}", frames.len());
    let list = |v: &mut dyn Iterator<Item = String>| v.collect::<Vec<_>>().join(",");
    let _ = writeln!(
        h,
        "static const q15_t bench_window[] = {{{}}};",
        list(&mut window.iter().map(|v| v.to_string()))
    );
    let _ = writeln!(
        h,
        "static const uint32_t bench_filter_pos[] = {{{}}};",
        list(&mut bands.iter().map(|(f, _)| f.to_string()))
    );
    let _ = writeln!(
        h,
        "static const uint32_t bench_filter_len[] = {{{}}};",
        list(&mut bands.iter().map(|(_, w)| w.len().to_string()))
    );
    let _ = writeln!(
        h,
        "static const q15_t bench_filter_coefs[] = {{{}}};",
        list(
            &mut bands
                .iter()
                .flat_map(|(_, w)| w.iter().map(|v| v.to_string()))
        )
    );
    let dct = (0..n_dct).flat_map(|k| {
        (0..m).map(move |i| {
            let scale = if k == 0 {
                (1.0 / m as f64).sqrt()
            } else {
                (2.0 / m as f64).sqrt()
            };
            let v = scale * (std::f64::consts::PI * (i as f64 + 0.5) * k as f64 / m as f64).cos();
            ((v * 32768.0).round().clamp(-32768.0, 32767.0) as i16).to_string()
        })
    });
    let _ = writeln!(
        h,
        "static const q15_t bench_dct[] = {{{}}};",
        list(&mut dct.into_iter())
    );
    let _ = writeln!(h, "static const q15_t bench_frames[][BENCH_FFT_LEN] = {{");
    for f in frames {
        let _ = writeln!(h, "{{{}}},", list(&mut f.iter().map(|v| v.to_string())));
    }
    h + "};\n"
}

/// Trains MLPerf Tiny's AD model on generated clips (briefly: speed does not depend on
/// the weights), times both front ends on every core and measures their accuracy.
pub fn run(dir: &Path) -> Result<FrontEndBench, String> {
    let clips = MachineAudioRecipe {
        train_clips: 6,
        test_clips: 2,
        seconds: 1.0,
        sample_rate: 16_000,
        seed: 7,
    }
    .generate()
    .map_err(|e| e.to_string())?;
    let audio = dir.join("audio");
    for sub in ["train", "test"] {
        std::fs::create_dir_all(audio.join(sub)).map_err(|e| e.to_string())?;
    }
    for clip in &clips {
        write_wav(&audio.join(&clip.path), &clip.wav).map_err(|e| e.to_string())?;
    }
    let design = FrontEndDesign {
        sample_rate: 0,
        channels: 0,
        ..FrontEndDesign::mlperf_ad()
    };
    let config = RunConfig {
        data: DataSource::Signal(SignalSource {
            path: audio,
            columns: SeriesColumns::default(),
            design,
        }),
        task: Task::Anomaly,
        normal_label: Some("normal".into()),
        hidden: Some(vec![128; 4]),
        bottleneck: Some(8),
        activation: Activation::Relu,
        bottleneck_activation: BottleneckActivation::Same,
        epochs: 2,
        ..RunConfig::default()
    };
    let mut pipeline = Pipeline::run(config, |_| {}).map_err(|e| e.to_string())?;
    let exported = pipeline.export().map_err(|e| e.to_string())?;
    let spec = exported.spec.front_end.clone().ok_or("no front end")?;
    let n = usize::from(spec.frame_len);

    // Frames: three loud ones of a normal clip and of one with bearing clicks, and one of
    // each 40 dB quieter (a microphone's level is not full scale).
    let normal = &clips
        .iter()
        .find(|c| c.path == "test/normal_00000.wav")
        .ok_or("clip")?
        .wav;
    let clicks = &clips
        .iter()
        .find(|c| c.path == "test/anomaly_00000.wav")
        .ok_or("clip")?
        .wav;
    let mut frames: Vec<Vec<i16>> = Vec::new();
    for clip in [normal, clicks] {
        for k in 0..4 {
            let frame = clip.samples[k * n..(k + 1) * n].to_vec();
            frames.push(if k == QUIET {
                frame.iter().map(|&s| s / 100).collect()
            } else {
                frame
            });
        }
    }
    let model_path = dir.join("model.bin");
    std::fs::write(&model_path, &exported.bytes).map_err(|e| e.to_string())?;
    let samples = dir.join("samples.bin");
    std::fs::write(&samples, []).map_err(|e| e.to_string())?;
    let signal = dir.join("signal.bin");
    let signal_bytes: Vec<u8> = frames
        .iter()
        .flatten()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    std::fs::write(&signal, signal_bytes).map_err(|e| e.to_string())?;

    // Accuracy: each front end against its own float definition.
    let integer = IntegerFrontEnd::new(&spec);
    let expected: Vec<Vec<u32>> = frames
        .iter()
        .map(|f| integer.log_bands(f).remove(0))
        .collect();
    let float = FloatFrontEnd::new(&FrontEndDesign::mlperf_ad());
    let float_db: Vec<Vec<f64>> = frames
        .iter()
        .map(|f| float.log_bands_db(f).remove(0))
        .collect();
    let (alpha, beta) = FrontEndDesign::mlperf_ad().log_band_to_db();
    let ours_db: Vec<Vec<f64>> = expected
        .iter()
        .map(|l| {
            l.iter()
                .zip(&beta)
                .map(|(&v, b)| alpha * f64::from(v) + b)
                .collect()
        })
        .collect();
    let snr = snr_loud_and_all(&float_db, &ours_db);

    let q15 = |v: u16| v.min(32767) as i16;
    let window: Vec<i16> = spec.window.iter().map(|&w| q15(w)).collect();
    let bands: Vec<(u16, Vec<i16>)> = spec
        .bands
        .iter()
        .map(|(first, w)| (*first, w.iter().map(|&v| q15(v)).collect()))
        .collect();
    let cmsis_dir = dir.join("cmsis");
    std::fs::create_dir_all(&cmsis_dir).map_err(|e| e.to_string())?;
    std::fs::write(
        cmsis_dir.join("tables.h"),
        tables_h(&window, &bands, &frames),
    )
    .map_err(|e| e.to_string())?;
    let cmsis_float: Vec<Vec<f64>> = frames
        .iter()
        .map(|f| cmsis_reference(f, &window, &bands))
        .collect();

    let mut rows = Vec::new();
    let mut cmsis_snr = None;
    for name in CORES {
        let board = board(name)?;
        eprintln!("front end on {} ({})...", board.core, board.name);
        let elf = build_signal_bin(board, "front_end", &model_path, &samples, &signal)?;
        let run = run_qemu(board, &elf, Duration::from_secs(600))?;
        if !run.success {
            return Err(format!(
                "{}: front_end failed:\n{}",
                board.name,
                run.lines.join("\n")
            ));
        }
        for (f, want) in expected.iter().enumerate() {
            let prefix = format!("frame {f}: ");
            let got = run
                .lines
                .iter()
                .find_map(|l| l.strip_prefix(&prefix))
                .ok_or_else(|| format!("{}: no line for frame {f}", board.name))?;
            let want: Vec<String> = want.iter().map(|v| v.to_string()).collect();
            if got != want.join(" ") {
                return Err(format!(
                    "{}: frame {f} differs from the integer reference",
                    board.name
                ));
            }
        }
        let timing = run
            .lines
            .iter()
            .find(|l| l.starts_with("timing:"))
            .ok_or("no timing")?;
        let t = numbers(timing);
        let [_, frame_max, _, hop_max, ..] = t.as_slice() else {
            return Err(format!("cannot read {timing:?}"));
        };
        // The slowest frame and hop: the per-frame shift and the window's inference do
        // not depend on the data, so min and max differ only by the timer's granularity.
        let frame = instructions(*frame_max, &run.lines)?;
        let hop = instructions(*hop_max, &run.lines)?;
        let memory = run
            .lines
            .iter()
            .find(|l| l.starts_with("memory:"))
            .map(|l| numbers(l))
            .unwrap_or_default();
        let flash = symbol_bytes(&elf, |s| s.contains("bottleneck_signal"))?;
        let stage_line = run
            .lines
            .iter()
            .find(|l| l.starts_with("stages:"))
            .ok_or("no stages line")?;
        let mut stages = [0u64; 5];
        for (slot, ticks) in stages.iter_mut().zip(numbers(stage_line)) {
            *slot = instructions(ticks, &run.lines)?;
        }
        let (cmsis_counts, cmsis_flash) = match cmsis::core_flags(board) {
            None => (None, None),
            Some(_) => {
                let out = cmsis_dir.join(board.name);
                std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
                std::fs::copy(cmsis_dir.join("tables.h"), out.join("tables.h"))
                    .map_err(|e| e.to_string())?;
                let elf = cmsis::build(board, &out)?;
                let run = run_qemu(board, &elf, Duration::from_secs(600))?;
                if !run.success {
                    return Err(format!(
                        "{}: CMSIS-DSP benchmark failed:\n{}",
                        board.name,
                        run.lines.join("\n")
                    ));
                }
                let values_of = |name: &str| -> Result<Vec<Vec<f64>>, String> {
                    (0..frames.len())
                        .map(|f| {
                            let prefix = format!("{name} {f}: ");
                            run.lines
                                .iter()
                                .find_map(|l| l.strip_prefix(&prefix))
                                .map(|rest| {
                                    rest.split(' ')
                                        .filter_map(|v| v.parse::<i64>().ok())
                                        .map(|v| v as f64 / f64::from(1u32 << 26))
                                        .collect()
                                })
                                .ok_or_else(|| {
                                    format!("{}: no CMSIS line for {name} {f}", board.name)
                                })
                        })
                        .collect::<Result<_, String>>()
                };
                if board.name == "m4f" {
                    cmsis_snr = Some((
                        snr_loud_and_all(&cmsis_float, &values_of("frame")?),
                        snr_loud_and_all(&cmsis_float, &values_of("frame31")?),
                    ));
                }
                let timing = run
                    .lines
                    .iter()
                    .find(|l| l.starts_with("timing:"))
                    .ok_or("no CMSIS timing")?;
                let t = numbers(timing);
                // "timing: rfft A..=B mel C..=D mfcc E..=F mel31 G..=H ticks; ...": the
                // slowest frame of each, as for the Rust front end.
                let [_, rfft, _, mel, _, mfcc, _, mel31, ..] = t.as_slice() else {
                    return Err(format!("cannot read {timing:?}"));
                };
                let counts = [
                    instructions(*rfft, &run.lines)?,
                    instructions(*mel, &run.lines)?,
                    instructions(*mfcc, &run.lines)?,
                    instructions(*mel31, &run.lines)?,
                ];
                let flash = symbol_bytes(&elf, |s| {
                    !s.starts_with("bench_") && !s.starts_with("semihosting") && s != "main"
                })?;
                (Some(counts), Some(flash))
            }
        };
        rows.push(CoreRow {
            board,
            frame,
            hop,
            cmsis: cmsis_counts,
            flash,
            cmsis_flash,
            stream_ram: memory.first().copied().unwrap_or(0),
            stages,
        });
    }
    let m = bands.len() as u64;
    let n = n as u64;
    Ok(FrontEndBench {
        rows,
        frames: frames.len(),
        snr,
        cmsis_snr: cmsis_snr.ok_or("no CMSIS-DSP run on the M4F")?.0,
        cmsis31_snr: cmsis_snr.ok_or("no CMSIS-DSP run on the M4F")?.1,
        record_bytes: 2 * spec.window.len()
            + spec
                .bands
                .iter()
                .map(|(_, w)| 4 + 2 * w.len())
                .sum::<usize>()
            + 12 * spec.affine.len(),
        cmsis_ram: 2 * n + 2 * (2 * n + 2) + 4 * m,
    })
}

fn yes(met: bool) -> &'static str {
    if met { "**met**" } else { "**not met**" }
}

/// The section.
pub fn render(b: &FrontEndBench) -> String {
    let mut md = String::from("\n## Signal front end\n\n");
    let _ = writeln!(
        md,
        "MLPerf Tiny's anomaly-detection features (16 kHz, n_fft 1024, hop 512, Hann, 128 mel \
         bands, power, log), timed per frame under QEMU on {} frames of generated machine sound \
         (three loud and one 40 dB quieter from a normal clip and from one with bearing clicks), \
         side by side in one run: Bottleneck's integer front end (`bottleneck_signal::log_bands`: \
         window, FFT, power, bands, log2; each frame's values checked against the trainer's \
         integer reference on every core), a whole hop of a `Stream` (that frame plus the AD \
         model's window: quantized inputs, 10 layers, score, smoothing, alarm), and CMSIS-DSP \
         {} (from the `cmsisdsp` package's sources, `arm-none-eabi-gcc -O3`, loop unrolling on, \
         the same Q15 window and mel filters): `arm_rfft_q15` alone, `arm_mfcc_q15`'s mel steps \
         in its order up to the log (normalise, window, real FFT, magnitude, mel dot products, \
         log: what a log-mel front end needs), `arm_mfcc_q15` whole with 13 coefficients, and \
         `arm_mfcc_q31`'s mel steps on the same values widened to Q31. \
         **Instructions** (QEMU counts no cycles; the M4's are about 1-1.3 per instruction on \
         such code, flash wait states not modelled). The RV32 has no CMSIS-DSP row (no RISC-V \
         C cross compiler in the image).\n",
        b.frames,
        cmsis::CMSISDSP_VERSION
    );
    md.push_str(
        "| core (board) | Bottleneck: frame | Bottleneck: whole hop with the AD model | \
         CMSIS-DSP arm_rfft_q15 | CMSIS-DSP Q15 mel steps | CMSIS-DSP arm_mfcc_q15 | \
         CMSIS-DSP Q31 mel steps | Bottleneck frame / CMSIS-DSP Q15, Q31 mel steps |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for r in &b.rows {
        let (rfft, mel, mfcc, mel31, ratio) = match r.cmsis {
            Some([rfft, mel, mfcc, mel31]) => (
                rfft.to_string(),
                mel.to_string(),
                mfcc.to_string(),
                mel31.to_string(),
                format!(
                    "{:.2}, {:.2}",
                    r.frame as f64 / mel as f64,
                    r.frame as f64 / mel31 as f64
                ),
            ),
            None => ("-".into(), "-".into(), "-".into(), "-".into(), "-".into()),
        };
        let _ = writeln!(
            md,
            "| {} ({}) | {} | {} | {rfft} | {mel} | {mfcc} | {mel31} | {ratio} |",
            r.board.core, r.board.name, r.frame, r.hop
        );
    }
    md.push_str(
        "\nBottleneck's frame by stage (instructions, the last frame): \n\n\
         | core (board) | window | FFT (512 complex, radix 2) | real split | power and frame shift | bands and log2 |\n\
         |---|---|---|---|---|---|\n",
    );
    for r in &b.rows {
        let [w, f, s, p, l] = r.stages;
        let _ = writeln!(
            md,
            "| {} ({}) | {w} | {f} | {s} | {p} | {l} |",
            r.board.core, r.board.name
        );
    }
    let acc = |a: Accuracy| {
        format!(
            "{:.1} / {:.1} dB | {:.1} / {:.1} dB",
            a.loud.0, a.loud.1, a.all.0, a.all.1
        )
    };
    let _ = writeln!(
        md,
        "\nAccuracy, each against its own float definition: per feature (band) over the frames, \
         the SNR's minimum / median. Bottleneck's log-mel (power, dB) against the trainer's f64 \
         front end; CMSIS-DSP's mel steps on the M4F (magnitude, natural log) against \
         `ln Σ c|X|` in f64. CMSIS-DSP's own tests accept 34 dB for its Q15 MFCC.\n\n\
         | front end | loud frames | every frame (the 40 dB quieter ones included) |\n\
         |---|---|---|\n\
         | Bottleneck (Q15 window, Q30 twiddles, 32-bit FFT, per-frame shift) | {} |\n\
         | CMSIS-DSP Q15 mel steps | {} |\n\
         | CMSIS-DSP Q31 mel steps | {} |\n\n\
         CMSIS-DSP normalises each frame to full scale, then undoes it on the mel energies in \
         fixed point: a quiet frame's weak bands fall to its floor (`ln 2^-10`), in Q31 as in \
         Q15, where the per-frame shift of SPEC.md §8.5 keeps them.\n",
        acc(b.snr),
        acc(b.cmsis_snr),
        acc(b.cmsis31_snr)
    );
    let m4f = b.rows.iter().find(|r| r.board.name == "m4f");
    if let Some(r) = m4f {
        let [_, mel, _, mel31] = r.cmsis.unwrap_or([0; 4]);
        let hop_share = r.hop as f64 / M4F_HARDWARE_HZ / HOP_SECONDS;
        let _ = writeln!(
            md,
            "Goals (issue 27): as fast per frame as CMSIS-DSP on the M4F with at least its \
             accuracy — {} against its Q15 mel steps ({} vs {} instructions, {:.2}x), {} against \
             its Q31 ones ({} vs {mel31}, {:.2}x), with the accuracy above. Real time for \
             MLPerf's features with the whole AD model on a 120 MHz M4F with room to spare — \
             {}: {:.1} ms of the 32 ms hop at one instruction per cycle ({:.0} % of it).\n",
            yes(r.frame <= mel),
            r.frame,
            mel,
            r.frame as f64 / mel as f64,
            yes(r.frame <= mel31),
            r.frame,
            r.frame as f64 / mel31 as f64,
            yes(hop_share < 0.5),
            1e3 * r.hop as f64 / M4F_HARDWARE_HZ,
            100.0 * hop_share
        );
    }
    md.push_str(
        "| core (board) | front end per second of signal | hop at the board's clock | share of the 32 ms hop | at 120 MHz (1 instruction per cycle) | \
         front end flash: Bottleneck code + tables / CMSIS-DSP benchmark's library code + tables | stream RAM |\n|---|---|---|---|---|---|---|\n",
    );
    for r in &b.rows {
        let at_clock = r.hop as f64 / f64::from(r.board.clock_hz);
        let _ = writeln!(
            md,
            "| {} ({}) | {:.2} M instructions | {:.2} ms at {} MHz | {:.0} % | {:.2} ms ({:.1} % of the hop) | {} / {} B | {} B |",
            r.board.core,
            r.board.name,
            r.frame as f64 / HOP_SECONDS / 1e6,
            1e3 * at_clock,
            r.board.clock_hz / 1_000_000,
            100.0 * at_clock / HOP_SECONDS,
            1e3 * r.hop as f64 / M4F_HARDWARE_HZ,
            100.0 * r.hop as f64 / M4F_HARDWARE_HZ / HOP_SECONDS,
            r.flash,
            r.cmsis_flash.map_or("-".into(), |f| f.to_string()),
            r.stream_ram,
        );
    }
    let _ = writeln!(
        md,
        "\nThe model file adds the front end's record: {} bytes (Q15 window, band table, \
         per-input affine). A `Stream` holds the ring of the last frame's samples, the FFT's \
         work, the stacked frames and the int8 input; CMSIS-DSP's buffers for one frame are \
         {} bytes (input, spectrum, mel values) before any ring or stacking. CMSIS-DSP's flash \
         counts both its Q15 and Q31 paths and every FFT size's tables (its init functions \
         reference them all), so it says little about one path's need. Regenerate this \
         section alone with `cargo xtask bench-front-end`.",
        b.record_bytes, b.cmsis_ram
    );
    md
}

/// `md` with its "Signal front end" section replaced by `section` (which starts with
/// its heading), or inserted before "Real boards" (else at the end) when it has none.
pub fn replace_section(md: &str, section: &str) -> String {
    super::replace_section(md, "## Signal front end", "## Real boards", section)
}

#[cfg(test)]
mod tests {
    use super::replace_section;

    #[test]
    fn the_section_is_replaced_in_place_or_inserted_before_the_boards() {
        let md = "# B\n\n## A\nx\n\n## Real boards\ny\n";
        let once = replace_section(md, "\n## Signal front end\n\nold\n");
        assert_eq!(
            once,
            "# B\n\n## A\nx\n\n## Signal front end\n\nold\n\n## Real boards\ny\n"
        );
        let twice = replace_section(&once, "\n## Signal front end\n\nnew\n");
        assert_eq!(twice, once.replace("old", "new"));
    }
}
