//! The core itself: one instance per board, fed the link's bytes one at a time.

use core::fmt::Write;

use bottleneck_runtime::{Error, MAX_CLASSES, Model, Scratch};

use crate::clock::{Cycles, Stopwatch};
use crate::command::{Command, parse};
use crate::line::{Line, LineBuffer};
use crate::loading::{Loading, Progress, Refused};
use crate::reply::{error, list, message};

/// What the runner's `profile` command reports as the firmware (EEMBC's `EE_FW_VERSION`).
pub const FIRMWARE_VERSION: &str = "ULPMark for tinyML Firmware V0.0.1";

/// The last inference's result, for `results`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    /// An anomaly model: the integer score, its real value and the verdict.
    Score { score: u32, value: f32 },
    /// A classifier: the class and every class's probability.
    Class {
        class: usize,
        probabilities: [f32; MAX_CLASSES],
        n_classes: usize,
    },
}

/// The board's state: the command being received, the input buffer of `db`, the model
/// buffer of `bn model` and the runtime's scratch. `INPUT` bytes of input (a float sample
/// takes 4 bytes per input), `MODEL` bytes of model received over the link (0: the board
/// only runs its flash model), layers up to `W` wide.
pub struct Device<'f, const INPUT: usize, const MODEL: usize, const W: usize> {
    name: &'static str,
    flash: &'f [u8],
    upload: Loading<MODEL>,
    upload_active: bool,
    line: LineBuffer,
    work: Work<INPUT, W>,
}

/// Everything an inference writes, apart from the model bytes it reads.
struct Work<const INPUT: usize, const W: usize> {
    input: Loading<INPUT>,
    floats: [f32; W],
    quantized: [i8; W],
    scratch: Scratch<W>,
    watch: Stopwatch,
    last: Option<Outcome>,
}

/// The active model's source and bytes: the received file once it is complete and
/// checked, else flash's.
fn active<'m, const MODEL: usize>(
    flash: &'m [u8],
    upload: &'m Loading<MODEL>,
    upload_active: bool,
) -> (&'static str, &'m [u8]) {
    if upload_active && upload.complete() {
        ("ram", upload.bytes())
    } else {
        ("flash", flash)
    }
}

/// `{:.3}`, as the reference prints probabilities.
struct Fixed3(f32);

impl core::fmt::Display for Fixed3 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:.3}", self.0)
    }
}

/// Why the received input cannot be run.
enum InputError {
    /// `db load` announced more bytes than arrived (or nothing was loaded).
    Incomplete { received: usize, expected: usize },
    /// The input is neither `n` int8 nor `4 n` float bytes.
    Size { received: usize, inputs: usize },
    /// The runtime refused it (a non-finite float, a model too wide for the buffers).
    Runtime(Error),
}

impl core::fmt::Display for InputError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            InputError::Incomplete {
                received: 0,
                expected: 0,
            } => f.write_str("No input: 'db load N' and 'db <hex>' send one"),
            InputError::Incomplete { received, expected } => {
                write!(f, "Input incomplete: {received} of {expected} bytes")
            }
            InputError::Size { received, inputs } => write!(
                f,
                "Input of {received} bytes: the model takes {inputs} int8 or {} float bytes",
                4 * inputs
            ),
            InputError::Runtime(e) => write!(f, "Input: {e}"),
        }
    }
}

impl<'f, const INPUT: usize, const MODEL: usize, const W: usize> Device<'f, INPUT, MODEL, W> {
    /// A board named `name` (the runner's `name` reply) running the model file `flash`.
    pub const fn new(flash: &'f [u8], name: &'static str) -> Self {
        Device {
            name,
            flash,
            upload: Loading::new(),
            upload_active: false,
            line: LineBuffer::new(),
            work: Work {
                input: Loading::new(),
                floats: [0.0; W],
                quantized: [0; W],
                scratch: Scratch::new(),
                watch: Stopwatch::new(),
                last: None,
            },
        }
    }

    /// What the board says once its link is up: the flash model's check, then
    /// `m-init-done` and `m-ready` as the runner expects.
    pub fn start(&mut self, out: &mut impl Write) {
        if let Err(e) = Model::from_bytes(self.flash) {
            let _ = error(out, format_args!("flash model: {e}"));
        }
        let _ = message(out, "init-done");
        let _ = message(out, "ready");
    }

    /// Reads the cycle counter: a board calls it while it waits for bytes, so the
    /// `timestamp` clock keeps counting through any number of counter wraps.
    pub fn idle(&mut self, clock: &mut impl Cycles) {
        self.work.watch.read(clock);
    }

    /// Takes one received byte; at a command's end, runs it and writes the replies, the
    /// last one `m-ready`.
    pub fn receive(&mut self, byte: u8, out: &mut impl Write, clock: &mut impl Cycles) {
        let mut line = [0u8; crate::COMMAND_MAX];
        let len = match self.line.push(byte) {
            None => return,
            Some(Line::TooLong) => {
                let _ = error(
                    out,
                    format_args!("Command longer than {} characters", crate::COMMAND_MAX),
                );
                let _ = message(out, "ready");
                return;
            }
            Some(Line::NotText) => {
                let _ = error(out, "Command is not printable text");
                let _ = message(out, "ready");
                return;
            }
            Some(Line::Command(text)) => {
                let n = text.len().min(line.len());
                if let (Some(dst), Some(src)) = (line.get_mut(..n), text.as_bytes().get(..n)) {
                    dst.copy_from_slice(src);
                }
                n
            }
        };
        let text = line
            .get(..len)
            .and_then(|l| core::str::from_utf8(l).ok())
            .unwrap_or("");
        match parse(text) {
            Ok(command) => {
                let _ = self.run(command, out, clock);
            }
            Err(e) => {
                let _ = error(out, e);
            }
        }
        let _ = message(out, "ready");
    }

    fn run(
        &mut self,
        command: Command<'_>,
        out: &mut impl Write,
        clock: &mut impl Cycles,
    ) -> core::fmt::Result {
        match command {
            Command::Name => message(out, format_args!("name-dut-[{}]", self.name)),
            Command::Profile => self.profile(out),
            Command::Help => help(out),
            Command::Timestamp => {
                let us = Stopwatch::micros(self.work.watch.read(clock), clock.hz());
                message(out, format_args!("lap-us-{us}"))
            }
            Command::DbLoad(n) => self.work.db_load(n, out),
            Command::DbHex(hex) => self.work.db_hex(hex, out),
            Command::DbPrint => self.work.db_print(out),
            Command::Infer { runs, warmup } => {
                let (_, bytes) = active(self.flash, &self.upload, self.upload_active);
                match Model::from_bytes(bytes) {
                    Ok(model) => self.work.infer(&model, runs, warmup, out, clock),
                    Err(e) => error(out, format_args!("model: {e}")),
                }
            }
            Command::Results => self.work.results(out),
            Command::Run => {
                let (_, bytes) = active(self.flash, &self.upload, self.upload_active);
                match Model::from_bytes(bytes) {
                    Ok(model) => self.work.parity_run(&model, out, clock),
                    Err(e) => error(out, format_args!("model: {e}")),
                }
            }
            Command::BoardInfo => message(
                out,
                format_args!(
                    "bn-board-[name={},clock-hz={},input-bytes={INPUT},model-bytes={MODEL},\
                     width={W}]",
                    self.name,
                    clock.hz()
                ),
            ),
            Command::ModelInfo => self.model_info(out),
            Command::ModelLoad(n) => self.model_load(n, out),
            Command::ModelHex(hex) => self.model_hex(hex, out),
            Command::ModelDefault => {
                self.upload_active = false;
                self.model_info(out)
            }
        }
    }

    fn profile(&self, out: &mut impl Write) -> core::fmt::Result {
        message(out, format_args!("profile-[{FIRMWARE_VERSION}]"))?;
        let (_, bytes) = active(self.flash, &self.upload, self.upload_active);
        let kind = match Model::from_bytes(bytes) {
            Ok(m) if m.view().anomaly().is_some() && m.view().head().is_none() => "ad01",
            Ok(_) => "bottleneck",
            Err(_) => "none",
        };
        message(out, format_args!("model-[{kind}]"))
    }

    fn model_info(&self, out: &mut impl Write) -> core::fmt::Result {
        let (source, bytes) = active(self.flash, &self.upload, self.upload_active);
        match Model::from_bytes(bytes) {
            Ok(m) => message(
                out,
                format_args!(
                    "bn-model-[source={source},bytes={},crc={:08x},inputs={},features={},\
                     classes={},decoder={}]",
                    bytes.len(),
                    m.view().header().crc32,
                    m.n_inputs(),
                    m.n_features(),
                    m.n_classes(),
                    u8::from(m.view().anomaly().is_some()),
                ),
            ),
            Err(e) => error(out, format_args!("{source} model: {e}")),
        }
    }

    fn model_load(&mut self, n: usize, out: &mut impl Write) -> core::fmt::Result {
        // The buffer is about to be overwritten: the flash model serves until the new one
        // is complete and checked.
        self.upload_active = false;
        match self.upload.announce(n) {
            Ok(()) => message(out, format_args!("[Expecting {n} model bytes]")),
            Err(Refused::TooLarge(capacity)) => error(
                out,
                format_args!("bn model load: {n} bytes exceed the model buffer of {capacity}"),
            ),
            Err(_) => Ok(()),
        }
    }

    fn model_hex(&mut self, hex: &str, out: &mut impl Write) -> core::fmt::Result {
        match self.upload.push_hex(hex) {
            Ok(Progress::Partial) => return Ok(()),
            Ok(Progress::Complete) => {}
            Err(Refused::AlreadyComplete) => {
                return error(out, "The model is complete; 'bn model load' starts another");
            }
            Err(_) => return error(out, "Command 'bn model load' must come first"),
        }
        match Model::from_bytes(self.upload.bytes()) {
            Ok(m) if m.max_width() > W => error(
                out,
                format_args!(
                    "received model: layers {} wide exceed this firmware's {W}; the flash \
                     model stays",
                    m.max_width()
                ),
            ),
            Ok(_) => {
                self.upload_active = true;
                message(out, "bn-model-loaded")?;
                self.model_info(out)
            }
            Err(e) => error(
                out,
                format_args!("received model: {e}; the flash model stays"),
            ),
        }
    }
}

impl<const INPUT: usize, const W: usize> Work<INPUT, W> {
    fn db_load(&mut self, n: usize, out: &mut impl Write) -> core::fmt::Result {
        match self.input.announce(n) {
            Ok(()) => message(out, format_args!("[Expecting {n} bytes]")),
            Err(Refused::TooLarge(capacity)) => error(
                out,
                format_args!("db load: {n} bytes exceed the input buffer of {capacity}"),
            ),
            Err(_) => Ok(()),
        }
    }

    fn db_hex(&mut self, hex: &str, out: &mut impl Write) -> core::fmt::Result {
        match self.input.push_hex(hex) {
            Ok(Progress::Complete) => message(out, "load-done"),
            Ok(Progress::Partial) => Ok(()),
            Err(Refused::AlreadyComplete) => {
                error(out, "The input is complete; 'db load' starts another")
            }
            Err(_) => error(out, "Command 'db load' must come first"),
        }
    }

    fn db_print(&self, out: &mut impl Write) -> core::fmt::Result {
        for chunk in self.input.bytes().chunks(8) {
            out.write_str("m-buffer-")?;
            for (k, b) in chunk.iter().enumerate() {
                if k > 0 {
                    out.write_char('-')?;
                }
                write!(out, "{b:02x}")?;
            }
            out.write_str("\r\n")?;
        }
        Ok(())
    }

    /// The received input as the model's int8 sample, in `quantized[..n]`: `n` bytes are
    /// int8 already, `4 n` bytes little-endian f32 values, quantized with the model's
    /// input affine. Returns whether it was float.
    fn load_tensor(&mut self, model: &Model<'_>) -> Result<bool, InputError> {
        let n = model.n_inputs();
        if !self.input.complete() {
            let (received, expected) = self.input.counts();
            return Err(InputError::Incomplete { received, expected });
        }
        let too_wide = InputError::Runtime(Error::ScratchTooSmall {
            needed: model.max_width(),
            capacity: W,
        });
        if model.max_width() > W {
            return Err(too_wide);
        }
        let bytes = self.input.bytes();
        let (Some(floats), Some(quantized)) =
            (self.floats.get_mut(..n), self.quantized.get_mut(..n))
        else {
            return Err(too_wide);
        };
        if bytes.len() == n {
            for (q, &b) in quantized.iter_mut().zip(bytes) {
                *q = b as i8;
            }
            Ok(false)
        } else if bytes.len() == 4 * n {
            for (f, word) in floats.iter_mut().zip(bytes.chunks_exact(4)) {
                let mut le = [0u8; 4];
                le.copy_from_slice(word);
                *f = f32::from_le_bytes(le);
            }
            model
                .quantize(floats, quantized)
                .map_err(InputError::Runtime)?;
            Ok(true)
        } else {
            Err(InputError::Size {
                received: bytes.len(),
                inputs: n,
            })
        }
    }

    /// One inference on the loaded sample: the score for a model with a decoder, else
    /// the class.
    fn infer_once(&mut self, model: &Model<'_>) -> Result<Outcome, Error> {
        let sample = self.quantized.get(..model.n_inputs()).unwrap_or(&[]);
        if model.view().anomaly().is_some() {
            let score = model.anomaly_score_quantized(sample, &mut self.scratch)?;
            Ok(Outcome::Score {
                score,
                value: model.score_value(score),
            })
        } else {
            let inference = model.infer_quantized(sample, &mut self.scratch)?;
            let class = inference.class;
            let p = model.probabilities(&inference.logits);
            let mut probabilities = [0.0; MAX_CLASSES];
            for (slot, v) in probabilities.iter_mut().zip(&p) {
                *slot = *v;
            }
            Ok(Outcome::Class {
                class,
                probabilities,
                n_classes: p.len(),
            })
        }
    }

    /// The runner's `infer N W`: load the tensor, `W` warm-up runs, `N` timed runs
    /// between two `m-lap-us` stamps, the results.
    fn infer(
        &mut self,
        model: &Model<'_>,
        runs: u32,
        warmup: u32,
        out: &mut impl Write,
        clock: &mut impl Cycles,
    ) -> core::fmt::Result {
        if let Err(e) = self.load_tensor(model) {
            return error(out, e);
        }
        message(out, format_args!("warmup-start-{warmup}"))?;
        for _ in 0..warmup {
            if let Err(e) = self.infer_once(model) {
                return error(out, format_args!("Inference: {e}"));
            }
            self.watch.read(clock);
        }
        message(out, "warmup-done")?;
        message(out, format_args!("infer-start-{runs}"))?;
        let hz = clock.hz();
        let stamp = self.watch.read(clock);
        message(out, format_args!("lap-us-{}", Stopwatch::micros(stamp, hz)))?;
        let start = self.watch.read(clock);
        for _ in 0..runs {
            match self.infer_once(model) {
                Ok(outcome) => self.last = Some(outcome),
                Err(e) => return error(out, format_args!("Inference: {e}")),
            }
            // Read once per inference, so the 32-bit counter cannot wrap unseen.
            self.watch.read(clock);
        }
        let end = self.watch.read(clock);
        // The stamps bracket the inferences alone: writing the first stamp's line is left
        // out of the second.
        message(
            out,
            format_args!("lap-us-{}", Stopwatch::micros(stamp + (end - start), hz)),
        )?;
        message(out, "infer-done")?;
        self.results(out)
    }

    fn results(&self, out: &mut impl Write) -> core::fmt::Result {
        match self.last {
            None => error(out, "No inference has run yet"),
            Some(Outcome::Score { value, .. }) => {
                message(out, format_args!("results-[{value:.3}]"))
            }
            Some(Outcome::Class {
                probabilities,
                n_classes,
                ..
            }) => list(
                out,
                "results",
                probabilities.iter().take(n_classes).map(|p| Fixed3(*p)),
            ),
        }
    }

    /// `bn run`: every integer of one pass over the input, and the cycles the pass took
    /// (input quantization, classifier and detector, as the model has them).
    fn parity_run(
        &mut self,
        model: &Model<'_>,
        out: &mut impl Write,
        clock: &mut impl Cycles,
    ) -> core::fmt::Result {
        let start = self.watch.read(clock);
        let float = match self.load_tensor(model) {
            Ok(float) => float,
            Err(e) => return error(out, e),
        };
        let sample = self.quantized.get(..model.n_inputs()).unwrap_or(&[]);
        let inference = match model.view().head() {
            Some(_) => match model.infer_quantized(sample, &mut self.scratch) {
                Ok(i) => Some((i.logits.clone(), i.class)),
                Err(e) => return error(out, format_args!("Inference: {e}")),
            },
            None => None,
        };
        let detection = match model.view().anomaly() {
            Some(_) => match model.detect_quantized(sample, &mut self.scratch) {
                Ok(d) => Some(d),
                Err(e) => return error(out, format_args!("Inference: {e}")),
            },
            None => None,
        };
        let cycles = self.watch.read(clock) - start;
        message(
            out,
            format_args!("bn-input-{}", if float { "f32" } else { "i8" }),
        )?;
        list(out, "bn-quantized", sample.iter())?;
        // The features are the encoder's outputs, which the scratch holds only until the
        // next layer: computed once more, outside the timed pass.
        match model.encode_quantized(sample, &mut self.scratch) {
            Ok(features) => list(out, "bn-features", features.iter())?,
            Err(e) => return error(out, format_args!("Inference: {e}")),
        }
        if let Some((logits, class)) = inference {
            list(out, "bn-logits", logits.iter())?;
            message(out, format_args!("bn-class-{class}"))?;
        }
        if let Some(d) = detection {
            message(out, format_args!("bn-score-{}", d.score))?;
            message(out, format_args!("bn-anomaly-{}", u8::from(d.is_anomaly)))?;
        }
        message(out, format_args!("bn-cycles-{cycles}"))
    }
}

fn help(out: &mut impl Write) -> core::fmt::Result {
    out.write_str(FIRMWARE_VERSION)?;
    out.write_str(
        "\r\n\r\n\
         help         : Print this information\r\n\
         name         : Print the name of the device\r\n\
         timestamp    : Print the time in microseconds (m-lap-us-N)\r\n\
         db load N    : Expect N bytes of input (N int8 or 4 N float32 values)\r\n\
         db HH[HH]*   : Load input bytes as hex until N bytes\r\n\
         db print     : Print the input bytes as hex\r\n\
         infer N [W=10]: Run N timed inferences after W warm-up ones\r\n\
         results      : Print the last result (score, or class probabilities)\r\n\
         bn run       : One inference; every integer and its cycles\r\n\
         bn board     : The board's name, clock and buffer sizes\r\n\
         bn model     : Describe the active model\r\n\
         bn model load N: Expect a model file of N bytes (bn model HH[HH]*)\r\n\
         bn model default: Go back to the model in flash\r\n",
    )
}
