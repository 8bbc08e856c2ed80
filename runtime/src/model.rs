//! A loaded model and the inference entry points.

use bottleneck_format::{MAX_CLASSES, ModelView, squared_error};

use crate::Error;
use crate::kernels;
use crate::scratch::{At, Scratch};

/// Int32 logits, one per head output.
pub type Logits = heapless::Vec<i32, MAX_CLASSES>;

/// The integer result of one inference.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Inference<'s> {
    /// int8 bottleneck features (borrowed from the scratch buffers).
    pub features: &'s [i8],
    /// int32 logits on the head's common scale.
    pub logits: Logits,
    /// Index of the predicted class.
    pub class: usize,
}

/// A classification with its label and probability.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Classification<'a> {
    /// Index of the predicted class.
    pub class: usize,
    /// Label of the predicted class, as stored in the model file.
    pub label: &'a str,
    /// Probability of the predicted class (sigmoid or softmax of the dequantized logits).
    pub probability: f32,
    /// The int32 logits the class was chosen from.
    pub logits: Logits,
}

/// Model file bytes on a 4-byte boundary, as version 3's word-aligned weight rows want
/// them (SPEC.md §6.2): `include_bytes!` alone gives no alignment.
///
/// ```
/// use bottleneck_runtime::{Aligned, Model};
/// static MODEL: &Aligned<[u8]> = &Aligned(*include_bytes!("../tests/data/v1-small-3class.bin"));
/// assert_eq!(MODEL.bytes().as_ptr() as usize % 4, 0);
/// let model = Model::from_bytes(MODEL.bytes()).expect("a valid model");
/// # let _ = model;
/// ```
#[derive(Debug)]
#[repr(C, align(4))]
pub struct Aligned<B: ?Sized>(pub B);

impl Aligned<[u8]> {
    /// The bytes, starting on a 4-byte boundary.
    pub const fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The anomaly score of one sample.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AnomalyScore {
    /// The integer score `Σ (q_i - r_i)²`, bit-exact on every device.
    pub score: u32,
    /// Its real value (`score * score_scale`): the mean squared reconstruction error in
    /// the scaled input space.
    pub value: f32,
}

/// An anomaly verdict: the integer score against the stored threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Detection {
    /// The integer score `Σ (q_i - r_i)²`.
    pub score: u32,
    /// The model's threshold.
    pub threshold: u32,
    /// Whether the sample is an anomaly (`score > threshold`).
    pub is_anomaly: bool,
}

/// A checked model, borrowing its weights from the file bytes (flash on a device).
#[derive(Debug, Clone)]
pub struct Model<'a> {
    view: ModelView<'a>,
}

/// A summary (the bytes are in flash already): inputs, features, classes, decoder.
#[cfg(feature = "defmt")]
impl defmt::Format for Model<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Model {{ inputs: {}, max_width: {}, head: {}, decoder: {} }}",
            self.n_inputs(),
            self.max_width(),
            self.view.head().is_some(),
            self.view.anomaly().is_some()
        );
    }
}

impl<'a> Model<'a> {
    /// Checks `bytes` completely (header, CRC, every dimension and parameter range) and
    /// returns the model. Never panics; no byte is copied.
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Model<'a>, Error> {
        Ok(Model {
            view: ModelView::parse(bytes)?,
        })
    }

    /// The parsed file, for inspection.
    pub fn view(&self) -> &ModelView<'a> {
        &self.view
    }

    /// Number of input features a sample must have.
    pub fn n_inputs(&self) -> usize {
        self.view.n_inputs()
    }

    /// Number of bottleneck features.
    pub fn n_features(&self) -> usize {
        self.view.n_features()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.view.n_classes()
    }

    /// Widest activation: the smallest `W` a [`Scratch<W>`] may have for this model.
    pub fn max_width(&self) -> usize {
        self.view.max_width()
    }

    /// Label of class `class`, if it exists.
    pub fn label(&self, class: usize) -> Option<&'a str> {
        self.view.label(class)
    }

    /// Quantizes a float sample into `out` (the first `n_inputs` values), applying the
    /// scaler and input quantization folded into one affine per feature.
    pub fn quantize(&self, sample: &[f32], out: &mut [i8]) -> Result<(), Error> {
        let n = self.n_inputs();
        if sample.len() != n {
            return Err(Error::SampleLength {
                expected: n,
                found: sample.len(),
            });
        }
        if out.len() < n {
            return Err(Error::ScratchTooSmall {
                needed: n,
                capacity: out.len(),
            });
        }
        // One branch-free pass (which vectorizes) in the usual all-finite case; the
        // position is only looked for when there is something to report.
        if sample.iter().fold(false, |bad, x| bad | !x.is_finite()) {
            let index = sample.iter().position(|x| !x.is_finite()).unwrap_or(0);
            return Err(Error::NonFiniteInput { index });
        }
        kernels::quantize_inputs(sample, self.view.input_affine_bytes(), out);
        Ok(())
    }

    fn check_scratch<const W: usize>(&self) -> Result<(), Error> {
        let needed = self.max_width();
        if needed > W {
            return Err(Error::ScratchTooSmall {
                needed,
                capacity: W,
            });
        }
        Ok(())
    }

    /// Runs the encoder on the sample in the scratch's input: where the features are.
    fn run_encoder<const W: usize>(&self, scratch: &mut Scratch<W>) -> Result<At, Error> {
        scratch.forward(
            self.view.encoder(),
            Scratch::<W>::loaded(self.n_inputs()),
            0,
        )
    }

    /// Runs the head on the features the encoder left in `scratch`.
    fn run_head<const W: usize>(
        &self,
        scratch: &mut Scratch<W>,
        features: At,
    ) -> Result<(Logits, usize), Error> {
        let head = self.view.head().ok_or(Error::MissingPart {
            part: "classifier head",
        })?;
        let (x, wide) = scratch.with_wide(features);
        let mut logits = Logits::new();
        // Cannot fail: the loader bounds n_logits by MAX_CLASSES.
        let _ = logits.resize(head.n_logits(), 0);
        kernels::head(head, x, wide, &mut logits);
        let class = kernels::argmax(&logits);
        Ok((logits, class))
    }

    /// Runs the decoder on the features the encoder left in `scratch`: where the
    /// reconstruction is (its width is `n_inputs`).
    fn run_decoder<const W: usize>(
        &self,
        scratch: &mut Scratch<W>,
        features: At,
    ) -> Result<At, Error> {
        if !self.view.has_decoder() {
            return Err(Error::MissingPart { part: "decoder" });
        }
        let first = self.view.encoder().len();
        scratch.forward(self.view.decoder(), features, first)
    }

    /// Encoder and head on the quantized sample in `front`.
    fn run<'s, const W: usize>(&self, scratch: &'s mut Scratch<W>) -> Result<Inference<'s>, Error> {
        let features = self.run_encoder(scratch)?;
        let (logits, class) = self.run_head(scratch, features)?;
        Ok(Inference {
            features: scratch.get(features),
            logits,
            class,
        })
    }

    /// Encoder and decoder on the quantized sample in `front`: the reconstruction.
    fn run_autoencoder<'s, const W: usize>(
        &self,
        scratch: &'s mut Scratch<W>,
    ) -> Result<&'s [i8], Error> {
        let features = self.run_encoder(scratch)?;
        let at = self.run_decoder(scratch, features)?;
        Ok(scratch.get(at))
    }

    fn check_quantized(&self, sample: &[i8]) -> Result<(), Error> {
        if sample.len() != self.n_inputs() {
            return Err(Error::SampleLength {
                expected: self.n_inputs(),
                found: sample.len(),
            });
        }
        Ok(())
    }

    /// Encodes a float sample into int8 bottleneck features.
    pub fn encode<'s, const W: usize>(
        &self,
        sample: &[f32],
        scratch: &'s mut Scratch<W>,
    ) -> Result<&'s [i8], Error> {
        self.check_scratch::<W>()?;
        self.quantize(sample, scratch.input_mut())?;
        let at = self.run_encoder(scratch)?;
        Ok(scratch.get(at))
    }

    /// Encodes an int8 sample into int8 bottleneck features (no float arithmetic).
    pub fn encode_quantized<'s, const W: usize>(
        &self,
        sample: &[i8],
        scratch: &'s mut Scratch<W>,
    ) -> Result<&'s [i8], Error> {
        self.check_scratch::<W>()?;
        self.check_quantized(sample)?;
        scratch.load(sample.iter().copied());
        let at = self.run_encoder(scratch)?;
        Ok(scratch.get(at))
    }

    /// Full integer inference on an int8 sample: features, logits and class, with no
    /// float arithmetic anywhere (suits FPU-less cores such as the Cortex-M0).
    pub fn infer_quantized<'s, const W: usize>(
        &self,
        sample: &[i8],
        scratch: &'s mut Scratch<W>,
    ) -> Result<Inference<'s>, Error> {
        self.check_scratch::<W>()?;
        self.check_quantized(sample)?;
        scratch.load(sample.iter().copied());
        self.run(scratch)
    }

    /// Full integer inference on a float sample (quantized with the stored affine first).
    pub fn infer<'s, const W: usize>(
        &self,
        sample: &[f32],
        scratch: &'s mut Scratch<W>,
    ) -> Result<Inference<'s>, Error> {
        self.check_scratch::<W>()?;
        self.quantize(sample, scratch.input_mut())?;
        self.run(scratch)
    }

    /// The int8 reconstruction of a float sample (encoder then decoder), on the input's
    /// int8 scale and zero point: compare it with [`Model::quantize`]'s output.
    pub fn reconstruct<'s, const W: usize>(
        &self,
        sample: &[f32],
        scratch: &'s mut Scratch<W>,
    ) -> Result<&'s [i8], Error> {
        self.check_scratch::<W>()?;
        self.quantize(sample, scratch.input_mut())?;
        self.run_autoencoder(scratch)
    }

    /// The int8 reconstruction of an int8 sample, with no float arithmetic.
    pub fn reconstruct_quantized<'s, const W: usize>(
        &self,
        sample: &[i8],
        scratch: &'s mut Scratch<W>,
    ) -> Result<&'s [i8], Error> {
        self.check_scratch::<W>()?;
        self.check_quantized(sample)?;
        scratch.load(sample.iter().copied());
        self.run_autoencoder(scratch)
    }

    /// The integer anomaly score of an int8 sample, `Σ (q_i - r_i)²` over the inputs
    /// and their reconstruction (SPEC.md §6.3), with no float arithmetic.
    pub fn anomaly_score_quantized<const W: usize>(
        &self,
        sample: &[i8],
        scratch: &mut Scratch<W>,
    ) -> Result<u32, Error> {
        let reconstruction = self.reconstruct_quantized(sample, scratch)?;
        Ok(squared_error(
            sample.iter().copied(),
            reconstruction.iter().copied(),
        ))
    }

    /// The anomaly score of a float sample: the integer score and its real value, the mean
    /// squared reconstruction error in the scaled input space.
    pub fn anomaly_score<const W: usize>(
        &self,
        sample: &[f32],
        scratch: &mut Scratch<W>,
    ) -> Result<AnomalyScore, Error> {
        self.check_scratch::<W>()?;
        self.quantize(sample, scratch.input_mut())?;
        let features = self.run_encoder(scratch)?;
        let at = self.run_decoder(scratch, features)?;
        let scratch: &Scratch<W> = scratch;
        let score = match scratch.kept_input(self.n_inputs()) {
            Some(input) => squared_error(input.iter().copied(), scratch.get(at).iter().copied()),
            // The layers wrote over the quantized input. The first layer's widened copy
            // keeps it past what the narrower layers widened over; the rest is quantized
            // again, which costs less than another buffer and gives the same integers.
            None => {
                let n = self.n_inputs();
                let reconstruction = scratch.get(at);
                let affine = self.view.input_affine_bytes();
                let (from, tail) = scratch
                    .sample_tail_score(at, n, reconstruction)
                    .unwrap_or((n, 0));
                tail + kernels::requantized_score(
                    sample.get(..from).unwrap_or(&[]),
                    affine.get(..8 * from).unwrap_or(&[]),
                    reconstruction.get(..from).unwrap_or(&[]),
                )
            }
        };
        Ok(AnomalyScore {
            score,
            value: self.score_value(score),
        })
    }

    /// The real value of integer score `score`: `score * score_scale`, the mean squared
    /// reconstruction error in the scaled input space (SPEC.md §6.3).
    pub fn score_value(&self, score: u32) -> f32 {
        score as f32 * self.score_scale()
    }

    /// Real value of one unit of the integer score: the anomaly section's, or
    /// `input_scale² / n_inputs` for a model without one.
    pub fn score_scale(&self) -> f32 {
        match self.view.anomaly() {
            Some(a) => a.score_scale(),
            None => self.view.input_scale() * self.view.input_scale() / self.n_inputs() as f32,
        }
    }

    fn verdict(&self, score: u32) -> Result<Detection, Error> {
        let anomaly = self.view.anomaly().ok_or(Error::MissingPart {
            part: "anomaly section",
        })?;
        Ok(Detection {
            score,
            threshold: anomaly.threshold(),
            is_anomaly: anomaly.is_anomaly(score),
        })
    }

    /// Scores a float sample and compares the score with the stored threshold.
    pub fn detect<const W: usize>(
        &self,
        sample: &[f32],
        scratch: &mut Scratch<W>,
    ) -> Result<Detection, Error> {
        self.verdict(0)?;
        let score = self.anomaly_score(sample, scratch)?;
        self.verdict(score.score)
    }

    /// Scores an int8 sample and compares the score with the stored threshold, with no
    /// float arithmetic (suits FPU-less cores).
    pub fn detect_quantized<const W: usize>(
        &self,
        sample: &[i8],
        scratch: &mut Scratch<W>,
    ) -> Result<Detection, Error> {
        self.verdict(0)?;
        let score = self.anomaly_score_quantized(sample, scratch)?;
        self.verdict(score)
    }

    /// Classifies a float sample: class index, label and probability.
    pub fn classify<const W: usize>(
        &self,
        sample: &[f32],
        scratch: &mut Scratch<W>,
    ) -> Result<Classification<'a>, Error> {
        let inference = self.infer(sample, scratch)?;
        Ok(self.describe(inference.logits, inference.class))
    }

    /// Classifies an int8 sample: class index, label and probability.
    pub fn classify_quantized<const W: usize>(
        &self,
        sample: &[i8],
        scratch: &mut Scratch<W>,
    ) -> Result<Classification<'a>, Error> {
        let inference = self.infer_quantized(sample, scratch)?;
        Ok(self.describe(inference.logits, inference.class))
    }

    fn describe(&self, logits: Logits, class: usize) -> Classification<'a> {
        let probabilities = self.probabilities(&logits);
        Classification {
            class,
            label: self.label(class).unwrap_or(""),
            probability: probabilities.get(class).copied().unwrap_or(0.0),
            logits,
        }
    }

    /// Class probabilities from int32 logits: sigmoid for a single binary logit, softmax
    /// otherwise, computed on the dequantized logits with libm.
    pub fn probabilities(&self, logits: &[i32]) -> heapless::Vec<f32, MAX_CLASSES> {
        let s = self.view.head().map_or(1.0, |h| h.logit_scale());
        let mut out = heapless::Vec::new();
        if let [single] = logits {
            let p1 = 1.0 / (1.0 + libm::expf(-(*single as f32) * s));
            let _ = out.push(1.0 - p1);
            let _ = out.push(p1);
            return out;
        }
        let max = logits.iter().copied().max().unwrap_or(0);
        let mut sum = 0.0f32;
        for &l in logits {
            // Subtracting the largest logit keeps every exponent <= 0: no overflow.
            let e = libm::expf((l as f32 - max as f32) * s);
            sum += e;
            let _ = out.push(e);
        }
        for p in out.iter_mut() {
            *p /= sum;
        }
        out
    }

    /// Runs every golden vector stored in the file and compares features, logits, class,
    /// reconstruction and score (those the model has) bit for bit. Returns how many
    /// vectors passed (all of them) or the first failure.
    pub fn self_test<const W: usize>(&self, scratch: &mut Scratch<W>) -> Result<usize, Error> {
        self.check_scratch::<W>()?;
        let mut passed = 0;
        for (vector, g) in self.view.golden().enumerate() {
            let fail = |part| Error::SelfTestFailed { vector, part };
            scratch.load(g.input());
            let features = self.run_encoder(scratch)?;
            let found = scratch.get(features);
            if !g.features().eq(found.iter().copied()) {
                return Err(fail("features"));
            }
            if let Some(class) = g.class() {
                let (logits, found) = self.run_head(scratch, features)?;
                if !g.logits().eq(logits.iter().copied()) {
                    return Err(fail("logits"));
                }
                if class != found {
                    return Err(fail("class"));
                }
            }
            if let Some(score) = g.score() {
                let at = self.run_decoder(scratch, features)?;
                let reconstruction = scratch.get(at);
                if !g.reconstruction().eq(reconstruction.iter().copied()) {
                    return Err(fail("reconstruction"));
                }
                if squared_error(g.input(), reconstruction.iter().copied()) != score {
                    return Err(fail("score"));
                }
            }
            passed += 1;
        }
        Ok(passed)
    }
}
