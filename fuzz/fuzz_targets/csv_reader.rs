//! Any bytes as a training CSV with a `label` column: parsed into a data set or refused
//! with an error that names the file. Must never panic.
#![no_main]

use std::path::Path;

use bottleneck_trainer::data::parse_csv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_csv(data, Path::new("fuzz.csv"), "label") {
        Ok(d) => {
            assert_eq!(d.targets.len(), d.n_rows());
            assert!(d.features.iter().all(|v| v.is_finite()));
            assert!(d.targets.iter().all(|&t| t < d.n_classes()));
        }
        Err(e) => assert!(e.to_string().starts_with("fuzz.csv")),
    }
});
