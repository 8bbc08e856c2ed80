//! Writes the front end's constant tables (SPEC.md §8.3 and §8.6) as Rust source, so they
//! live in flash: the FFT's twiddle factors for the longest frame and the base-2
//! logarithm's interpolation table. Each value is the nearest integer to the real number
//! the spec names; `tests/tables.rs` checks that none lies near a tie, so any correctly
//! working `cos`, `sin` and `log2` give these very tables.

use std::f64::consts::PI;
use std::fmt::Write;

/// Longest frame (SPEC.md §8.1): the table has its `MAX_FRAME_LEN / 2 + 1` angles.
const MAX_FRAME_LEN: usize = 2048;

fn main() {
    let mut out = String::new();
    let n = MAX_FRAME_LEN / 2 + 1;
    writeln!(
        out,
        "/// `(round(2^30 cos θ_j), round(2^30 sin θ_j))` for `θ_j = 2πj / {MAX_FRAME_LEN}`, `j = 0 ..= {}`.",
        n - 1
    )
    .unwrap();
    writeln!(out, "pub static TWIDDLES: [[i32; 2]; {n}] = [").unwrap();
    for j in 0..n {
        let theta = 2.0 * PI * j as f64 / MAX_FRAME_LEN as f64;
        let scale = (1u64 << 30) as f64;
        let c = (scale * theta.cos()).round() as i64;
        let s = (scale * theta.sin()).round() as i64;
        writeln!(out, "    [{c}, {s}],").unwrap();
    }
    writeln!(out, "];").unwrap();
    writeln!(
        out,
        "/// `round(2^16 log2(1 + i/32))` for `i = 0 ..= 32`: the logarithm's interpolation nodes."
    )
    .unwrap();
    writeln!(out, "pub static LOG2_NODES: [u32; 33] = [").unwrap();
    for i in 0..=32 {
        let v = (65536.0 * (1.0 + i as f64 / 32.0).log2()).round() as u64;
        writeln!(out, "    {v},").unwrap();
    }
    writeln!(out, "];").unwrap();
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("tables.rs");
    std::fs::write(path, out).unwrap();
    println!("cargo::rerun-if-changed=build.rs");
}
