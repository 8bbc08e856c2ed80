//! Any bytes as a model file: load, and on success run the self-test and one inference on
//! a sample taken from the same bytes. Must never panic.
#![no_main]

use bottleneck_runtime::{Model, Scratch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(model) = Model::from_bytes(data) else {
        return;
    };
    let mut scratch = Scratch::<256>::new();
    let _ = model.self_test(&mut scratch);
    let sample: Vec<f32> = (0..model.n_inputs())
        .map(|i| {
            let at = (i * 4) % data.len().max(1);
            let b: [u8; 4] = core::array::from_fn(|k| data.get(at + k).copied().unwrap_or(0));
            f32::from_le_bytes(b)
        })
        .collect();
    let _ = model.classify(&sample, &mut scratch);
    let q: Vec<i8> = (0..model.n_inputs())
        .map(|i| data[i % data.len()] as i8)
        .collect();
    let _ = model.infer_quantized(&q, &mut scratch);
});
