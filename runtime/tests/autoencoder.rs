//! Version-3 models through the runtime: the SPEC.md §6.4 numbers, reconstruction, score
//! and verdict on float and int8 samples agreeing, self-tests of random autoencoders, and
//! typed errors for calls that need a part the model lacks.

use bottleneck_format::spec_example_v3;
use bottleneck_runtime::{Error, Model, Scratch};
use bottleneck_test_support::{SplitMix, V3Shape, random_spec, random_v3_spec};

#[test]
fn the_v3_example_reconstructs_and_scores_as_spec_md_works_out() {
    let bytes = spec_example_v3().to_bytes().expect("valid");
    let model = Model::from_bytes(&bytes).expect("loads");
    let mut scratch = Scratch::<4>::new();
    assert_eq!(model.self_test(&mut scratch), Ok(1));
    // SPEC.md §6.4: input (1, 16) -> feature 6 -> reconstruction (-24, -32).
    assert_eq!(
        model.reconstruct_quantized(&[1, 16], &mut scratch),
        Ok(&[-24i8, -32][..])
    );
    assert_eq!(
        model.anomaly_score_quantized(&[1, 16], &mut scratch),
        Ok(2929)
    );
    let d = model
        .detect_quantized(&[1, 16], &mut scratch)
        .expect("detects");
    assert_eq!((d.score, d.threshold, d.is_anomaly), (2929, 1000, true));
    // The float sample that quantizes to (1, 16): x = (q + 32) / (64, 32).
    let sample = [33.0 / 64.0, 48.0 / 32.0];
    let s = model.anomaly_score(&sample, &mut scratch).expect("scores");
    assert_eq!(s.score, 2929);
    assert_eq!(s.value, 2929.0 / 8192.0);
    assert_eq!(
        model
            .infer(&sample, &mut scratch)
            .expect("classifies")
            .class,
        1
    );
}

#[test]
fn float_and_int8_paths_agree_on_random_autoencoders() {
    let mut rng = SplitMix(5);
    for seed in 0..40 {
        let shape = V3Shape {
            n_inputs: 1 + (seed as usize * 7) % 40,
            encoder: &[17, 6],
            decoder: Some(&[9, 22]),
            n_classes: [0, 2, 4][seed as usize % 3],
            n_golden: 4,
        };
        let bytes = random_v3_spec(seed, &shape).to_bytes().expect("valid");
        let model = Model::from_bytes(&bytes).expect("loads");
        let mut scratch = Scratch::<64>::new();
        assert_eq!(model.self_test(&mut scratch), Ok(4), "seed {seed}");
        for _ in 0..20 {
            let sample: Vec<f32> = (0..shape.n_inputs)
                .map(|_| rng.range(-3000, 3000) as f32 / 1000.0)
                .collect();
            let mut q = vec![0i8; shape.n_inputs];
            model.quantize(&sample, &mut q).expect("quantizes");
            let float = model.detect(&sample, &mut scratch).expect("detects");
            let int = model.detect_quantized(&q, &mut scratch).expect("detects");
            assert_eq!(float, int, "seed {seed}");
            let reconstruction = model
                .reconstruct_quantized(&q, &mut scratch)
                .expect("reconstructs")
                .to_vec();
            let expected: u32 = q
                .iter()
                .zip(&reconstruction)
                .map(|(&a, &b)| (i32::from(a) - i32::from(b)).pow(2) as u32)
                .sum();
            assert_eq!(int.score, expected);
            assert_eq!(int.is_anomaly, int.score > int.threshold);
        }
    }
}

#[test]
fn calls_needing_a_missing_part_get_a_typed_error() {
    let classify_only = random_spec(1, 5, &[4, 2], 2, 0).to_bytes().expect("valid");
    let model = Model::from_bytes(&classify_only).expect("loads");
    let mut scratch = Scratch::<8>::new();
    assert_eq!(
        model.reconstruct_quantized(&[0; 5], &mut scratch),
        Err(Error::MissingPart { part: "decoder" })
    );
    assert_eq!(
        model.detect(&[0.0; 5], &mut scratch),
        Err(Error::MissingPart {
            part: "anomaly section"
        })
    );
    let shape = V3Shape {
        n_inputs: 5,
        encoder: &[3],
        decoder: Some(&[]),
        n_classes: 0,
        n_golden: 1,
    };
    let anomaly_only = random_v3_spec(2, &shape).to_bytes().expect("valid");
    let model = Model::from_bytes(&anomaly_only).expect("loads");
    assert_eq!(
        model
            .infer_quantized(&[0; 5], &mut scratch)
            .map(|i| i.class),
        Err(Error::MissingPart {
            part: "classifier head"
        })
    );
    assert!(model.detect_quantized(&[0; 5], &mut scratch).is_ok());
    assert_eq!(
        model.detect_quantized(&[0; 4], &mut scratch),
        Err(Error::SampleLength {
            expected: 5,
            found: 4
        })
    );
    assert_eq!(
        model.detect(&[0.0, 0.0, f32::NAN, 0.0, 0.0], &mut scratch),
        Err(Error::NonFiniteInput { index: 2 })
    );
}

/// The layers a checked model hands out on every inference (decoded by the loader's
/// fast reader, not by postcard) are exactly the ones written.
#[test]
fn iterated_layers_are_the_written_layers() {
    use bottleneck_format::{ModelView, Role};
    for seed in 0..30u64 {
        let shape = V3Shape {
            n_inputs: 1 + (seed as usize * 5) % 37,
            encoder: &[19, 3],
            decoder: Some(&[6]),
            n_classes: 2,
            n_golden: 0,
        };
        let spec = random_v3_spec(seed, &shape);
        let bytes = spec.to_bytes().expect("valid");
        let view = ModelView::parse(&bytes).expect("loads");
        assert_eq!(view.layers().len(), spec.layers.len());
        let mut n_in = shape.n_inputs;
        for (layer, written) in view.layers().zip(&spec.layers) {
            let d = *layer.as_dense().expect("dense");
            assert_eq!(d.role(), written.role);
            assert_eq!((d.n_in(), d.n_out()), (n_in, written.channels.len()));
            assert_eq!(d.output_scale(), written.output_scale);
            assert_eq!(d.output_zero_point(), written.output_zero_point);
            assert_eq!(d.row_stride(), n_in.div_ceil(4) * 4);
            for (c, ch) in written.channels.iter().enumerate() {
                let got = d.channel(c).expect("channel");
                assert_eq!(
                    (got.bias(), got.positive(), got.negative()),
                    (ch.bias, ch.positive, ch.negative)
                );
                for j in 0..n_in {
                    assert_eq!(d.weight(c, j), Some(written.weights[c * n_in + j]));
                }
            }
            n_in = d.n_out();
        }
        assert_eq!(view.encoder().len(), 2);
        assert!(view.decoder().all(|l| l.role() == Role::Decoder));
    }
}

/// The limits: 1024 inputs and 16 layers (8 encoder, 8 decoder) load, self-test and
/// score in a `Scratch<1024>`; a 17th layer is refused.
#[test]
fn the_widest_and_deepest_model_runs_and_one_more_layer_is_refused() {
    use bottleneck_format::{Error as FormatError, MAX_LAYERS, MAX_WIDTH};
    let shape = V3Shape {
        n_inputs: MAX_WIDTH,
        encoder: &[MAX_WIDTH, 40, 33, 20, 17, 12, 9, 5],
        decoder: Some(&[9, 12, 17, 20, 33, 40, 61]),
        n_classes: 3,
        n_golden: 2,
    };
    let spec = random_v3_spec(3, &shape);
    assert_eq!(spec.layers.len(), MAX_LAYERS);
    let bytes = spec.to_bytes().expect("valid");
    let model = Model::from_bytes(&bytes).expect("loads");
    let mut scratch = Box::new(Scratch::<MAX_WIDTH>::new());
    assert_eq!(model.self_test(&mut scratch), Ok(2));
    let q = vec![5i8; MAX_WIDTH];
    let d = model.detect_quantized(&q, &mut scratch).expect("detects");
    assert_eq!(d.is_anomaly, d.score > d.threshold);
    // A scratch one short of the widest layer is refused, not overrun.
    let mut small = Box::new(Scratch::<{ MAX_WIDTH - 1 }>::new());
    assert_eq!(
        model.detect_quantized(&q, &mut small),
        Err(Error::ScratchTooSmall {
            needed: MAX_WIDTH,
            capacity: MAX_WIDTH - 1
        })
    );
    let deeper = V3Shape {
        decoder: Some(&[9, 12, 17, 20, 33, 40, 61, 70]),
        n_golden: 0,
        ..shape
    };
    let mut spec = random_v3_spec(3, &deeper);
    spec.anomaly = None;
    let e = spec.to_bytes().expect_err("17 layers");
    assert!(
        matches!(
            e,
            bottleneck_format::WriteError::Invalid(FormatError::OutOfRange {
                what: "layer count",
                found: 17,
                ..
            })
        ),
        "{e:?}"
    );
}
