//! Tooling shared by the cross-crate tests and the measurement binaries: building and
//! running the firmware under QEMU, and the benchmark report's parts. The burn-free test
//! helpers (random models, resealing) are in `bottleneck-test-support`.

pub mod bench;
pub mod firmware;
