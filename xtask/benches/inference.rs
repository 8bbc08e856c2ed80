//! Host inference speed: the int8 runtime, one sample at a time and batched (AVX-512 VNNI
//! where the CPU has it, AVX2), against burn-ndarray float inference of the same trained
//! encoder and logistic-regression head and ONNX Runtime's int8 path on the same int8
//! weights (`scripts/onnx_int8_bench.py`, run from here), at batch 1, 32, 330 (the test
//! split) and 10,000 (the test split repeated).
//!
//! `cargo bench --profile dev -p xtask --bench inference` (or `cargo xtask bench`, which also
//! writes BENCHMARKS.md from criterion's estimates).

use std::hint::black_box;
use std::time::Duration;

use bottleneck_runtime::batch::{Batch, Isa};
use bottleneck_runtime::testing::{BLOCK, Backend};
use bottleneck_runtime::{Model, Scratch};
use bottleneck_trainer::pipeline::{Pipeline, RunConfig};
use bottleneck_trainer::training::{to_tensor, training_device};
use burn::prelude::{Device, Tensor, TensorData};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array2;

/// The float pipeline as one burn graph: min-max scaling, encoder, logistic regression.
struct FloatClassifier {
    pipeline: Pipeline,
    scale: Tensor<2>,
    offset: Tensor<2>,
    head_weights: Tensor<2>,
    head_bias: Tensor<2>,
    device: Device,
}

impl FloatClassifier {
    fn new(pipeline: Pipeline) -> FloatClassifier {
        let device = training_device();
        let row = |v: Vec<f32>| {
            let n = v.len();
            Tensor::from_data(TensorData::new(v, [1, n]), &device)
        };
        // (x - min) / range == x * (1 / range) - min / range
        let scaler = &pipeline.scaler;
        let scale = row(scaler.range.iter().map(|r| 1.0 / r).collect());
        let offset = row(scaler
            .min
            .iter()
            .zip(&scaler.range)
            .map(|(m, r)| -m / r)
            .collect());
        let head = pipeline
            .bottleneck_classifier
            .as_ref()
            .expect("the seed model classifies");
        let (n_logits, n_features) = head.weights.dim();
        let head_weights = Tensor::from_data(
            TensorData::new(
                head.weights
                    .t()
                    .iter()
                    .map(|&w| w as f32)
                    .collect::<Vec<f32>>(),
                [n_features, n_logits],
            ),
            &device,
        );
        let head_bias = row(head.bias.iter().map(|&b| b as f32).collect());
        FloatClassifier {
            pipeline,
            scale,
            offset,
            head_weights,
            head_bias,
            device,
        }
    }

    /// Classes of the raw (unscaled) rows of `x`.
    fn classify(&self, x: &Array2<f32>) -> Vec<usize> {
        let x = to_tensor(x, &self.device) * self.scale.clone() + self.offset.clone();
        let features = self.pipeline.autoencoder.encoder.forward(x);
        let logits = features.matmul(self.head_weights.clone()) + self.head_bias.clone();
        let [rows, n] = logits.dims();
        let values: Vec<f32> = logits.into_data().try_into_vec().unwrap_or_default();
        (0..rows)
            .map(|r| {
                let row = &values[r * n..(r + 1) * n];
                match row {
                    [single] => usize::from(*single > 0.0),
                    _ => (0..n).fold(0, |best, k| if row[k] > row[best] { k } else { best }),
                }
            })
            .collect()
    }
}

fn inference(c: &mut Criterion) {
    let mut pipeline = Pipeline::run(RunConfig::default(), |_| {}).expect("training");
    let exported = pipeline.export().expect("export");
    let model = Model::from_bytes(&exported.bytes).expect("model loads");
    let test = pipeline.test.features.clone();
    let rows: Vec<Vec<f32>> = test.rows().into_iter().map(|r| r.to_vec()).collect();
    let float = FloatClassifier::new(pipeline);
    let first = test.slice(ndarray::s![0..1, ..]).to_owned();

    // Both sides must be computing the same thing: check the classes agree before timing.
    let mut scratch = Scratch::<256>::new();
    let int8: Vec<usize> = rows
        .iter()
        .map(|r| model.infer(r, &mut scratch).expect("inference").class)
        .collect();
    let agree = int8
        .iter()
        .zip(float.classify(&test))
        .filter(|(a, b)| **a == *b)
        .count();
    assert!(
        agree * 100 >= rows.len() * 95,
        "int8 and float disagree on {agree} of {}",
        rows.len()
    );

    let mut group = c.benchmark_group("inference");
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("runtime-int8", "batch-1"), |b| {
        b.iter(|| {
            model
                .infer(black_box(&rows[0]), &mut scratch)
                .map(|i| i.class)
        })
    });
    group.bench_function(BenchmarkId::new("burn-ndarray-f32", "batch-1"), |b| {
        b.iter(|| float.classify(black_box(&first)))
    });
    // The dot products alone, through the same backend and on the same weights, without
    // requantization or input quantization: how the batch-1 time splits.
    let backend = Backend::select();
    let x = [1i8; 256];
    let mut wide = [0i16; 256];
    let mut acc = [0i32; BLOCK];
    let view = model.view();
    let matrices: Vec<(&[u8], usize, usize)> = view
        .layers()
        .filter_map(|l| l.as_dense().copied())
        .map(|l| (l.weights(), l.n_in(), l.row_stride()))
        .chain(view.head().map(|h| (h.weights(), h.n_in(), h.row_stride())))
        .collect();
    group.bench_function(BenchmarkId::new("runtime-int8-dots-only", "batch-1"), |b| {
        b.iter(|| {
            let mut total = 0i32;
            for &(weights, n_in, stride) in &matrices {
                backend.prepare(black_box(&x[..n_in]), &mut wide);
                for block in weights.chunks(BLOCK * stride) {
                    let acc = &mut acc[..block.len() / stride];
                    backend.dots(block, n_in, stride, &x[..n_in], &wide, acc);
                    total = total.wrapping_add(acc[0]);
                }
            }
            total
        })
    });
    // The batches: the test split's rows, repeated up to the largest.
    let n = model.n_inputs();
    let largest = *xtask::bench::onnx_runtime::BATCHES
        .iter()
        .max()
        .unwrap_or(&1);
    let flat: Vec<f32> = rows
        .iter()
        .cycle()
        .take(largest)
        .flatten()
        .copied()
        .collect();
    let tiled = Array2::from_shape_vec((largest, n), flat.clone()).expect("rows of n");
    let batched = Batch::new(&model);
    let avx2 = Batch::with_isa(&model, Isa::Avx2);
    // Every batched kernel gives the one-sample classes.
    let one: Vec<usize> = flat
        .chunks_exact(n)
        .map(|r| model.infer(r, &mut scratch).expect("inference").class)
        .collect();
    for b in [&batched, &avx2] {
        assert_eq!(b.run(&flat).expect("batch").classes, one, "{:?}", b.isa());
    }
    onnx_runtime(&model, &flat, &one);

    for batch in xtask::bench::onnx_runtime::BATCHES {
        let x = &flat[..batch * n];
        let id = format!("batch-{batch}");
        group.throughput(Throughput::Elements(batch as u64));
        if batch > 1 {
            group.bench_function(BenchmarkId::new("runtime-int8", &id), |b| {
                b.iter(|| {
                    x.chunks_exact(n)
                        .map(|r| {
                            model
                                .infer(black_box(r), &mut scratch)
                                .map_or(0, |i| i.class)
                        })
                        .sum::<usize>()
                })
            });
        }
        group.bench_function(BenchmarkId::new("runtime-int8-batched", &id), |b| {
            b.iter(|| batched.run(black_box(x)).map(|o| o.classes.len()))
        });
        group.bench_function(BenchmarkId::new("runtime-int8-batched-avx2", &id), |b| {
            b.iter(|| avx2.run(black_box(x)).map(|o| o.classes.len()))
        });
        if batch > 1 {
            let t = tiled.slice(ndarray::s![0..batch, ..]).to_owned();
            group.bench_function(BenchmarkId::new("burn-ndarray-f32", &id), |b| {
                b.iter(|| float.classify(black_box(&t)))
            });
        }
    }
    group.finish();
}

/// ONNX Runtime's int8 path on the same model and rows, timed by the script; its answer
/// (or why it did not run) goes beside criterion's output for `cargo xtask bench`.
fn onnx_runtime(model: &Model<'_>, flat: &[f32], classes: &[usize]) {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| xtask::workspace_root().join("target"))
        .join("criterion/inference");
    std::fs::create_dir_all(&dir).expect("criterion's directory");
    let input = dir.join("onnxruntime-input.json");
    let output = dir.join("onnxruntime.json");
    let _ = std::fs::remove_file(&output);
    let spec = xtask::bench::onnx_runtime::model_json(model, flat).expect("the model as JSON");
    std::fs::write(&input, spec.to_string()).expect("write the script's input");
    match xtask::bench::onnx_runtime::run(&input, &output) {
        Ok(run) => {
            let agree = run
                .classes
                .iter()
                .zip(classes)
                .filter(|(a, b)| a == b)
                .count();
            // The script's requantization is float: a few classes may differ, not many.
            assert!(
                agree * 100 >= classes.len() * 95,
                "ONNX Runtime agrees on only {agree} of {} classes",
                classes.len()
            );
            eprintln!(
                "ONNX Runtime {}: ns per sample {:?} (batches {:?}); classes agree on {agree} of {}",
                run.version,
                run.ns_per_sample,
                xtask::bench::onnx_runtime::BATCHES,
                classes.len()
            );
        }
        Err(e) => {
            eprintln!("WARNING: ONNX Runtime NOT MEASURED: {e}");
            std::fs::write(&output, serde_json::json!({ "error": e }).to_string())
                .expect("write the reason");
        }
    }
}

criterion_group!(benches, inference);
criterion_main!(benches);
