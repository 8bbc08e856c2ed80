//! `bottleneck device` against emulated boards, as against real ones: the link firmware
//! (the firmware core on the board's UART) runs under QEMU with its UART on a
//! pseudo-terminal, and the host tool checks every integer of every row over it, runs
//! MLPerf Tiny's performance mode, sends a second model into the board's RAM, and meets
//! the bad cases (another model, a corrupt upload, malformed commands, a silent board).
//! On every board of the table with a UART driver: Armv6-M (the Cortex-M0 build, on the
//! AN385), Cortex-M4F, Cortex-M7 and RV32IMC.
//!
//! Needs QEMU, the Rust targets and the firmware toolchain, so it is `#[ignore]`d like the
//! parity test: `./scripts/check` runs it (`--ignored`); run without the tools, it fails,
//! naming what is missing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bottleneck_trainer::cli::DeviceArgs;
use bottleneck_trainer::data::{ClassificationRecipe, write_csv};
use bottleneck_trainer::device_check::check_board;
use bottleneck_trainer::device_link::Link;
use bottleneck_trainer::pipeline::Task;
use xtask::BOARDS;
use xtask::firmware::{build, missing_tools, prepare, prepare_task};
use xtask::qemu_link::LinkedBoard;

fn args(port: &str, model: &Path, data: &Path) -> DeviceArgs {
    DeviceArgs {
        port: port.to_string(),
        model: model.to_path_buf(),
        data: data.to_path_buf(),
        label_column: Some("label".into()),
        normal_label: None,
        send_model: false,
        max_rows: Some(25),
        timeout: 30.0,
        mlperf: false,
        mlperf_inferences: 1500,
    }
}

/// Runs the check; returns its report and result.
fn run(args: &DeviceArgs) -> (String, Result<(), String>) {
    let mut out = Vec::new();
    let result = check_board(args, &mut out)
        .map(|_| ())
        .map_err(|e| e.to_string());
    (String::from_utf8_lossy(&out).into_owned(), result)
}

#[test]
#[ignore = "firmware under QEMU: needs QEMU and the Rust targets; ./scripts/check runs it"]
fn bottleneck_device_checks_emulated_boards_bit_for_bit() {
    if let Some(reason) = missing_tools() {
        panic!(
            "the link test cannot run: {reason}. Install the tools with \
             `./scripts/check --install-tools`, or skip it with `./scripts/check --skip-firmware`"
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (classify_dir, both_dir) = (dir.path().join("classify"), dir.path().join("both"));
    std::fs::create_dir_all(&classify_dir).expect("dir");
    std::fs::create_dir_all(&both_dir).expect("dir");
    let flash = prepare(&classify_dir, 5);
    let other = prepare_task(&both_dir, 5, Task::Both);
    let rows: PathBuf = dir.path().join("rows.csv");
    let data = ClassificationRecipe::default().generate().expect("data");
    write_csv(&data, &rows).expect("rows");

    let boards: Vec<_> = BOARDS.into_iter().filter(|b| b.uart.is_some()).collect();
    assert!(boards.len() >= 3, "at least three boards with a UART");
    for board in boards {
        let elf = build(board, &flash)
            .unwrap_or_else(|e| panic!("{}: build failed:\n{e}", board.core))
            .join("link");
        let qemu = LinkedBoard::start(board, &elf, false)
            .unwrap_or_else(|e| panic!("{}: {e}", board.core));

        // Every integer of 25 rows, accuracy, latency and the runner's performance mode.
        let mut check = args(&qemu.port, &flash.model, &rows);
        check.mlperf = true;
        check.mlperf_inferences = 20;
        let (report, result) = run(&check);
        assert_eq!(result, Ok(()), "{}: {report}", board.core);
        for expected in [
            format!("board: {} on {}", board.name, qemu.port),
            "rows: 25, bit-exact: every integer of every row (quantized input, features, \
             logits, class) equals the host runtime's"
                .to_string(),
            "accuracy (the board's classes): ".to_string(),
            "MLPerf Tiny performance mode: infer 20 10, 5 runs, median ".to_string(),
        ] {
            assert!(
                report.contains(&expected),
                "{}: no {expected:?} in\n{report}",
                board.core
            );
        }

        // Another model: refused by CRC, then sent into RAM and checked, scores and all.
        let mut second = args(&qemu.port, &other.model, &rows);
        second.normal_label = Some("0".into());
        let (_, refused) = run(&second);
        let refused = refused.expect_err("another model must be refused");
        assert!(
            refused.contains("the board runs another model (CRC"),
            "{refused}"
        );
        second.send_model = true;
        let (report, result) = run(&second);
        assert_eq!(result, Ok(()), "{}: {report}", board.core);
        assert!(
            report.contains("logits, class, score, verdict) equals the host runtime's")
                && report.contains("Anomaly detection (the board's scores)"),
            "{}: {report}",
            board.core
        );

        // The bad cases, straight over the link: an error line each, and the board serves on.
        let mut link = Link::open(&qemu.port, Duration::from_secs(30)).expect("port");
        assert_eq!(link.sync().expect("name"), board.name);
        let mut corrupt = std::fs::read(&other.model).expect("model");
        let last = corrupt.len() - 1;
        corrupt[last] ^= 1;
        for (command, reply) in [
            ("dance", "e-[Unknown command: dance]".to_string()),
            (
                "db load 999999999",
                "e-[db load: 999999999 bytes exceed the input buffer of ".to_string(),
            ),
            (
                "infer 0",
                "e-[Inference iterations: \"0\" is not valid]".to_string(),
            ),
            (
                &"x".repeat(81),
                "e-[Command longer than 80 characters]".to_string(),
            ),
        ] {
            let lines = link.unchecked(command).expect("answer");
            assert!(
                lines.len() == 1 && lines[0].starts_with(&reply),
                "{}: {command:?}: {lines:?}",
                board.core
            );
        }
        let refused = link
            .load_model(&corrupt)
            .expect_err("a corrupt model must be refused");
        assert!(
            refused.to_string().contains("the flash model stays"),
            "{refused}"
        );
        assert!(link.command("bn model").expect("model")[0].contains("source=flash,"));
        drop(link);
        drop(qemu);

        // A board that never answers: a clear timeout, no hang.
        let silent = LinkedBoard::start(board, &elf, true).expect("qemu");
        let mut quiet = args(&silent.port, &flash.model, &rows);
        quiet.timeout = 1.0;
        let (_, result) = run(&quiet);
        let error = result.expect_err("a silent board must fail");
        assert!(
            error.contains("the board did not answer \"name\" within 1.0 s"),
            "{error}"
        );
    }
}
