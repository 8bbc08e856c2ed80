//! The batched path gives the one-sample path's integers: classes, logits and anomaly
//! scores, for every kernel this CPU has, on random models with every requantization
//! path (LeakyReLU, ReLU, linear, stored negative sides, total shifts below, at and
//! above 32, saturation), widths that are not multiples of the kernels' lanes and
//! groups, and batches that are not multiples of the kernels' sample blocks or of the
//! batch's chunk.

use bottleneck_runtime::batch::{Batch, Isa};
use bottleneck_runtime::{Error, Model, Scratch};
use bottleneck_test_support::{SplitMix, V3Shape, random_spec, random_v3_spec};

/// Every kernel this CPU runs (the one-sample loop always).
fn isas() -> Vec<Isa> {
    let all = [Isa::Avx512Vnni, Isa::Avx2, Isa::OneByOne];
    let runnable: Vec<Isa> = all.into_iter().filter(|i| i.supported()).collect();
    if !runnable.contains(&Isa::Avx2) {
        eprintln!("NOTE: this CPU has no AVX2: only the one-sample loop is compared");
    }
    if !runnable.contains(&Isa::Avx512Vnni) {
        eprintln!("NOTE: this CPU has no AVX-512 VNNI: that kernel is not compared here");
    }
    runnable
}

fn samples(rng: &mut SplitMix, rows: usize, n: usize) -> Vec<f32> {
    (0..rows * n)
        .map(|k| match k % 5 {
            // On a grid: many land on the rounding's ties.
            0 => rng.range(-16, 16) as f32 / 8.0,
            _ => rng.range(-3000, 3000) as f32 / 1000.0,
        })
        .collect()
}

/// The one-sample path's answers.
fn one_by_one(model: &Model<'_>, samples: &[f32]) -> (Vec<usize>, Vec<i32>, Vec<u32>) {
    let mut scratch = Scratch::<{ bottleneck_runtime::MAX_WIDTH }>::new();
    let (mut classes, mut logits, mut scores) = (Vec::new(), Vec::new(), Vec::new());
    for sample in samples.chunks_exact(model.n_inputs()) {
        if model.view().head().is_some() {
            let i = model.infer(sample, &mut scratch).expect("infers");
            classes.push(i.class);
            logits.extend_from_slice(&i.logits);
        }
        if model.view().has_decoder() {
            scores.push(
                model
                    .anomaly_score(sample, &mut scratch)
                    .expect("scores")
                    .score,
            );
        }
    }
    (classes, logits, scores)
}

fn check(bytes: &[u8], rows: usize, seed: u64) {
    let model = Model::from_bytes(bytes).expect("a valid model");
    let mut rng = SplitMix(seed);
    let x = samples(&mut rng, rows, model.n_inputs());
    let (classes, logits, scores) = one_by_one(&model, &x);
    for isa in isas() {
        let batch = Batch::with_isa(&model, isa);
        assert_eq!(batch.isa(), isa);
        let out = batch.run(&x).expect("runs");
        assert_eq!(out.classes, classes, "{isa:?}: classes, seed {seed}");
        assert_eq!(out.logits, logits, "{isa:?}: logits, seed {seed}");
        assert_eq!(out.scores, scores, "{isa:?}: scores, seed {seed}");
    }
}

#[test]
fn version_3_models_with_every_requantization_path() {
    for seed in 0..12u64 {
        let shape = V3Shape {
            n_inputs: 37 + seed as usize,
            encoder: &[45, 9],
            decoder: Some(&[33]),
            n_classes: [0, 2, 3][seed as usize % 3],
            n_golden: 0,
        };
        let bytes = random_v3_spec(seed, &shape).to_bytes().expect("valid");
        // Batches around the kernels' 8 samples and across the batch's 32-sample chunks.
        check(&bytes, [1, 7, 8, 9, 129, 300][seed as usize % 6], seed);
    }
}

#[test]
fn classifiers_with_stored_negative_sides_and_wide_layers() {
    for seed in 0..4u64 {
        let bytes = random_spec(seed, 100, &[200, 17, 40], 4, 0)
            .to_bytes()
            .expect("valid");
        check(&bytes, 70, seed);
    }
}

#[test]
fn a_sample_it_cannot_take_is_named_by_its_row() {
    let shape = V3Shape {
        n_inputs: 20,
        encoder: &[16, 4],
        decoder: Some(&[16]),
        n_classes: 2,
        n_golden: 0,
    };
    let bytes = random_v3_spec(5, &shape).to_bytes().expect("valid");
    let model = Model::from_bytes(&bytes).expect("valid");
    for isa in isas() {
        let batch = Batch::with_isa(&model, isa);
        let mut x = vec![0.5f32; 20 * 200];
        x[20 * 150 + 3] = f32::NAN;
        let e = batch.run(&x).expect_err("a NaN");
        assert_eq!(e.row, 150, "{isa:?}");
        assert_eq!(e.error, Error::NonFiniteInput { index: 3 }, "{isa:?}");
        assert_eq!(e.to_string(), format!("sample 151: {}", e.error));
        let e = batch.run(&x[..45]).expect_err("a short sample");
        assert_eq!(e.row, 2, "{isa:?}");
        assert!(matches!(
            e.error,
            Error::SampleLength {
                expected: 20,
                found: 5
            }
        ));
    }
}
