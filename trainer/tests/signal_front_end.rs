//! The integer front end measured against the float one it stands in for (SPEC.md
//! §8.11): on MLPerf Tiny's feature set, each of the 128 log-mel features of the integer
//! pipeline is within CMSIS-DSP's own acceptance (34 dB SNR for its Q15 MFCC) of the
//! float features, and the int8 inputs agree with quantizing the float features.

use bottleneck_trainer::signal::{
    BandLayout, FloatFrontEnd, FrontEndDesign, IntegerFrontEnd, snr_db,
};

/// One second of a machine at 16 kHz: a 120 Hz hum with 12 harmonics falling off, plus
/// broadband noise about 45 dB below.
fn machine(seconds: f64, seed: u64, gain: f64) -> Vec<i16> {
    let mut state = seed | 1;
    (0..(16000.0 * seconds) as usize)
        .map(|i| {
            let t = i as f64 / 16000.0;
            let hum: f64 = (1..=12)
                .map(|h| {
                    let f = 120.0 * h as f64;
                    0.25 / h as f64 * (2.0 * std::f64::consts::PI * f * t + h as f64).sin()
                })
                .sum();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.01;
            ((hum + noise) * gain * 32767.0)
                .round()
                .clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

/// The integer features' SNR per feature against the float ones (min and median, dB)
/// and their largest error in dB, for the machine sound at `gain`.
fn accuracy(gain: f64) -> (f64, f64, f64) {
    let design = FrontEndDesign::mlperf_ad();
    let samples = machine(2.0, 7, gain);
    let float = FloatFrontEnd::new(&design).log_bands_db(&samples);
    // Any input affine: only the log-band values matter here.
    let spec = design.spec(&vec![(1.0, 0.0); design.n_inputs()]);
    let integer = IntegerFrontEnd::new(&spec).log_bands(&samples);
    assert_eq!(float.len(), integer.len());
    assert_eq!(float.len(), (32000 - 1024) / 512 + 1);
    let (alpha, beta) = design.log_band_to_db();
    let mut snrs = Vec::new();
    let mut worst_error: f64 = 0.0;
    for b in 0..128 {
        let reference: Vec<f64> = float.iter().map(|f| f[b]).collect();
        let measured: Vec<f64> = integer
            .iter()
            .map(|f| alpha * f64::from(f[b]) + beta[b])
            .collect();
        for (r, m) in reference.iter().zip(&measured) {
            worst_error = worst_error.max((r - m).abs());
        }
        snrs.push(snr_db(&reference, &measured));
    }
    snrs.sort_by(f64::total_cmp);
    println!(
        "gain {gain}: log-mel SNR per feature min {:.1} dB, median {:.1} dB; largest error {:.4} dB",
        snrs[0], snrs[64], worst_error
    );
    (snrs[0], snrs[64], worst_error)
}

#[test]
fn mlperf_features_from_integers_are_within_cmsis_accuracy_of_float() {
    // Full scale (hum peaks near 0 dBFS) and 60 dB quieter (peaks near -60 dBFS, the
    // noise at about -105 dBFS, below int16's own floor). The quiet signal's largest
    // error is in its quietest bands, where the window stage's shift (SPEC.md §8.2)
    // leaves samples of a few LSB only a few bits.
    for (gain, largest) in [(1.0, 0.1), (1e-3, 3.0)] {
        let (min_snr, _, worst) = accuracy(gain);
        assert!(min_snr >= 34.0, "gain {gain}: SNR {min_snr} dB");
        assert!(worst < largest, "gain {gain}: largest error {worst} dB");
    }
}

#[test]
fn int8_inputs_agree_with_quantizing_the_float_features() {
    let design = FrontEndDesign::mlperf_ad();
    let samples = machine(1.0, 3, 1.0);
    let float = FloatFrontEnd::new(&design).log_bands_db(&samples);
    // A scaler + input quantization as the trainer would fit them: -100 dB .. +20 dB
    // onto -128 .. 127, different per input.
    let affine: Vec<(f64, f64)> = (0..design.n_inputs())
        .map(|i| {
            let (lo, hi) = (-100.0 + (i % 7) as f64, 20.0 - (i % 5) as f64);
            let a = 255.0 / (hi - lo);
            (a, -128.0 - a * lo)
        })
        .collect();
    let spec = design.spec(&affine);
    let reference = IntegerFrontEnd::new(&spec);
    let inputs = reference.inputs(&reference.log_bands(&samples));
    let frames = usize::from(design.frames);
    assert_eq!(inputs.len(), float.len() - frames + 1);
    let (mut same, mut total) = (0usize, 0usize);
    for (w, input) in inputs.iter().enumerate() {
        let stacked: Vec<f64> = float[w..w + frames].iter().flatten().copied().collect();
        for ((&q, x), &(a, b)) in input.iter().zip(&stacked).zip(&affine) {
            let expected = (a * x + b).round().clamp(-128.0, 127.0) as i32;
            assert!((i32::from(q) - expected).abs() <= 1, "{q} vs {expected}");
            same += usize::from(i32::from(q) == expected);
            total += 1;
        }
    }
    println!("int8 inputs equal to quantized float features: {same} of {total}");
    assert!(same as f64 >= 0.99 * total as f64);
}

#[test]
fn the_mel_filterbank_follows_slaneys_scale() {
    let design = FrontEndDesign::mlperf_ad();
    let bands = design.float_bands();
    assert_eq!(bands.len(), 128);
    // Centres rise; every filter has bins; the triangles' areas are normalized (Slaney):
    // each filter's weights sum to about 2 / (f2 - f0) × (f2 - f0) / 2 / bin width.
    let bin = 16000.0 / 1024.0;
    let mut last_peak = 0;
    for band in &bands {
        let peak = band.first_bin
            + band
                .weights
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap()
                .0;
        assert!(peak >= last_peak);
        last_peak = peak;
        let area: f64 = band.weights.iter().sum::<f64>() * bin;
        assert!((area - 1.0).abs() < 0.35, "area {area}");
    }
    let linear = FrontEndDesign {
        bands: BandLayout::Linear {
            n: 4,
            f_min: 0.0,
            f_max: 8000.0,
        },
        ..design
    };
    let counts: Vec<usize> = linear
        .float_bands()
        .iter()
        .map(|b| b.weights.len())
        .collect();
    assert_eq!(counts, [128, 128, 128, 129]);
}
