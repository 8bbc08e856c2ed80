//! The quantization step checked against independent references: burn's own forward pass
//! for BatchNorm folding, and SPEC.md §5's worked example for the reference inference.

use bottleneck_format::{ChannelLayout, Requant, spec_example, spec_example_ties, spec_example_v2};
use bottleneck_trainer::classifier::ScaledRows;
use bottleneck_trainer::model::{Activation, AutoencoderConfig, BottleneckActivation};
use bottleneck_trainer::quant::params::quantize_multiplier;
use bottleneck_trainer::quant::reference::{q31, requantize, slope_scaled};
use bottleneck_trainer::quant::{ReferenceModel, fold_encoder};
use bottleneck_trainer::scaler::MinMaxScaler;
use bottleneck_trainer::training::{TrainingConfig, encode, train_autoencoder};
use ndarray::Array2;

/// Rows with some structure (so BatchNorm's running statistics move far from their
/// initial mean 0 and variance 1), deterministic without an RNG crate.
fn rows(n: usize, features: usize, salt: u64) -> Array2<f32> {
    Array2::from_shape_fn((n, features), |(r, c)| {
        let h = (r as u64 * 31 + c as u64 * 17 + salt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let noise = (h >> 40) as f32 / (1u64 << 24) as f32;
        (0.3 + 0.4 * noise + 0.1 * c as f32).min(1.0)
    })
}

#[test]
fn folded_encoder_matches_burns_forward_pass() {
    // The tutorial's network, and MLPerf Tiny's recipe: ReLU and a BatchNorm + ReLU
    // bottleneck, whose BatchNorm is folded too.
    check_folding(AutoencoderConfig::new(6, vec![10, 5], 3));
    check_folding(
        AutoencoderConfig::new(6, vec![10, 5], 3)
            .with_activation(Activation::Relu)
            .with_bottleneck_activation(BottleneckActivation::Same),
    );
}

fn check_folding(autoencoder: AutoencoderConfig) {
    let train = rows(96, 6, 1);
    let config = TrainingConfig::new(autoencoder)
        .with_epochs(8)
        .with_batch_size(8);
    let identity = MinMaxScaler::identity(6);
    let valid = rows(16, 6, 2);
    let scaled = |raw| ScaledRows {
        raw,
        scaler: &identity,
    };
    let (autoencoder, _) =
        train_autoencoder(&config, scaled(&train), scaled(&valid), |_| {}).expect("training runs");
    let encoder = &autoencoder.encoder;

    // The running statistics must have moved, or folding them would prove nothing.
    let layers = fold_encoder(encoder);
    let first = &autoencoder.encoder.hidden[0].norm;
    let mean = first
        .running_mean
        .value()
        .into_data()
        .try_to_vec::<f32>()
        .expect("f32");
    assert!(
        mean.iter().any(|m| m.abs() > 0.05),
        "running mean still near 0: {mean:?}"
    );

    let x = rows(200, 6, 3);
    let burn_features = encode(encoder, scaled(&x));
    let folded = bottleneck_trainer::quant::fold::forward_all(&layers, &x.mapv(f64::from));
    let folded_features = folded.last().expect("layers");
    let max_diff = burn_features
        .iter()
        .zip(folded_features.iter())
        .map(|(&b, &f)| (f64::from(b) - f).abs())
        .fold(0.0, f64::max);
    let max_value = folded_features.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(
        max_value > 0.1,
        "features too small to compare: {max_value}"
    );
    assert!(
        max_diff < 1e-4,
        "folded vs burn: max |difference| {max_diff}"
    );
}

#[test]
fn reference_reproduces_the_spec_example() {
    // SPEC.md §5.2: sample (0.5078125, 1.5) -> input (1, 16) -> layer 0 (-6, 3) ->
    // feature 6 -> logit 2 -> class 1 ("yes"), in both the v1 and the v2 file.
    for spec in [spec_example(), spec_example_v2()] {
        let reference = ReferenceModel::new(&spec);
        let input = reference.quantize(&[0.507_812_5, 1.5]);
        assert_eq!(input, [1, 16]);
        let layer0 = bottleneck_trainer::quant::reference::dense_batch(
            &spec.layers[0],
            &Array2::from_shape_vec((1, 2), vec![1, 16]).expect("shape"),
        );
        assert_eq!(layer0.as_slice().expect("contiguous"), &[-6, 3]);
        let out = reference.infer(&input);
        assert_eq!(out.features, [6]);
        assert_eq!(out.logits, [2]);
        assert_eq!(out.class, 1);
        // The golden vector the file stores is what the reference computes.
        let g = &spec.golden[0];
        assert_eq!(
            (
                g.input.as_slice(),
                g.features.as_slice(),
                g.logits.as_slice()
            ),
            (
                input.as_slice(),
                out.features.as_slice(),
                out.logits.as_slice()
            )
        );
    }
    // And the files' sizes: 146 (v1, a 130-byte payload) and 141 (v2), as SPEC.md §5
    // and §5.3 give them.
    assert_eq!(spec_example().to_bytes().expect("valid").len(), 146);
    assert_eq!(spec_example_v2().to_bytes().expect("valid").len(), 141);
}

#[test]
fn reference_reproduces_the_rounding_example() {
    // SPEC.md §5.4: a derived multiplier that is an exact half, and three requantization
    // ties; the reference derives and rounds on its own and must give the stored vector.
    let spec = spec_example_ties();
    let reference = ReferenceModel::new(&spec);
    let input = reference.quantize(&[1.0]);
    assert_eq!(input, [1]);
    let out = reference.infer(&input);
    assert_eq!(out.features, [-2, 3]);
    assert_eq!(out.logits, [1]);
    assert_eq!(out.class, 1);
    assert_eq!(out.features, spec.golden[0].features);
}

#[test]
fn reference_rounds_ties_half_up_in_one_step() {
    let half = Requant {
        multiplier: 1 << 30,
        shift: 0,
    };
    assert_eq!(requantize(5, half), 3); // 2.5 -> 3
    assert_eq!(requantize(-5, half), -2); // -2.5 -> -2
    assert_eq!(requantize(-7, half), -3); // -3.5 -> -3
}

#[test]
fn reference_derives_the_slope_side_on_its_own() {
    // 0.3, Keras' LeakyReLU slope: Q31 multiplier 1288490189, shift +1 (0.6 / 2).
    let slope = q31(0.3);
    assert_eq!(
        slope,
        Requant {
            multiplier: 1_288_490_189,
            shift: 1
        }
    );
    // The trainer's quantizer stores the same slope the reference derives.
    assert_eq!(quantize_multiplier(0.3), Some(slope));
    // The +2^30 rounding of the derived multiplier: 3 * 2^29 scaled by 0.5 is 0.75 *
    // 2^30 exactly; odd products round half up.
    let half = q31(0.5);
    let p = Requant {
        multiplier: 3 << 29,
        shift: 2,
    };
    assert_eq!(
        slope_scaled(p, half),
        Requant {
            multiplier: 3 << 28,
            shift: 2
        }
    );
    let odd = Requant {
        multiplier: (1 << 30) + 1,
        shift: 0,
    };
    // (2^30 + 1) * 2^30 / 2^31 = 2^29 + 0.5 -> 2^29 + 1.
    assert_eq!(slope_scaled(odd, half).multiplier, (1 << 29) + 1);
    // The reference reads the v2 example's layer 0 as the v1 file stores it.
    let v1 = spec_example();
    let v2 = spec_example_v2();
    let ChannelLayout::Shared(Some(stored_slope)) = v2.layers[0].layout else {
        panic!("layer 0 of the v2 example has a slope");
    };
    for (c1, c2) in v1.layers[0].channels.iter().zip(&v2.layers[0].channels) {
        assert_eq!(slope_scaled(c2.positive, stored_slope), c1.negative);
    }
}
