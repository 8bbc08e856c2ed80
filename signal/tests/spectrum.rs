//! The integer stages against plain floating-point mathematics: the spectrum is the DFT
//! of the windowed frame (times 2), the logarithm is log2, within their rounding.

use bottleneck_signal::{bin, fft_in_place, log2_q16, split_in_place, window_into};
use proptest::prelude::*;

/// The spectrum of `x` through stages 1 to 3, bins 0 ..= N/2.
fn integer_spectrum(x: &[i16], window: &[u32]) -> Vec<(i32, i32)> {
    let log2n = x.len().trailing_zeros();
    let mut work = vec![0i32; x.len()];
    let window_bytes: Vec<u8> = window
        .iter()
        .flat_map(|&w| (w as u16).to_le_bytes())
        .collect();
    window_into([x, &[]], 0, 1, &window_bytes, log2n, &mut work);
    fft_in_place(&mut work, log2n);
    split_in_place(&mut work, log2n);
    (0..=x.len() / 2).map(|k| bin(&work, k, log2n)).collect()
}

/// `2 · DFT(v)` of the windowed values `v_n = x_n w_n / 2^(log2 N + 1)`, in f64.
fn float_spectrum(x: &[i16], window: &[u32]) -> Vec<(f64, f64)> {
    let n = x.len();
    let s = (2 * n) as f64;
    (0..=n / 2)
        .map(|k| {
            let (mut re, mut im) = (0.0, 0.0);
            for (i, (&x, &w)) in x.iter().zip(window).enumerate() {
                let v = f64::from(x) * f64::from(w) / s;
                let theta = -2.0 * std::f64::consts::PI * (k * i) as f64 / n as f64;
                re += v * theta.cos();
                im += v * theta.sin();
            }
            (2.0 * re, 2.0 * im)
        })
        .collect()
}

fn hann(n: usize) -> Vec<u32> {
    (0..n)
        .map(|i| {
            let w = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos();
            (w * 32768.0).round() as u32
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_spectrum_is_the_dft_of_the_windowed_frame(
        log2n in 6u32..=11,
        seed in any::<u64>(),
        loud in any::<bool>(),
    ) {
        let n = 1usize << log2n;
        let mut state = seed | 1;
        let amplitude = if loud { 32768.0 } else { 300.0 };
        let x: Vec<i16> = (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                ((u * 2.0 - 1.0) * amplitude).clamp(-32768.0, 32767.0) as i16
            })
            .collect();
        let window = hann(n);
        let exact = float_spectrum(&x, &window);
        let integer = integer_spectrum(&x, &window);
        // Each of the log2 N stages rounds once (±1/2), the window once per sample.
        let bound = 2.0 * (log2n as f64 + 2.0) * (n as f64).sqrt() + 4.0;
        for (k, (&(re, im), &(fr, fi))) in integer.iter().zip(&exact).enumerate() {
            let error = ((f64::from(re) - fr).powi(2) + (f64::from(im) - fi).powi(2)).sqrt();
            prop_assert!(error <= bound, "bin {k}: {re},{im} vs {fr},{fi} (error {error}, bound {bound})");
        }
    }
}

#[test]
fn a_tone_lands_in_its_bin() {
    let n = 1024;
    let x: Vec<i16> = (0..n)
        .map(|i| (20000.0 * (2.0 * std::f64::consts::PI * 37.0 * i as f64 / n as f64).sin()) as i16)
        .collect();
    let spectrum = integer_spectrum(&x, &vec![32768; n]);
    let peak = (0..spectrum.len())
        .max_by_key(|&k| {
            let (re, im) = spectrum[k];
            i64::from(re).pow(2) + i64::from(im).pow(2)
        })
        .unwrap();
    assert_eq!(peak, 37);
}

#[test]
fn log2_q16_is_log2_within_its_interpolation_error() {
    assert_eq!(log2_q16(0), 0);
    assert_eq!(log2_q16(1), 0);
    assert_eq!(log2_q16(2), 1 << 16);
    assert_eq!(log2_q16(1 << 40), 40 << 16);
    assert!(log2_q16(u64::MAX) < 64 << 16 && log2_q16(u64::MAX) > (64 << 16) - 40);
    let mut e = 3u64;
    while e < u64::MAX / 5 {
        for x in [e, e + 1, e * 3 / 2, e + e / 7] {
            let exact = (x as f64).log2() * 65536.0;
            let error = (f64::from(log2_q16(x)) - exact).abs();
            // Interpolation (≤ 11.6 units in Q16), the mantissa's cut to 16 bits (≤ 1.5)
            // and the node rounding (≤ 0.5) and the final rounding (≤ 0.5).
            assert!(error < 14.0, "log2({x}): {} vs {exact}", log2_q16(x));
        }
        e = e * 5 / 3;
    }
}
