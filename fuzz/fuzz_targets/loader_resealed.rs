//! Any bytes as a model *payload* behind a correct header (length and CRC-32 recomputed),
//! so the fuzzer gets past the CRC and exercises every structural check, the self-test and
//! inference on whatever loads. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|payload: &[u8]| {
    let _ = bottleneck_test_support::exercise(&bottleneck_test_support::seal(payload));
});
