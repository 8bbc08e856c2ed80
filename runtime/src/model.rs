//! A loaded model and the inference entry points.

use bottleneck_format::{Layer, MAX_CLASSES, ModelView};

use crate::Error;
use crate::kernels;

/// Caller-owned activation buffers for layers up to `W` wide.
///
/// Inference ping-pongs between two int8 buffers and widens each layer's input once into
/// a halfword buffer the fast kernels read two values at a time from, so RAM use is
/// `4 * W` bytes no matter how many layers the model has. `W` must be at least the
/// model's widest layer ([`Model::max_width`]); the default fits every model the loader
/// accepts.
#[derive(Debug, Clone)]
pub struct Scratch<const W: usize = { bottleneck_format::MAX_WIDTH }> {
    front: [i8; W],
    back: [i8; W],
    wide: Wide<W>,
}

/// Bytes a [`Scratch`] for layers up to `width` wide occupies (`size_of::<Scratch<W>>()`
/// for `W = width`, rounded to the alignment).
pub const fn scratch_bytes(width: usize) -> usize {
    let activations = (2 * width).div_ceil(4) * 4;
    activations + (2 * width).div_ceil(4) * 4
}

/// The widened input; word-aligned because the Cortex-M4 kernel loads it with `LDM`.
#[derive(Debug, Clone)]
#[repr(C, align(4))]
struct Wide<const W: usize>([i16; W]);

impl<const W: usize> Scratch<W> {
    /// Zeroed buffers.
    pub const fn new() -> Self {
        Scratch {
            front: [0; W],
            back: [0; W],
            wide: Wide([0; W]),
        }
    }
}

impl<const W: usize> Default for Scratch<W> {
    fn default() -> Self {
        Self::new()
    }
}

/// Int32 logits, one per head output.
pub type Logits = heapless::Vec<i32, MAX_CLASSES>;

/// The integer result of one inference.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A checked model, borrowing its weights from the file bytes (flash on a device).
#[derive(Debug, Clone)]
pub struct Model<'a> {
    view: ModelView<'a>,
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
        self.view.labels().get(class).copied()
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

    /// Runs the encoder on an already quantized sample (in `front`, or copied there from
    /// `input`), leaving the features in one of the two buffers. Integer arithmetic only.
    fn run_encoder<'s, const W: usize>(
        &self,
        input: Option<&[i8]>,
        front: &'s mut [i8; W],
        back: &'s mut [i8; W],
        wide: &mut [i16],
    ) -> Result<&'s [i8], Error> {
        let (mut src, mut dst) = (front, back);
        if let Some(input) = input {
            for (d, &s) in src.iter_mut().zip(input) {
                *d = s;
            }
        }
        let mut width = self.n_inputs();
        for (index, layer) in self.view.layers().iter().enumerate() {
            let n_out = layer.n_out();
            let x = src.get(..width).unwrap_or(&[]);
            let y = dst.get_mut(..n_out).unwrap_or(&mut []);
            match layer {
                Layer::Dense(dense) => kernels::dense(dense, x, wide, y),
                // A layer kind the format learned after this runtime was written.
                _ => return Err(Error::UnsupportedLayer { index }),
            }
            core::mem::swap(&mut src, &mut dst);
            width = n_out;
        }
        let src: &'s [i8; W] = src;
        Ok(src.get(..width).unwrap_or(&[]))
    }

    /// Runs the encoder and, with `head`, the classifier head: the features stay in one
    /// of the scratch buffers.
    fn run<'s, const W: usize>(
        &self,
        input: Option<&[i8]>,
        scratch: &'s mut Scratch<W>,
        head: bool,
    ) -> Result<Inference<'s>, Error> {
        let Scratch { front, back, wide } = scratch;
        let features = self.run_encoder(input, front, back, &mut wide.0)?;
        let mut logits = Logits::new();
        if !head {
            return Ok(Inference {
                features,
                logits,
                class: 0,
            });
        }
        // Cannot fail: the loader bounds n_logits by MAX_CLASSES.
        let _ = logits.resize(self.view.n_logits(), 0);
        kernels::head(self.view.head(), features, &mut wide.0, &mut logits);
        let class = kernels::argmax(&logits);
        Ok(Inference {
            features,
            logits,
            class,
        })
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
        self.quantize(sample, &mut scratch.front)?;
        Ok(self.run(None, scratch, false)?.features)
    }

    /// Encodes an int8 sample into int8 bottleneck features (no float arithmetic).
    pub fn encode_quantized<'s, const W: usize>(
        &self,
        sample: &[i8],
        scratch: &'s mut Scratch<W>,
    ) -> Result<&'s [i8], Error> {
        self.check_scratch::<W>()?;
        self.check_quantized(sample)?;
        Ok(self.run(Some(sample), scratch, false)?.features)
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
        self.run(Some(sample), scratch, true)
    }

    /// Full integer inference on a float sample (quantized with the stored affine first).
    pub fn infer<'s, const W: usize>(
        &self,
        sample: &[f32],
        scratch: &'s mut Scratch<W>,
    ) -> Result<Inference<'s>, Error> {
        self.check_scratch::<W>()?;
        self.quantize(sample, &mut scratch.front)?;
        self.run(None, scratch, true)
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
        let s = self.view.head().logit_scale();
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

    /// Runs every golden vector stored in the file and compares features, logits and class
    /// bit for bit. Returns how many vectors passed (all of them) or the first failure.
    pub fn self_test<const W: usize>(&self, scratch: &mut Scratch<W>) -> Result<usize, Error> {
        let mut passed = 0;
        for (vector, g) in self.view.golden().enumerate() {
            self.check_scratch::<W>()?;
            for (d, s) in scratch.front.iter_mut().zip(g.input()) {
                *d = s;
            }
            let inference = self.run(None, scratch, true)?;
            let same = g.features().eq(inference.features.iter().copied());
            if !same {
                return Err(Error::SelfTestFailed {
                    vector,
                    part: "features",
                });
            }
            if !g.logits().eq(inference.logits.iter().copied()) {
                return Err(Error::SelfTestFailed {
                    vector,
                    part: "logits",
                });
            }
            if g.class() != inference.class {
                return Err(Error::SelfTestFailed {
                    vector,
                    part: "class",
                });
            }
            passed += 1;
        }
        Ok(passed)
    }
}
