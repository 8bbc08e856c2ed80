//! The `bottleneck` command line.
fn main() {}
