//! Any bytes as a model *payload* behind a correct header (length and CRC-32 recomputed),
//! so the fuzzer gets past the CRC and exercises every structural check, the self-test and
//! inference on whatever loads. Must never panic.
#![no_main]

use bottleneck_runtime::format::Header;
use bottleneck_runtime::{Model, Scratch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|payload: &[u8]| {
    let Ok(header) = Header::for_payload(payload) else {
        return;
    };
    let mut file = header.to_bytes().to_vec();
    file.extend_from_slice(payload);
    let Ok(model) = Model::from_bytes(&file) else {
        return;
    };
    let mut scratch = Scratch::<256>::new();
    let _ = model.self_test(&mut scratch);
    let sample: Vec<f32> = (0..model.n_inputs())
        .map(|i| f32::from(payload[i % payload.len()]) - 100.0)
        .collect();
    let _ = model.classify(&sample, &mut scratch);
});
