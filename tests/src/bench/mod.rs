//! The pieces of the benchmark report (`scripts/bench` writes BENCHMARKS.md with them):
//! the machine, criterion's estimates, timed training runs, the model file's layout.

pub mod criterion;
pub mod file_layout;
pub mod machine;
pub mod training;
