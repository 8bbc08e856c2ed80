//! Test support for the format and runtime, without the trainer (so without burn): a
//! deterministic generator of valid random models, helpers that build deliberately
//! broken files, and the hostile-input exerciser the property tests and the fuzz targets
//! share.

use bottleneck_format::{
    AnomalySpec, ChannelLayout, DenseChannel, DenseSpec, GoldenSpec, HEADER_LEN, HeadChannel,
    HeadSpec, Header, ModelSpec, Requant, Role,
};
use bottleneck_format::{BandKind, FrontEndSpec, WindowKind};
use bottleneck_runtime::{Model, Scratch, Stream};

/// SplitMix64: a tiny, well-known deterministic generator, so tests need no RNG crate.
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform integer in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1) as u64;
        lo + (self.next_u64() % span) as i64
    }

    /// Uniform int8.
    pub fn i8(&mut self) -> i8 {
        self.range(-128, 127) as i8
    }
}

fn requant(rng: &mut SplitMix) -> Requant {
    Requant {
        multiplier: rng.range(1 << 30, (1i64 << 31) - 1) as i32,
        shift: rng.range(4, 12) as i8,
    }
}

/// A valid random model with the given input count, layer widths and class count, and
/// `n_golden` golden vectors whose expected outputs come from the runtime itself.
pub fn random_spec(
    seed: u64,
    n_inputs: usize,
    widths: &[usize],
    n_classes: usize,
    n_golden: usize,
) -> ModelSpec {
    let mut rng = SplitMix(seed);
    let mut layers = Vec::new();
    let mut n_in = n_inputs;
    for &n_out in widths {
        layers.push(DenseSpec {
            role: Role::Encoder,
            layout: ChannelLayout::PerChannel,
            output_scale: 0.05,
            output_zero_point: rng.range(-20, 20) as i8,
            weights: random_weights(&mut rng, n_in * n_out),
            channels: (0..n_out)
                .map(|_| DenseChannel {
                    bias: rng.range(-20_000, 20_000) as i32,
                    positive: requant(&mut rng),
                    negative: requant(&mut rng),
                })
                .collect(),
        });
        n_in = n_out;
    }
    let n_logits = if n_classes == 2 { 1 } else { n_classes };
    let mut spec = ModelSpec {
        input_scale: 1.0 / 255.0,
        input_zero_point: -128,
        input_affine: (0..n_inputs)
            .map(|_| (rng.range(50, 400) as f32, rng.range(-128, 0) as f32))
            .collect(),
        feature_names: Vec::new(),
        layers,
        head: Some(random_head(&mut rng, n_in, n_logits)),
        labels: (0..n_classes).map(|k| format!("class-{k}")).collect(),
        anomaly: None,
        front_end: None,
        golden: Vec::new(),
    };
    add_golden(&mut spec, &mut rng, n_golden);
    spec
}

/// `n` random int8 weights in `-127..=127`.
fn random_weights(rng: &mut SplitMix, n: usize) -> Vec<i8> {
    (0..n).map(|_| rng.range(-127, 127) as i8).collect()
}

/// [`requant`], but one channel in four with a total shift of 32 or less (a real
/// multiplier of 1/2 or more, down to shift -30), so kernels meet every requantization
/// path, saturation beyond i32 included.
fn requant_any_shift(rng: &mut SplitMix) -> Requant {
    let r = requant(rng);
    if rng.range(0, 3) > 0 {
        return r;
    }
    let shifts = [-30, -12, -1, 0, 1];
    Requant {
        shift: shifts[rng.range(0, shifts.len() as i64 - 1) as usize],
        ..r
    }
}

/// A random head of `n_logits` logits over `n_in` features.
fn random_head(rng: &mut SplitMix, n_in: usize, n_logits: usize) -> HeadSpec {
    HeadSpec {
        logit_scale: 0.01,
        weights: random_weights(rng, n_in * n_logits),
        channels: (0..n_logits)
            .map(|_| HeadChannel {
                bias: rng.range(-5_000, 5_000) as i32,
                requant: Requant {
                    multiplier: rng.range(1 << 30, (1i64 << 31) - 1) as i32,
                    shift: 0,
                },
            })
            .collect(),
    }
}

/// Shapes of a random version-3 model ([`random_v3_spec`]).
#[derive(Debug, Clone)]
pub struct V3Shape<'a> {
    /// Input features (also the decoder's output width).
    pub n_inputs: usize,
    /// Encoder widths; the last is the bottleneck.
    pub encoder: &'a [usize],
    /// Decoder hidden widths (the output layer of `n_inputs` is added); `None`: no decoder.
    pub decoder: Option<&'a [usize]>,
    /// Classes of the head; 0: no head.
    pub n_classes: usize,
    /// Golden vectors, computed by the runtime.
    pub n_golden: usize,
}

/// A valid random version-3 model: LeakyReLU, ReLU and linear layers (row widths that
/// are not multiples of 4, so rows are padded), requantizations with every shift path
/// (some channels saturate), feature names, optional head and decoder, an anomaly section
/// when there is a decoder.
pub fn random_v3_spec(seed: u64, shape: &V3Shape<'_>) -> ModelSpec {
    let mut rng = SplitMix(seed);
    let input_scale = 1.0 / 64.0;
    let input_zero_point = rng.range(-20, 20) as i8;
    let mut widths: Vec<(usize, Role)> =
        shape.encoder.iter().map(|&w| (w, Role::Encoder)).collect();
    if let Some(decoder) = shape.decoder {
        widths.extend(decoder.iter().map(|&w| (w, Role::Decoder)));
        widths.push((shape.n_inputs, Role::Decoder));
    }
    let last = widths.len() - 1;
    let mut layers = Vec::new();
    let mut n_in = shape.n_inputs;
    for (index, &(n_out, role)) in widths.iter().enumerate() {
        let layout = match rng.range(0, 2) {
            0 => ChannelLayout::Shared(None),
            1 => ChannelLayout::Relu,
            _ => ChannelLayout::Shared(Some(Requant {
                multiplier: 1_288_490_189,
                shift: 1,
            })),
        };
        let channels = (0..n_out)
            .map(|_| {
                let positive = requant_any_shift(&mut rng);
                let negative = match layout {
                    ChannelLayout::Shared(Some(slope)) => {
                        positive.scaled_by(slope).expect("slope in range")
                    }
                    ChannelLayout::Relu => Requant {
                        multiplier: 0,
                        shift: positive.shift,
                    },
                    _ => positive,
                };
                DenseChannel {
                    bias: rng.range(-20_000, 20_000) as i32,
                    positive,
                    negative,
                }
            })
            .collect::<Vec<DenseChannel>>();
        // A channel with a large real multiplier saturates on almost any accumulator; with
        // no weights and a small bias its output stays in range, and the exact rounding
        // of the large-multiplier path shows.
        let mut channels = channels;
        let mut weights = random_weights(&mut rng, n_in * n_out);
        for (c, row) in channels.iter_mut().zip(weights.chunks_mut(n_in.max(1))) {
            if c.positive.shift <= 1 {
                row.fill(0);
                c.bias = rng.range(-150, 150) as i32;
            }
        }
        let decoder_output = role == Role::Decoder && index == last;
        layers.push(DenseSpec {
            role,
            layout,
            output_scale: if decoder_output { input_scale } else { 0.05 },
            output_zero_point: if decoder_output {
                input_zero_point
            } else {
                rng.range(-20, 20) as i8
            },
            weights,
            channels,
        });
        n_in = n_out;
    }
    let n_features = shape.encoder.last().copied().unwrap_or(0);
    let n_logits = if shape.n_classes == 2 {
        1
    } else {
        shape.n_classes
    };
    let head = (shape.n_classes > 0).then(|| random_head(&mut rng, n_features, n_logits));
    let mut spec = ModelSpec {
        input_scale,
        input_zero_point,
        input_affine: (0..shape.n_inputs)
            .map(|_| (rng.range(50, 400) as f32, rng.range(-128, 0) as f32))
            .collect(),
        feature_names: (0..shape.n_inputs).map(|i| format!("x{i}")).collect(),
        layers,
        head,
        labels: (0..shape.n_classes).map(|k| format!("class-{k}")).collect(),
        anomaly: shape.decoder.map(|_| AnomalySpec {
            score_scale: input_scale * input_scale / shape.n_inputs as f32,
            threshold: rng.range(0, 200_000) as u32,
        }),
        front_end: None,
        golden: Vec::new(),
    };
    add_golden(&mut spec, &mut rng, shape.n_golden);
    spec
}

/// Adds `n` golden vectors with random int8 inputs, their outputs computed by the
/// runtime on the model as it stands.
fn add_golden(spec: &mut ModelSpec, rng: &mut SplitMix, n: usize) {
    if n == 0 {
        return;
    }
    let n_inputs = spec.input_affine.len();
    let inputs: Vec<Vec<i8>> = (0..n)
        .map(|_| (0..n_inputs).map(|_| rng.i8()).collect())
        .collect();
    let bare = spec.to_bytes().expect("random spec is valid");
    let model = Model::from_bytes(&bare).expect("random spec loads");
    let mut scratch = Box::new(Scratch::<{ bottleneck_format::MAX_WIDTH }>::new());
    let golden = inputs
        .into_iter()
        .map(|input| {
            let features = model
                .encode_quantized(&input, &mut scratch)
                .expect("encoding on a valid model")
                .to_vec();
            let (logits, class) = match model.infer_quantized(&input, &mut scratch) {
                Ok(out) => (out.logits.to_vec(), out.class as u16),
                Err(_) => (Vec::new(), 0),
            };
            let (reconstruction, score) = match model.reconstruct_quantized(&input, &mut scratch) {
                Ok(r) => {
                    let r = r.to_vec();
                    let score = model
                        .anomaly_score_quantized(&input, &mut scratch)
                        .expect("a model that reconstructs scores");
                    (r, score)
                }
                Err(_) => (Vec::new(), 0),
            };
            GoldenSpec {
                features,
                logits,
                class,
                reconstruction,
                score,
                input,
            }
        })
        .collect();
    spec.golden = golden;
}

/// A random valid front end for `n_bands` bands, `channels` channels, `frames` frames.
pub fn random_front_end(
    rng: &mut SplitMix,
    channels: u8,
    n_bands: usize,
    frames: u8,
) -> FrontEndSpec {
    let log2n = rng.range(6, 10) as u32;
    let n = 1usize << log2n;
    let n_bins = n / 2 + 1;
    let window = if rng.range(0, 1) == 0 {
        Vec::new()
    } else {
        (0..n)
            .map(|i| {
                let w = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos();
                (w * 32768.0).round() as u16
            })
            .collect()
    };
    let bands: Vec<(u16, Vec<u16>)> = (0..n_bands)
        .map(|_| {
            let first = rng.range(0, n_bins as i64 - 1) as usize;
            let count = rng.range(1, (n_bins - first).min(40) as i64) as usize;
            let weights = (0..count).map(|_| rng.range(0, 32768) as u16).collect();
            (first as u16, weights)
        })
        .collect();
    let n_inputs = usize::from(frames) * usize::from(channels) * n_bands;
    let alarm_window = rng.range(1, 8) as u8;
    FrontEndSpec {
        channels,
        sample_rate: 16000,
        frame_len: n as u16,
        hop: rng.range(1, n as i64) as u16,
        window_kind: if window.is_empty() {
            WindowKind::None
        } else {
            WindowKind::Hann
        },
        window,
        band_kind: BandKind::Mel,
        f_min: 0.0,
        f_max: 8000.0,
        bands,
        frames,
        // Multipliers around what maps log2 (Q16) into int8, offsets across its range.
        affine: (0..n_inputs)
            .map(|_| {
                (
                    rng.range(-(1 << 20), 1 << 20) as i32,
                    rng.range(-(1 << 40), 1 << 40) << 6,
                )
            })
            .collect(),
        smoothing: rng.range(1, 6) as u8,
        alarm_count: rng.range(1, i64::from(alarm_window)) as u8,
        alarm_window,
    }
}

/// A version-1 file made of `payload` behind a correct header (right length and CRC),
/// so the loader's payload checks are reached even when the payload is wrong.
pub fn seal(payload: &[u8]) -> Vec<u8> {
    seal_as(payload, 1)
}

/// [`seal`] with the header naming format `version` (the payload layout it is read as).
pub fn seal_as(payload: &[u8], version: u16) -> Vec<u8> {
    let header = Header::for_payload_version(payload, version).expect("payload under 4 GiB");
    let mut file = header.to_bytes().to_vec();
    file.extend_from_slice(payload);
    file
}

/// The payload of a complete file (empty if `file` is shorter than a header).
pub fn payload_of(file: &[u8]) -> &[u8] {
    file.get(HEADER_LEN..).unwrap_or(&[])
}

/// Loads `bytes` and, if they load, runs the self-test, a float inference on a sample
/// read from the bytes as f32 (NaN and infinities included) and an integer inference on
/// the bytes as int8, and for a file with a signal front end a stream of the bytes as
/// int16 samples: the whole surface a hostile file can reach. Returns whether the file
/// loaded. The fuzz targets call this too.
pub fn exercise(bytes: &[u8]) -> bool {
    let Ok(model) = Model::from_bytes(bytes) else {
        return false;
    };
    let mut scratch = Scratch::<256>::new();
    let _ = model.self_test(&mut scratch);
    let byte = |i: usize| bytes.get(i % bytes.len().max(1)).copied().unwrap_or(0);
    let sample: Vec<f32> = (0..model.n_inputs())
        .map(|i| f32::from_le_bytes(core::array::from_fn(|k| byte(4 * i + k))))
        .collect();
    let _ = model.classify(&sample, &mut scratch);
    let _ = model.detect(&sample, &mut scratch);
    let q: Vec<i8> = (0..model.n_inputs()).map(|i| byte(i) as i8).collect();
    let _ = model.infer_quantized(&q, &mut scratch);
    let _ = model.detect_quantized(&q, &mut scratch);
    let _ = model.anomaly_score(&sample, &mut scratch);
    if let Ok(mut stream) = Stream::<{ 8 * 2048 }, 1024>::new(&model).map(Box::new) {
        let signal: Vec<i16> = (0..2 * stream.front_end().frame_samples() + 5)
            .map(|i| i16::from_le_bytes([byte(2 * i), byte(2 * i + 1)]))
            .collect();
        let mut scratch = Scratch::<1024>::new();
        let _ = stream.push(&signal, &mut scratch, |_, _| {});
    }
    true
}
