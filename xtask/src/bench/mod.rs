//! The pieces of the benchmark report (`cargo xtask bench` writes BENCHMARKS.md with them):
//! the machine, criterion's estimates, timed training runs, the model file's layout.

pub mod accuracy;
pub mod anomaly;
pub mod anomaly_levers;
pub mod anomaly_references;
pub mod anomaly_report;
pub mod cmsis;
pub mod cmsis_nn;
pub mod criterion;
pub mod cycle_model;
pub mod file_layout;
pub mod front_end;
pub mod host_batch;
pub mod kernel_loops;
pub mod machine;
pub mod mlperf;
pub mod onnx_runtime;
pub mod python;
pub mod real_memory;
pub mod training;
