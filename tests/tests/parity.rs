//! The parity contract on the host: for every test-split sample the runtime computes the
//! same int8 features, int32 logits and class as the trainer's independent reference
//! implementation, for the built-in binary problem and for a multiclass problem; the same
//! seed gives a byte-identical model file; and a corrupted weight is caught.

use std::sync::OnceLock;

use bottleneck_format::{Error as FormatError, HEADER_LEN};
use bottleneck_runtime::{Error, Model, Scratch};
use bottleneck_test_support::{SplitMix, seal_as};
use bottleneck_trainer::data::ClassificationRecipe;
use bottleneck_trainer::model::{Activation, BottleneckActivation};
use bottleneck_trainer::pipeline::{DataSource, Pipeline, RunConfig, Task};
use bottleneck_trainer::quant::ExportedModel;

struct Trained {
    pipeline: Pipeline,
    model: ExportedModel,
}

fn train(config: RunConfig) -> Trained {
    let mut pipeline = Pipeline::run(config, |_| {}).expect("training");
    let model = pipeline.export().expect("export");
    Trained { pipeline, model }
}

/// The built-in problem with the default network (100 -> 200 -> 100 -> 50, 2 classes);
/// fewer epochs than the default, since parity does not depend on how well it trained.
fn builtin() -> &'static Trained {
    static CELL: OnceLock<Trained> = OnceLock::new();
    CELL.get_or_init(|| {
        train(RunConfig {
            epochs: 10,
            ..RunConfig::default()
        })
    })
}

/// A 4-class problem with a different shape (softmax head with 4 logits).
fn multiclass_config() -> RunConfig {
    RunConfig {
        data: DataSource::Builtin(ClassificationRecipe {
            n_samples: 600,
            n_features: 30,
            n_informative: 6,
            n_redundant: 12,
            n_classes: 4,
            seed: 5,
            ..ClassificationRecipe::default()
        }),
        bottleneck: Some(12),
        hidden: Some(vec![48, 24]),
        epochs: 10,
        seed: 5,
        ..RunConfig::default()
    }
}

fn multiclass() -> &'static Trained {
    static CELL: OnceLock<Trained> = OnceLock::new();
    CELL.get_or_init(|| train(multiclass_config()))
}

/// Wider than the old 256 limit, ReLU everywhere and BatchNorm + ReLU on the bottleneck
/// (MLPerf Tiny's layer recipe): 300 -> 64 -> 32 -> 8.
fn relu_wide() -> &'static Trained {
    static CELL: OnceLock<Trained> = OnceLock::new();
    CELL.get_or_init(|| {
        train(RunConfig {
            data: DataSource::Builtin(ClassificationRecipe {
                n_samples: 240,
                n_features: 300,
                n_informative: 8,
                n_redundant: 40,
                seed: 3,
                ..ClassificationRecipe::default()
            }),
            bottleneck: Some(8),
            hidden: Some(vec![64, 32]),
            epochs: 3,
            seed: 3,
            activation: Activation::Relu,
            bottleneck_activation: BottleneckActivation::Same,
            ..RunConfig::default()
        })
    })
}

/// The whole autoencoder in one file (`--task both`): a 4-class problem whose model also
/// reconstructs its input and carries an anomaly threshold.
fn both() -> &'static Trained {
    static CELL: OnceLock<Trained> = OnceLock::new();
    CELL.get_or_init(|| {
        train(RunConfig {
            task: Task::Both,
            ..multiclass_config()
        })
    })
}

/// Anomaly detection only (`--task anomaly`): trained on the normal class of a 2-class
/// problem, no head; the other class's test rows are the anomalies.
fn anomaly_only() -> &'static Trained {
    static CELL: OnceLock<Trained> = OnceLock::new();
    CELL.get_or_init(|| {
        train(RunConfig {
            task: Task::Anomaly,
            normal_label: Some("0".into()),
            hidden: Some(vec![37, 19]),
            bottleneck: Some(9),
            epochs: 10,
            ..RunConfig::default()
        })
    })
}

/// Compares runtime and reference on every test row of `t`, using `bytes` as the file.
/// Returns the number of rows whose outputs differ.
fn mismatches(t: &Trained, bytes: &[u8]) -> usize {
    let model = Model::from_bytes(bytes).expect("model loads");
    let reference = &t.model.reference;
    let mut scratch = Scratch::<1024>::new();
    let mut q = [0i8; 1024];
    let mut differing = 0;
    for row in t.pipeline.test.features.rows() {
        let sample = row.to_vec();
        let expected_q = reference.quantize(&sample);
        model.quantize(&sample, &mut q).expect("finite sample");
        assert_eq!(
            &q[..sample.len()],
            expected_q.as_slice(),
            "input quantization differs"
        );
        let expected = reference.infer(&expected_q);
        let mut same = if model.view().head().is_some() {
            let got = model.infer(&sample, &mut scratch).expect("inference");
            got.features == expected.features.as_slice()
                && got.logits.as_slice() == expected.logits.as_slice()
                && got.class == expected.class
        } else {
            model.encode(&sample, &mut scratch).expect("encoding") == expected.features.as_slice()
        };
        if reference.has_decoder() {
            let reconstruction = model
                .reconstruct(&sample, &mut scratch)
                .expect("reconstruction")
                .to_vec();
            let detection = model.detect(&sample, &mut scratch).expect("detection");
            let quantized = model
                .detect_quantized(&expected_q, &mut scratch)
                .expect("detection");
            same &= reconstruction == expected.reconstruction
                && detection.score == expected.score
                && detection == quantized;
        }
        if !same {
            differing += 1;
        }
    }
    differing
}

#[test]
fn builtin_problem_runtime_equals_reference_on_every_test_sample() {
    let t = builtin();
    assert_eq!(t.pipeline.test.n_rows(), 330);
    assert_eq!(mismatches(t, &t.model.bytes), 0);
}

#[test]
fn multiclass_runtime_equals_reference_on_every_test_sample() {
    let t = multiclass();
    assert_eq!(
        t.model.spec.head.as_ref().expect("a head").channels.len(),
        4
    );
    assert_eq!(mismatches(t, &t.model.bytes), 0);
}

#[test]
fn relu_and_normalised_bottleneck_runtime_equals_reference() {
    let t = relu_wide();
    let view = bottleneck_format::ModelView::parse(&t.model.bytes).expect("loads");
    assert_eq!(view.n_inputs(), 300);
    // Every layer, the bottleneck included, is ReLU (version 3's activation 2).
    assert_eq!(view.header().version, 3);
    for layer in view.layers() {
        let dense = *layer.as_dense().expect("dense");
        assert_eq!(dense.activation(), bottleneck_format::Activation::Relu);
    }
    assert_eq!(mismatches(t, &t.model.bytes), 0);
}

#[test]
fn random_int8_inputs_agree_bit_for_bit() {
    // Beyond the test split: arbitrary int8 inputs, including saturating ones.
    for t in [builtin(), multiclass(), relu_wide()] {
        let model = Model::from_bytes(&t.model.bytes).expect("loads");
        let n = model.n_inputs();
        let mut rng = SplitMix(42);
        let mut scratch = Scratch::<1024>::new();
        for _ in 0..500 {
            let input: Vec<i8> = (0..n).map(|_| rng.i8()).collect();
            let expected = t.model.reference.infer(&input);
            let got = model
                .infer_quantized(&input, &mut scratch)
                .expect("right length");
            assert_eq!(got.features, expected.features.as_slice());
            assert_eq!(got.logits.as_slice(), expected.logits.as_slice());
            assert_eq!(got.class, expected.class);
        }
    }
}

#[test]
fn the_self_test_vectors_pass_on_the_host() {
    for t in [builtin(), multiclass(), relu_wide()] {
        let model = Model::from_bytes(&t.model.bytes).expect("loads");
        assert_eq!(
            model.self_test(&mut Scratch::<1024>::new()),
            Ok(bottleneck_trainer::quant::export::GOLDEN_VECTORS)
        );
    }
}

#[test]
fn same_seed_and_data_give_a_byte_identical_model_file() {
    let again = train(multiclass_config());
    assert_eq!(again.model.bytes, multiclass().model.bytes);
    let other = train(RunConfig {
        seed: 6,
        ..multiclass_config()
    });
    assert_ne!(other.model.bytes, multiclass().model.bytes);
}

#[test]
fn a_flipped_weight_is_caught() {
    let t = builtin();
    // The first weight of layer 0 is the first byte of its `weights` field; find it by
    // its value in the payload after the preamble and layer header.
    let view = Model::from_bytes(&t.model.bytes).expect("loads");
    let first = view.view().layers().next().expect("a layer");
    let weights = first.as_dense().expect("dense").weights();
    let offset = weights.as_ptr() as usize - t.model.bytes.as_ptr() as usize;
    let mut corrupted = t.model.bytes.clone();
    corrupted[offset] ^= 0x40;

    // As stored: the CRC catches it.
    assert!(matches!(
        Model::from_bytes(&corrupted),
        Err(Error::Format(FormatError::CrcMismatch { .. }))
    ));

    // With the CRC recomputed (a deliberately perturbed model): the parity check and the
    // on-device self-test both see the difference.
    let resealed = seal_as(&corrupted[HEADER_LEN..], 3);
    assert!(
        mismatches(t, &resealed) > 0,
        "a changed weight went unnoticed"
    );
    let model = Model::from_bytes(&resealed).expect("structurally valid");
    assert!(matches!(
        model.self_test(&mut Scratch::<256>::new()),
        Err(Error::SelfTestFailed { .. })
    ));
}

#[test]
fn int8_model_tracks_the_float_model() {
    // Measured, not bit-exact: quantization must not wreck the classifier.
    for t in [builtin(), multiclass()] {
        let m = t.model.metrics.as_ref().expect("a classifier");
        assert!(m.class_agreement > 0.9, "{m:?}");
        assert!(m.feature_error_mean_steps < 2.0, "{m:?}");
    }
}

#[test]
fn every_bit_flip_and_truncation_of_the_seed_model_is_rejected() {
    // The real seed-sized file (49,737 bytes, 397,896 single-bit flips): the header fields
    // reject flips there, the CRC-32 every flip in the payload, the length every cut.
    let file = &builtin().model.bytes;
    let mut copy = file.clone();
    for byte in 0..file.len() {
        for bit in 0..8 {
            copy[byte] ^= 1 << bit;
            assert!(
                bottleneck_format::ModelView::parse(&copy).is_err(),
                "flip of byte {byte} bit {bit} accepted"
            );
            copy[byte] ^= 1 << bit;
        }
    }
    for len in 0..file.len() {
        assert!(
            bottleneck_format::ModelView::parse(&file[..len]).is_err(),
            "cut at {len}"
        );
    }
}

#[test]
fn both_model_runtime_equals_reference_on_every_test_row_and_random_inputs() {
    let t = both();
    let view = bottleneck_format::ModelView::parse(&t.model.bytes).expect("loads");
    assert_eq!(view.header().version, 3);
    assert!(view.has_decoder() && view.head().is_some());
    let anomaly = view.anomaly().expect("an anomaly section");
    assert_eq!(view.decoder().count(), 3);
    assert_eq!(mismatches(t, &t.model.bytes), 0);
    let model = Model::from_bytes(&t.model.bytes).expect("loads");
    let mut scratch = Scratch::<1024>::new();
    assert_eq!(model.self_test(&mut scratch), Ok(4));
    // Random int8 inputs, saturating ones included: the same score and verdict.
    let mut rng = SplitMix(17);
    for _ in 0..200 {
        let q: Vec<i8> = (0..model.n_inputs()).map(|_| rng.i8()).collect();
        let expected = t.model.reference.infer(&q);
        let d = model.detect_quantized(&q, &mut scratch).expect("detects");
        assert_eq!(d.score, expected.score);
        assert_eq!(d.is_anomaly, expected.score > anomaly.threshold());
    }
    // The threshold is the 99th percentile of the training rows' integer scores: about
    // 1 % of them lie above it.
    let above = t
        .pipeline
        .train
        .features
        .rows()
        .into_iter()
        .filter(|r| {
            model
                .detect(&r.to_vec(), &mut scratch)
                .expect("detects")
                .is_anomaly
        })
        .count();
    let rows = t.pipeline.train.n_rows();
    assert!(
        above <= rows / 100 + 1,
        "{above} of {rows} training rows above"
    );
}

#[test]
fn anomaly_model_runtime_equals_reference_and_reports_detection() {
    let t = anomaly_only();
    let view = bottleneck_format::ModelView::parse(&t.model.bytes).expect("loads");
    assert!(view.head().is_none() && view.anomaly().is_some());
    assert_eq!(view.n_features(), 9);
    assert_eq!(mismatches(t, &t.model.bytes), 0);
    let model = Model::from_bytes(&t.model.bytes).expect("loads");
    assert_eq!(model.self_test(&mut Scratch::<1024>::new()), Ok(4));
    // Calibrated on the normal training rows only, measured on every test row.
    assert!(t.pipeline.normal_train().targets.iter().all(|&c| c == 0));
    let a = t.model.anomaly.as_ref().expect("detection measured");
    assert_eq!(a.normal_rows + a.anomalous_rows, t.pipeline.test.n_rows());
    assert!(a.anomalous_rows > 0 && a.normal_rows > 0);
    let (float, int8) = (a.auc_float.expect("defined"), a.auc_int8.expect("defined"));
    assert!((float - int8).abs() < 0.01, "float {float}, int8 {int8}");
    assert!(t.pipeline.report.accuracy.is_none() && t.model.metrics.is_none());
    // Random int8 inputs, saturating ones included: reconstruction and score agree.
    let mut scratch = Scratch::<1024>::new();
    let mut rng = SplitMix(29);
    for _ in 0..200 {
        let q: Vec<i8> = (0..model.n_inputs()).map(|_| rng.i8()).collect();
        let expected = t.model.reference.infer(&q);
        let r = model
            .reconstruct_quantized(&q, &mut scratch)
            .expect("reconstructs");
        assert_eq!(r, expected.reconstruction.as_slice());
        let s = model
            .anomaly_score_quantized(&q, &mut scratch)
            .expect("scores");
        assert_eq!(s, expected.score);
    }
}
