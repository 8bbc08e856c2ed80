//! Any bytes as a model *payload* behind a correct header (length and CRC-32 recomputed),
//! so the fuzzer gets past the CRC and exercises every structural check, the self-test and
//! inference on whatever loads. The first byte picks the format version the payload is
//! read as (1 to 4). Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&version, payload)) = data.split_first() else {
        return;
    };
    let version = u16::from(version % 4) + 1;
    let _ = bottleneck_test_support::exercise(&bottleneck_test_support::seal_as(payload, version));
});
