//! The worked example of SPEC.md §5, small enough to check by hand.

use alloc::string::String;
use alloc::vec;

use crate::bytes::{DenseChannel, HeadChannel, Requant};
use crate::front_end::{BandKind, WindowKind};
use crate::view::Role;
use crate::writer::{
    AnomalySpec, ChannelLayout, DenseSpec, FrontEndSpec, GoldenSpec, HeadSpec, ModelSpec,
};

/// The model worked through byte by byte in SPEC.md §5: 2 inputs, a 2-wide LeakyReLU
/// layer, a 1-wide linear bottleneck and a binary head, with one golden vector.
pub fn spec_example() -> ModelSpec {
    let half = Requant {
        multiplier: 1 << 30,
        shift: 0,
    };
    ModelSpec {
        input_scale: 0.015625,
        input_zero_point: -32,
        input_affine: vec![(64.0, -32.0), (32.0, -32.0)],
        feature_names: vec![],
        layers: vec![
            DenseSpec {
                role: Role::Encoder,
                layout: ChannelLayout::PerChannel,
                output_scale: 0.125,
                output_zero_point: -5,
                weights: vec![3, -2, -1, 4],
                channels: vec![
                    DenseChannel {
                        bias: 10,
                        positive: Requant {
                            multiplier: 1 << 30,
                            shift: 2,
                        },
                        negative: Requant {
                            multiplier: 1 << 29,
                            shift: 2,
                        },
                    },
                    DenseChannel {
                        bias: 0,
                        positive: Requant {
                            multiplier: 1 << 30,
                            shift: 2,
                        },
                        negative: Requant {
                            multiplier: 1 << 29,
                            shift: 2,
                        },
                    },
                ],
            },
            DenseSpec {
                role: Role::Encoder,
                layout: ChannelLayout::PerChannel,
                output_scale: 0.5,
                output_zero_point: 0,
                weights: vec![2, 5],
                channels: vec![DenseChannel {
                    bias: 8,
                    positive: half,
                    negative: half,
                }],
            },
        ],
        head: Some(HeadSpec {
            logit_scale: 0.25,
            weights: vec![-3],
            channels: vec![HeadChannel {
                bias: 20,
                requant: Requant {
                    multiplier: 1 << 30,
                    shift: -1,
                },
            }],
        }),
        labels: vec![String::from("no"), String::from("yes")],
        golden: vec![GoldenSpec {
            input: vec![1, 16],
            features: vec![6],
            logits: vec![2],
            class: 1,
            reconstruction: vec![],
            score: 0,
        }],
        anomaly: None,
        front_end: None,
    }
}

/// SPEC.md §5.3: the same model in format version 2. Layer 0 stores one LeakyReLU slope
/// of 0.5 (`2^30 / 2^31`), which scales its channels' positive multiplier `2^30` to
/// exactly the `2^29` the version-1 file stores; layer 1 is linear. Same outputs, same
/// golden vector, 5 bytes fewer per channel.
pub fn spec_example_v2() -> ModelSpec {
    let mut spec = spec_example();
    let slope = Requant {
        multiplier: 1 << 30,
        shift: 0,
    };
    if let [leaky, linear] = spec.layers.as_mut_slice() {
        leaky.layout = ChannelLayout::Shared(Some(slope));
        linear.layout = ChannelLayout::Shared(None);
    }
    spec
}

/// SPEC.md §5.4: a version-2 file whose golden vector fails under either rounding rule
/// changed: one input, a 2-wide LeakyReLU layer whose channel 0 takes the derived
/// negative side with a multiplier that is an exact half before rounding (`3 * 2^30 /
/// 2^31 = 1.5 -> 2`), channel 1 a requantization tie on the positive side
/// (`5 * 2 / 4 = 2.5 -> 3`), and a head whose logit is a tie too (`0.5 -> 1`).
pub fn spec_example_ties() -> ModelSpec {
    let tiny = |multiplier| Requant {
        multiplier,
        shift: -29,
    };
    let half = Requant {
        multiplier: 1 << 30,
        shift: 0,
    };
    ModelSpec {
        input_scale: 1.0,
        input_zero_point: 0,
        input_affine: vec![(1.0, 0.0)],
        feature_names: vec![],
        layers: vec![DenseSpec {
            role: Role::Encoder,
            layout: ChannelLayout::Shared(Some(half)),
            output_scale: 1.0,
            output_zero_point: 0,
            weights: vec![1, 1],
            channels: vec![
                DenseChannel {
                    bias: -6,
                    positive: tiny(3),
                    negative: tiny(2),
                },
                DenseChannel {
                    bias: 4,
                    positive: tiny(2),
                    negative: tiny(1),
                },
            ],
        }],
        head: Some(HeadSpec {
            logit_scale: 1.0,
            weights: vec![1, 1],
            channels: vec![HeadChannel {
                bias: 0,
                requant: half,
            }],
        }),
        labels: vec![String::from("low"), String::from("high")],
        golden: vec![GoldenSpec {
            input: vec![1],
            features: vec![-2, 3],
            logits: vec![1],
            class: 1,
            reconstruction: vec![],
            score: 0,
        }],
        anomaly: None,
        front_end: None,
    }
}

/// SPEC.md §6.4: the §5.3 model as a version-3 autoencoder with a classifier and an
/// anomaly section: named inputs `temp` and `rpm`, the same two encoder layers, a ReLU
/// decoder layer (1 -> 2, rows padded from 1 to 4 bytes) whose output is on the input's
/// scale and zero point, and a threshold of 1000 on the integer score.
pub fn spec_example_v3() -> ModelSpec {
    let mut spec = spec_example_v2();
    spec.feature_names = vec![String::from("temp"), String::from("rpm")];
    let unit = Requant {
        multiplier: 1 << 30,
        shift: -1,
    };
    let relu = |bias| DenseChannel {
        bias,
        positive: unit,
        negative: Requant {
            multiplier: 0,
            shift: unit.shift,
        },
    };
    spec.layers.push(DenseSpec {
        role: Role::Decoder,
        layout: ChannelLayout::Relu,
        output_scale: spec.input_scale,
        output_zero_point: spec.input_zero_point,
        weights: vec![3, -2],
        channels: vec![relu(-10), relu(4)],
    });
    // Mean squared error in the scaled input space: (1/64)² / 2 per unit of the score.
    spec.anomaly = Some(AnomalySpec {
        score_scale: 1.0 / 8192.0,
        threshold: 1000,
    });
    for g in &mut spec.golden {
        g.reconstruction = vec![-24, -32];
        g.score = 2929;
    }
    spec
}

/// SPEC.md §8.9: §6.4's autoencoder reading raw samples through a front end: one
/// channel at 8 kHz, frames of 64 samples every 32, no window, two linear bands of two
/// bins each (0-125 Hz and 250-375 Hz), one frame per input, the affines
/// `q = 4·log2(E) - 200` and `4·log2(E) - 120`, scores averaged over 2 windows, an alarm when
/// 1 of the last 2 is anomalous.
pub fn spec_example_v4() -> ModelSpec {
    let mut spec = spec_example_v3();
    spec.front_end = Some(FrontEndSpec {
        channels: 1,
        sample_rate: 8000,
        frame_len: 64,
        hop: 32,
        window_kind: WindowKind::None,
        window: vec![],
        band_kind: BandKind::Linear,
        f_min: 0.0,
        f_max: 375.0,
        bands: vec![(0, vec![32768, 32768]), (2, vec![32768, 32768])],
        frames: 1,
        affine: vec![(1 << 18, -200 << 32), (1 << 18, -120 << 32)],
        smoothing: 2,
        alarm_count: 1,
        alarm_window: 2,
    });
    spec
}
