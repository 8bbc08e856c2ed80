//! Any bytes as a model file: load, and on success run the self-test and a float and an
//! integer inference on samples taken from the same bytes. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bottleneck_test_support::exercise(data);
});
