//! The generated tables are the nearest integers to their definitions (SPEC.md §8.3,
//! §8.6), and no definition lies near a tie, so any `cos`, `sin` and `log2` accurate to
//! far less than the margin checked here give the same tables.

use bottleneck_signal::{LOG2_NODES, TWIDDLES};

/// Distance of `x` from the nearest tie `k + 1/2`.
fn tie_margin(x: f64) -> f64 {
    ((x - x.floor()) - 0.5).abs()
}

#[test]
fn twiddles_are_the_rounded_cosines_and_sines_far_from_ties() {
    assert_eq!(TWIDDLES.len(), 1025);
    let scale = (1u64 << 30) as f64;
    for (j, &[c, s]) in TWIDDLES.iter().enumerate() {
        let theta = 2.0 * std::f64::consts::PI * j as f64 / 2048.0;
        let (xc, xs) = (scale * theta.cos(), scale * theta.sin());
        assert_eq!(i64::from(c), xc.round() as i64, "cos {j}");
        assert_eq!(i64::from(s), xs.round() as i64, "sin {j}");
        // 2^30 · cos is known to ~1e-7 in f64; a margin of 1e-4 leaves no doubt.
        assert!(
            tie_margin(xc) > 1e-4 && tie_margin(xs) > 1e-4,
            "near tie at {j}"
        );
    }
    assert_eq!(TWIDDLES[0], [1 << 30, 0]);
    assert_eq!(TWIDDLES[512], [0, 1 << 30]);
    assert_eq!(TWIDDLES[1024], [-(1 << 30), 0]);
}

#[test]
fn twiddles_are_mirrored_about_a_quarter_turn() {
    // The real split reads the twiddle of bin M - k as (-c, s) of bin k's: exact
    // because cos(π - θ) = -cos θ, sin(π - θ) = sin θ and no entry is near a tie.
    for j in 0..=1024 {
        let [c, s] = TWIDDLES[j];
        assert_eq!(TWIDDLES[1024 - j], [-c, s], "entry {j}");
    }
}

#[test]
fn log_nodes_are_the_rounded_logarithms_far_from_ties() {
    for (i, &t) in LOG2_NODES.iter().enumerate() {
        let x = 65536.0 * (1.0 + i as f64 / 32.0).log2();
        assert_eq!(u64::from(t), x.round() as u64, "node {i}");
        assert!(i == 0 || i == 32 || tie_margin(x) > 1e-6, "near tie at {i}");
    }
    assert_eq!(LOG2_NODES[32], 65536);
}
