//! The core driven as a board's link drives it: the runner's command sequence, the parity
//! mode against the runtime called directly, models sent over the link, and every kind of
//! bad input, each answered and followed by `m-ready`.

use bottleneck_device::{COMMAND_MAX, Cycles, Device};
use bottleneck_runtime::{Model, Scratch};
use bottleneck_test_support::{SplitMix, V3Shape, random_v3_spec};

/// A counter that advances a fixed step per reading, at 1 MHz: one count per microsecond.
struct Ticks(u32);

impl Cycles for Ticks {
    fn cycles(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(7);
        self.0
    }
    fn hz(&self) -> u32 {
        1_000_000
    }
}

type Board = Device<'static, 512, 8192, 64>;

/// A board and its link.
struct Link {
    board: Box<Board>,
    clock: Ticks,
}

impl Link {
    fn new(flash: &'static [u8]) -> (Link, String) {
        let mut board = Box::new(Board::new(flash, "test-board"));
        let mut out = String::new();
        board.start(&mut out);
        (
            Link {
                board,
                clock: Ticks(u32::MAX - 100),
            },
            out,
        )
    }

    /// Sends `bytes` and returns the reply lines.
    fn send(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut out = String::new();
        for &b in bytes {
            self.board.receive(b, &mut out, &mut self.clock);
        }
        out.split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Sends one command; checks that it ends with `m-ready`, and returns the lines before.
    fn command(&mut self, command: &str) -> Vec<String> {
        let mut lines = self.send(format!("{command}%").as_bytes());
        assert_eq!(lines.pop().as_deref(), Some("m-ready"), "after {command:?}");
        lines
    }

    /// `db load` and `db` commands of at most 80 characters carrying `bytes`.
    fn load(&mut self, bytes: &[u8]) {
        assert_eq!(
            self.command(&format!("db load {}", bytes.len())),
            [format!("m-[Expecting {} bytes]", bytes.len())]
        );
        let chunks: Vec<&[u8]> = bytes.chunks((COMMAND_MAX - 3) / 2).collect();
        for (k, chunk) in chunks.iter().enumerate() {
            let reply = self.command(&format!("db {}", hex(chunk)));
            let expected: &[&str] = if k + 1 == chunks.len() {
                &["m-load-done"]
            } else {
                &[]
            };
            assert_eq!(reply, expected);
        }
    }

    fn upload(&mut self, file: &[u8]) -> Vec<String> {
        assert_eq!(
            self.command(&format!("bn model load {}", file.len())),
            [format!("m-[Expecting {} model bytes]", file.len())]
        );
        let mut last = Vec::new();
        for chunk in file.chunks((COMMAND_MAX - 9) / 2) {
            last = self.command(&format!("bn model {}", hex(chunk)));
        }
        last
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn model(seed: u64, n_inputs: usize, decoder: bool, n_classes: usize) -> &'static [u8] {
    let shape = V3Shape {
        n_inputs,
        encoder: &[17, 6],
        decoder: decoder.then_some(&[9, 22][..]),
        n_classes,
        n_golden: 2,
    };
    let bytes = random_v3_spec(seed, &shape)
        .to_bytes()
        .expect("a valid model");
    // A model file wants 4-byte alignment; a leaked Vec<u32> gives it.
    let words: Vec<u32> = bytes
        .chunks(4)
        .map(|c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(w)
        })
        .collect();
    let words: &'static [u32] = Box::leak(words.into_boxed_slice());
    let all: &'static [u8] =
        unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 4) };
    &all[..bytes.len()]
}

fn float_bytes(sample: &[f32]) -> Vec<u8> {
    sample.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn field<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {lines:?}"))
}

fn list(text: &str) -> Vec<i64> {
    let inner = text.trim_start_matches('[').trim_end_matches(']');
    inner
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("integer"))
        .collect()
}

#[test]
fn the_runner_sequence_of_an_anomaly_model_reports_the_score_as_the_reference_does() {
    let flash = model(1, 12, true, 0);
    let (mut link, start) = Link::new(flash);
    assert_eq!(start, "m-init-done\r\nm-ready\r\n");
    assert_eq!(link.command("name"), ["m-name-dut-[test-board]"]);
    assert_eq!(
        link.command("bn board"),
        ["m-bn-board-[name=test-board,clock-hz=1000000,input-bytes=512,model-bytes=8192,width=64]"]
    );
    assert_eq!(
        link.command("profile"),
        [
            "m-profile-[ULPMark for tinyML Firmware V0.0.1]",
            "m-model-[ad01]"
        ]
    );
    let sample: Vec<f32> = (0..12).map(|i| (i as f32 - 5.0) / 3.0).collect();
    link.load(&float_bytes(&sample));
    let lines = link.command("infer 5 2");
    assert_eq!(
        &lines[..3],
        ["m-warmup-start-2", "m-warmup-done", "m-infer-start-5"]
    );
    let lap = |l: &str| {
        l.strip_prefix("m-lap-us-")
            .expect("a lap")
            .parse::<u64>()
            .expect("us")
    };
    let (first, second) = (lap(&lines[3]), lap(&lines[4]));
    // One reading per timed inference plus the bracketing ones, 7 counts each at 1 MHz.
    assert_eq!(second - first, 7 * 6);
    assert_eq!(lines[5], "m-infer-done");
    let runtime = Model::from_bytes(flash).expect("loads");
    let mut scratch = Scratch::<64>::new();
    let score = runtime
        .anomaly_score(&sample, &mut scratch)
        .expect("scores");
    assert_eq!(lines[6], format!("m-results-[{:.3}]", score.value));
    assert_eq!(lines.len(), 7);
    assert_eq!(
        link.command("results"),
        [format!("m-results-[{:.3}]", score.value)]
    );
    // The timestamp keeps counting through the counter's wrap at start-up.
    assert!(lap(&link.command("timestamp")[0]) > second);
}

#[test]
fn parity_mode_returns_every_integer_the_runtime_computes() {
    let mut rng = SplitMix(9);
    for (seed, decoder, classes) in [(2, true, 3), (3, false, 2), (4, true, 0), (5, false, 4)] {
        let flash = model(seed, 10, decoder, classes);
        let (mut link, _) = Link::new(flash);
        let runtime = Model::from_bytes(flash).expect("loads");
        let mut scratch = Scratch::<64>::new();
        for _ in 0..10 {
            let sample: Vec<f32> = (0..10)
                .map(|_| rng.range(-3000, 3000) as f32 / 1000.0)
                .collect();
            let mut q = vec![0i8; 10];
            runtime.quantize(&sample, &mut q).expect("quantizes");
            for (bytes, kind) in [
                (float_bytes(&sample), "f32"),
                (q.iter().map(|&v| v as u8).collect::<Vec<u8>>(), "i8"),
            ] {
                link.load(&bytes);
                let lines = link.command("bn run");
                assert_eq!(field(&lines, "m-bn-input-"), kind);
                let quantized = list(field(&lines, "m-bn-quantized-"));
                assert_eq!(
                    quantized,
                    q.iter().map(|&v| i64::from(v)).collect::<Vec<_>>()
                );
                let features = runtime
                    .encode_quantized(&q, &mut scratch)
                    .expect("encodes")
                    .to_vec();
                assert_eq!(
                    list(field(&lines, "m-bn-features-")),
                    features.iter().map(|&v| i64::from(v)).collect::<Vec<_>>()
                );
                if classes > 0 {
                    let inference = runtime.infer_quantized(&q, &mut scratch).expect("infers");
                    assert_eq!(
                        list(field(&lines, "m-bn-logits-")),
                        inference
                            .logits
                            .iter()
                            .map(|&v| i64::from(v))
                            .collect::<Vec<_>>()
                    );
                    assert_eq!(field(&lines, "m-bn-class-"), inference.class.to_string());
                } else {
                    assert!(!lines.iter().any(|l| l.starts_with("m-bn-logits")));
                }
                if decoder {
                    let d = runtime.detect_quantized(&q, &mut scratch).expect("detects");
                    assert_eq!(field(&lines, "m-bn-score-"), d.score.to_string());
                    assert_eq!(
                        field(&lines, "m-bn-anomaly-"),
                        u8::from(d.is_anomaly).to_string()
                    );
                } else {
                    assert!(!lines.iter().any(|l| l.starts_with("m-bn-score")));
                }
                assert!(
                    field(&lines, "m-bn-cycles-")
                        .parse::<u64>()
                        .expect("cycles")
                        > 0
                );
            }
        }
    }
}

#[test]
fn a_model_sent_over_the_link_replaces_flash_only_once_checked() {
    let flash = model(6, 8, true, 0);
    let other = model(7, 14, false, 3);
    let (mut link, _) = Link::new(flash);
    assert_eq!(
        link.command("bn model 00"),
        ["e-[Command 'bn model load' must come first]"]
    );
    let info = link.command("bn model");
    assert!(
        info[0].starts_with("m-bn-model-[source=flash,") && info[0].contains("inputs=8,"),
        "{info:?}"
    );

    let loaded = link.upload(other);
    assert_eq!(loaded[0], "m-bn-model-loaded");
    assert!(
        loaded[1].contains("source=ram,") && loaded[1].contains("inputs=14,"),
        "{loaded:?}"
    );
    assert_eq!(link.command("profile")[1], "m-model-[bottleneck]");
    link.load(&[1u8; 14]);
    let lines = link.command("bn run");
    let runtime = Model::from_bytes(other).expect("loads");
    let mut scratch = Scratch::<64>::new();
    let inference = runtime
        .infer_quantized(&[1i8; 14], &mut scratch)
        .expect("infers");
    assert_eq!(field(&lines, "m-bn-class-"), inference.class.to_string());

    // A corrupt file is refused and the flash model serves again.
    let mut corrupt = other.to_vec();
    let last = corrupt.len() - 1;
    corrupt[last] ^= 0x40;
    let refused = link.upload(&corrupt);
    assert!(
        refused[0].starts_with("e-[received model: ")
            && refused[0].ends_with("; the flash model stays]"),
        "{refused:?}"
    );
    assert!(link.command("bn model")[0].contains("source=flash,"));

    // Too big for the buffer: refused before a byte arrives.
    assert_eq!(
        link.command("bn model load 9000"),
        ["e-[bn model load: 9000 bytes exceed the model buffer of 8192]"]
    );
    // The refused load left the last file complete: more bytes need a new announcement.
    assert_eq!(
        link.command("bn model 00"),
        ["e-[The model is complete; 'bn model load' starts another]"]
    );
    link.upload(other);
    assert!(link.command("bn model default")[0].contains("source=flash,"));
}

#[test]
fn bad_input_gets_an_error_reply_and_the_board_keeps_serving() {
    let flash = model(8, 4, true, 2);
    let (mut link, _) = Link::new(flash);
    let cases: &[(&str, &str)] = &[
        ("dance", "e-[Unknown command: dance]"),
        ("", "e-[Unknown command: ]"),
        ("db", "e-[Command 'db' requires a subcommand]"),
        ("db 00", "e-[Command 'db load' must come first]"),
        ("db load 0", "e-[db load: \"0\" is not valid]"),
        (
            "db load 513",
            "e-[db load: 513 bytes exceed the input buffer of 512]",
        ),
        ("infer", "e-[No input: 'db load N' and 'db <hex>' send one]"),
        ("results", "e-[No inference has run yet]"),
        ("infer 0", "e-[Inference iterations: \"0\" is not valid]"),
        ("db load 3", "m-[Expecting 3 bytes]"),
        ("db 0102", ""),
        ("bn run", "e-[Input incomplete: 2 of 3 bytes]"),
        ("db 03", "m-load-done"),
        (
            "db 04",
            "e-[The input is complete; 'db load' starts another]",
        ),
        (
            "bn run",
            "e-[Input of 3 bytes: the model takes 4 int8 or 16 float bytes]",
        ),
        ("db print", "m-buffer-01-02-03"),
        ("db load 16", "m-[Expecting 16 bytes]"),
        ("db 0000c07f0000803f0000803f0000803f", "m-load-done"),
        ("bn run", "e-[Input: sample value 0 is NaN or infinite]"),
        ("db zz", "e-[Invalid hex digit at position 0]"),
        ("name x", "e-[Unexpected argument: x]"),
    ];
    for (command, reply) in cases {
        let lines = link.command(command);
        let expected: Vec<&str> = if reply.is_empty() {
            vec![]
        } else {
            vec![reply]
        };
        assert_eq!(lines, expected, "{command:?}");
    }
    let long = "a".repeat(COMMAND_MAX + 1);
    assert_eq!(
        link.command(&long),
        ["e-[Command longer than 80 characters]"]
    );
    assert_eq!(
        link.send(b"na\x00me%"),
        ["e-[Command is not printable text]", "m-ready"]
    );
    assert_eq!(link.command("name"), ["m-name-dut-[test-board]"]);
}

#[test]
fn a_bad_flash_model_is_reported_at_start_and_by_every_command_that_needs_it() {
    let (mut link, start) = Link::new(b"not a model");
    assert!(start.starts_with("e-[flash model: "), "{start}");
    assert_eq!(link.command("profile")[1], "m-model-[none]");
    link.load(&[0; 4]);
    assert!(link.command("infer 1 0")[0].starts_with("e-[model: "));
    assert!(link.command("bn model")[0].starts_with("e-[flash model: "));
}

#[test]
fn any_bytes_leave_the_board_answering() {
    let flash = model(9, 6, true, 3);
    let (mut link, _) = Link::new(flash);
    let mut rng = SplitMix(11);
    let words: [&[u8]; 12] = [
        b"db ", b"load ", b"infer ", b"bn ", b"model ", b"run", b"%", b"ff", b"12", b" ", b"print",
        b"results",
    ];
    for _ in 0..3000 {
        let mut bytes = Vec::new();
        for _ in 0..rng.range(1, 12) {
            if rng.range(0, 2) == 0 {
                bytes.push(rng.range(0, 255) as u8);
            } else {
                bytes.extend_from_slice(words[rng.range(0, 11) as usize]);
            }
        }
        link.send(&bytes);
    }
    // Whatever state the noise left, a terminator ends it and the board answers.
    link.send(b"%");
    assert_eq!(link.command("name"), ["m-name-dut-[test-board]"]);
}
