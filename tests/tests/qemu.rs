//! The parity contract on emulated microcontrollers: the firmware, built for every board
//! of the table (xtask/src/boards.rs) and run under QEMU, prints for every sample exactly
//! the class, int8 input, features and logits the runtime computes on the host — and,
//! for a model that also detects anomalies, the integer score, verdict and reconstruction.
//! Models: the seed classifier, `both` and `anomaly` autoencoders, a random model that
//! reaches every kernel path, and MLPerf Tiny's anomaly-detection autoencoder.
//!
//! Needs QEMU (`qemu-system-arm`, `qemu-system-riscv32`), `arm-none-eabi-gcc` and the
//! board table's Rust targets, so it is `#[ignore]`d: a plain `cargo test` counts it as
//! ignored, and `./scripts/check` runs it (`--ignored`) after installing what it needs,
//! or reports it as skipped when asked to with `--skip-firmware`. Run without those
//! tools, it fails, naming what is missing.

use std::time::Duration;

use bottleneck_test_support::{SplitMix, V3Shape, random_v3_spec};
use bottleneck_trainer::pipeline::Task;
use xtask::c_firmware::{build_c_firmware, core_flags};
use xtask::firmware::{
    Prepared, build, firmware_target_dir, float_routines, measurements, missing_tools, prepare,
    prepare_mlperf_ad, prepare_model, prepare_task, run_qemu,
};
use xtask::stream_firmware::{build_stream, prepare_stream};
use xtask::{BOARDS, Board};

/// Fails if `elf` links a soft-float or libm routine; `what` names it in the message.
fn assert_float_free(elf: &std::path::Path, what: &str) {
    let found = float_routines(elf).expect("ELF");
    assert!(found.is_empty(), "{what}: float routines: {found:?}");
}

/// Runs the panic-proof and int-only binaries of `board`: each must exit cleanly.
fn check_clean_exits(board: Board, elf_dir: &std::path::Path) {
    for binary in ["panic_proof", "int_only"] {
        let run = run_qemu(board, &elf_dir.join(binary), Duration::from_secs(120))
            .unwrap_or_else(|e| panic!("{}: {e}", board.core));
        assert!(run.success, "{}: {binary} firmware failed", board.core);
    }
}

/// Runs `elf` on `board` (at most `timeout`) and requires a clean exit whose first lines
/// are `expected`, in order; returns every line.
fn run_and_check_lines(
    board: Board,
    elf: &std::path::Path,
    timeout: Duration,
    expected: &[String],
) -> Vec<String> {
    let run = run_qemu(board, elf, timeout).unwrap_or_else(|e| panic!("{}: {e}", board.core));
    assert!(
        run.success,
        "{}: {} failed:\n{}",
        board.core,
        elf.display(),
        run.lines.join("\n")
    );
    let got: Vec<&String> = run.lines.iter().take(expected.len()).collect();
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        assert_eq!(*g, e, "{}: line {i} differs", board.core);
    }
    assert_eq!(
        got.len(),
        expected.len(),
        "{}: output cut short",
        board.core
    );
    run.lines
}

/// Runs the parity firmware of `board` (built for `prepared`) and checks its lines.
fn check_parity_lines(board: Board, elf_dir: &std::path::Path, prepared: &Prepared) -> Vec<String> {
    run_and_check_lines(
        board,
        &elf_dir.join("parity"),
        Duration::from_secs(120),
        &prepared.expected,
    )
}

#[test]
#[ignore = "firmware under QEMU: needs QEMU, arm-none-eabi-gcc and the Rust targets; ./scripts/check runs it"]
fn firmware_matches_the_host_bit_for_bit_on_every_board() {
    if let Some(reason) = missing_tools() {
        panic!(
            "the firmware test cannot run: {reason}. Install the tools with \
             `./scripts/check --install-tools`, or skip this test with \
             `./scripts/check --skip-firmware`"
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let prepared = prepare(dir.path(), 5);
    let mut instructions = Vec::new();

    for board in BOARDS {
        // Building links the panic-proof binary too: it fails to link if any panicking
        // path remains in the runtime's loading or inference code.
        let elf_dir = build(board, &prepared)
            .unwrap_or_else(|e| panic!("{}: firmware build failed:\n{e}", board.core));

        let lines = check_parity_lines(board, &elf_dir, &prepared);
        let m = measurements(&lines).expect("timing, memory and stack lines");
        instructions.push((board, m.instructions()));
        assert!(m.inference_ticks > 0 && m.peak_stack > 0, "{m:?}");
        // The table's clock is the one QEMU runs: the calibration loop agrees within 1 %.
        let calibrated = m.instructions_per_tick();
        let table = board.instructions_per_tick();
        assert!(
            (calibrated / table - 1.0).abs() < 0.01,
            "{}: {calibrated} instructions per tick measured, the table says {table}",
            board.core
        );
        // The stack measurement sees a known 1 KiB local...
        let probe = lines
            .iter()
            .find_map(|l| l.strip_prefix("stack probe: "))
            .and_then(|l| l.split(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
            .expect("stack probe line");
        assert!(
            (1024..1200).contains(&probe),
            "{}: probe {probe}",
            board.core
        );
        // ...and the runtime's own stack is part of, and far below, the demo's peak.
        assert!(
            m.runtime_stack > 0 && m.runtime_stack < m.peak_stack,
            "{m:?}"
        );

        // The panic-proof and int-only binaries run to a clean exit as well.
        check_clean_exits(board, &elf_dir);
    }

    // The C firmware (plain C on the C API's static library, the model from
    // `bottleneck export --c-header`) prints the same lines on the Cortex-M4F.
    for board in BOARDS.iter().copied().filter(|&b| core_flags(b).is_some()) {
        let out = tempfile::tempdir().expect("tempdir");
        let elf = build_c_firmware(board, &prepared, out.path(), &firmware_target_dir())
            .unwrap_or_else(|e| panic!("{}: C firmware build failed:\n{e}", board.core));
        let run = run_qemu(board, &elf, Duration::from_secs(120))
            .unwrap_or_else(|e| panic!("{}: {e}", board.core));
        assert!(
            run.success,
            "{}: C firmware failed:\n{}",
            board.core,
            run.lines.join("\n")
        );
        assert_eq!(
            run.lines, prepared.expected,
            "{}: C firmware lines",
            board.core
        );
    }

    // Boards sharing a build (target and flags) run the same instructions: the Armv6-M
    // build counts the same on the AN385's Cortex-M3 as on the micro:bit's Cortex-M0
    // (within a tick). The M55's `target-cpu` flag gives it other kernels than the M33's.
    for (a, ia) in &instructions {
        for (b, ib) in &instructions {
            if a.target == b.target && a.rustflags == b.rustflags {
                let tick = a.instructions_per_tick().max(b.instructions_per_tick());
                assert!(
                    (ia - ib).abs() <= 2.0 * tick,
                    "{} {ia} vs {} {ib} instructions",
                    a.name,
                    b.name
                );
            }
        }
    }

    // On the cores without an FPU (Cortex-M0, RISC-V RV32IMC) the integer path links no
    // float routine at all.
    let soft_float_boards: Vec<Board> = BOARDS.iter().copied().filter(|b| !b.has_fpu()).collect();
    assert!(
        soft_float_boards
            .iter()
            .any(|b| b.target == "thumbv6m-none-eabi"),
        "an Armv6-M board"
    );
    for &board in &soft_float_boards {
        let elf_dir = build(board, &prepared).expect("already built");
        assert_float_free(
            &elf_dir.join("int_only"),
            &format!("{}: the int8 path", board.core),
        );
        // The parity firmware quantizes float samples in integer arithmetic (no FPU there)
        // and links no float routine either; the panic-proof one classifies (softmax in
        // f32) and does, so the check can see them.
        let parity = format!("{}: the parity firmware", board.core);
        assert_float_free(&elf_dir.join("parity"), &parity);
        let full = float_routines(&elf_dir.join("panic_proof")).expect("ELF");
        assert!(!full.is_empty(), "{}: {full:?}", board.core);
    }

    // The whole autoencoder: a `--task both` model (classifier and anomaly detector in one
    // file) and a `--task anomaly` model (no head) give the same scores, verdicts and
    // reconstructions on both cores. Built after the checks above: the firmware embeds
    // one model at a time.
    for task in [Task::Both, Task::Anomaly] {
        let task_dir = dir.path().join(format!("{task:?}"));
        std::fs::create_dir_all(&task_dir).expect("dir");
        let prepared = prepare_task(&task_dir, 5, task);
        let scored = prepared
            .expected
            .iter()
            .filter(|l| l.contains(": score "))
            .count();
        assert_eq!(scored, 20, "{task:?}: every sample scored");
        let classified = prepared
            .expected
            .iter()
            .filter(|l| l.contains(": class "))
            .count();
        assert_eq!(
            classified,
            if task == Task::Both { 20 } else { 0 },
            "{task:?}"
        );
        for board in BOARDS {
            let elf_dir = build(board, &prepared)
                .unwrap_or_else(|e| panic!("{}: firmware build failed:\n{e}", board.core));
            check_parity_lines(board, &elf_dir, &prepared);
            // Linked panic-free with every anomaly entry point, and runs cleanly.
            check_clean_exits(board, &elf_dir);
        }
        // The integer anomaly path links no float routine on the FPU-less cores either.
        for &board in &soft_float_boards {
            let elf_dir = build(board, &prepared).expect("already built");
            let what = format!("{task:?} on {}: the int8 path", board.core);
            assert_float_free(&elf_dir.join("int_only"), &what);
        }
    }

    // Every kernel path on every core: a random version-3 model with odd widths (padded
    // rows, an odd last row), linear, LeakyReLU and ReLU layers of 32 inputs or more (the
    // Cortex-M4's whole-layer routine) and a narrower one (its general path), and
    // requantizations with total shifts below, at and above 32, some saturating beyond
    // i32. The device's self-test checks its 8 golden vectors (computed on the host), the
    // parity lines the float samples.
    let random_dir = dir.path().join("random");
    std::fs::create_dir_all(&random_dir).expect("dir");
    let shape = V3Shape {
        n_inputs: 37,
        encoder: &[45, 9],
        decoder: Some(&[33]),
        n_classes: 3,
        n_golden: 8,
    };
    let spec = random_v3_spec(2, &shape);
    let wide_layouts: Vec<String> = [0, 1, 3]
        .iter()
        .map(|&i| format!("{:?}", spec.layers[i].layout))
        .collect();
    for kind in ["Shared(None)", "Shared(Some", "Relu"] {
        assert!(
            wide_layouts.iter().any(|l| l.starts_with(kind)),
            "no wide {kind} layer in the random model: {wide_layouts:?}"
        );
    }
    let model = spec.to_bytes().expect("valid");
    let mut rng = SplitMix(7);
    // Two rows of arbitrary floats, two on a grid of 1/8: with the model's integer
    // affines, `x * a + b` then lands exactly on many half-integers, the rounding's ties.
    let rows: Vec<Vec<f32>> = (0..4)
        .map(|k| {
            (0..37)
                .map(|_| match k % 2 {
                    0 => rng.range(-200, 1200) as f32 / 1000.0,
                    _ => rng.range(-3, 3) as f32 / 8.0,
                })
                .collect()
        })
        .collect();
    let prepared = prepare_model(&random_dir, &model, &rows);
    for board in BOARDS {
        let elf_dir = build(board, &prepared)
            .unwrap_or_else(|e| panic!("{}: firmware build failed:\n{e}", board.core));
        check_parity_lines(board, &elf_dir, &prepared);
    }

    // MLPerf Tiny's anomaly-detection autoencoder (640 -> 128 x4 -> 8 -> 128 x4 -> 640),
    // trained for one epoch: its 295 KB file fits every board but the micro:bit, and the
    // Armv6-M build runs on the AN385 instead (same instructions, see above).
    let ad_dir = dir.path().join("mlperf-ad");
    std::fs::create_dir_all(&ad_dir).expect("dir");
    let prepared = prepare_mlperf_ad(&ad_dir, 1);
    let mut targets = Vec::new();
    for board in BOARDS.iter().copied().filter(|&b| prepared.fits(b)) {
        let elf_dir = build(board, &prepared)
            .unwrap_or_else(|e| panic!("{}: firmware build failed:\n{e}", board.core));
        check_parity_lines(board, &elf_dir, &prepared);
        targets.push(board.target);
    }
    for target in ["thumbv6m-none-eabi", "thumbv7em-none-eabihf"] {
        assert!(
            targets.contains(&target),
            "the AD model ran on no {target} board"
        );
    }
}

#[test]
#[ignore = "firmware under QEMU: needs QEMU, arm-none-eabi-gcc and the Rust targets; ./scripts/check runs it"]
fn streaming_firmware_scores_every_window_and_file_as_the_host_on_every_board() {
    if let Some(reason) = missing_tools() {
        panic!(
            "the streaming firmware test cannot run: {reason}. Install the tools with \
             `./scripts/check --install-tools`, or skip this test with \
             `./scripts/check --skip-firmware`"
        );
    }
    // generate --recipe machine-sound -> train --signal -> model.bin with its front end;
    // the test clips go into the firmware as its signal.
    let dir = tempfile::tempdir().expect("tempdir");
    let prepared = prepare_stream(dir.path(), 15, Task::Anomaly);
    assert_eq!(
        prepared.files.len(),
        8,
        "4 normal and 4 anomalous test clips"
    );
    for board in BOARDS {
        let elf = build_stream(board, &prepared)
            .unwrap_or_else(|e| panic!("{}: streaming firmware build failed:\n{e}", board.core));
        // Every window's integers, in order, as the trainer's integer reference has them.
        let lines = run_and_check_lines(board, &elf, Duration::from_secs(300), &prepared.expected);
        // The file-level scores: the board's mean over each recording's windows is the
        // one `train` wrote into file_scores.csv.
        let sums: Vec<(f64, f64)> = lines
            .iter()
            .filter_map(|l| {
                let rest = l.split_once(": windows ")?.1;
                let (windows, sum) = rest.split_once(" score sum ")?;
                Some((windows.parse().ok()?, sum.parse().ok()?))
            })
            .collect();
        assert_eq!(
            sums.len(),
            prepared.files.len(),
            "{}: one total per file",
            board.core
        );
        for ((windows, sum), file) in sums.iter().zip(&prepared.files) {
            assert_eq!(
                *windows, file.windows as f64,
                "{}: {}",
                board.core, file.name
            );
            assert_eq!(
                sum / windows,
                file.mean_score,
                "{}: {}",
                board.core,
                file.name
            );
        }
    }
}
