//! The runtime reproduces every number worked out by hand in SPEC.md §5.2.

use bottleneck_format::spec_example;
use bottleneck_runtime::{Model, Scratch, testing};

/// Dense layer `i` of a loaded model.
fn dense<'a>(model: &Model<'a>, i: usize) -> bottleneck_format::DenseLayer<'a> {
    model
        .view()
        .layers()
        .nth(i)
        .and_then(|l| l.as_dense().copied())
        .expect("a dense layer")
}

fn example_bytes() -> Vec<u8> {
    spec_example().to_bytes().expect("valid example")
}

#[test]
fn input_quantization_matches_spec() {
    let bytes = example_bytes();
    let model = Model::from_bytes(&bytes).expect("loads");
    let mut q = [0i8; 2];
    model
        .quantize(&[0.5078125, 1.5], &mut q)
        .expect("finite sample");
    assert_eq!(q, [1, 16]);
}

#[test]
fn layer_zero_matches_spec() {
    let bytes = example_bytes();
    let model = Model::from_bytes(&bytes).expect("loads");
    let mut y = [0i8; 2];
    testing::dense(&dense(&model, 0), &[1, 16], &mut [0; 2], &mut y);
    assert_eq!(y, [-6, 3]);
    let mut f = [0i8; 1];
    testing::dense(&dense(&model, 1), &y, &mut [0; 2], &mut f);
    assert_eq!(f, [6]);
}

#[test]
fn whole_inference_matches_spec() {
    let bytes = example_bytes();
    let model = Model::from_bytes(&bytes).expect("loads");
    let mut scratch = Scratch::<2>::new();
    let out = model.infer(&[0.5078125, 1.5], &mut scratch).expect("runs");
    assert_eq!(out.features, &[6]);
    assert_eq!(out.logits.as_slice(), &[2]);
    assert_eq!(out.class, 1);

    let c = model
        .classify(&[0.5078125, 1.5], &mut scratch)
        .expect("runs");
    assert_eq!(c.class, 1);
    assert_eq!(c.label, "yes");
    assert!(
        (c.probability - 0.622_459_35).abs() < 1e-6,
        "{}",
        c.probability
    );
    assert_eq!(model.self_test(&mut scratch), Ok(1));
}

#[test]
fn rounding_is_half_up_with_one_step() {
    // (p + 2^(t-1)) >> t: ties go towards +infinity, for both signs.
    assert_eq!(testing::scale(5, 1 << 30, 0), 3); // 2.5 -> 3
    assert_eq!(testing::scale(-5, 1 << 30, 0), -2); // -2.5 -> -2
    assert_eq!(testing::scale(-7, 1 << 30, 0), -3); // -3.5 -> -3
    assert_eq!(testing::scale(-19, 1 << 29, 2), -1);
    assert_eq!(testing::quantize_input(0.5, 1.0, 0.0), 1);
    assert_eq!(testing::quantize_input(-0.5, 1.0, 0.0), 0);
    assert_eq!(testing::quantize_input(-1.5, 1.0, 0.0), -1);
    // Largest f32 below 0.5 must not round up (floor(v + 0.5) would).
    assert_eq!(testing::quantize_input(0.499_999_97, 1.0, 0.0), 0);
    assert_eq!(testing::quantize_input(1e30, 1e10, 0.0), 127);
    assert_eq!(testing::quantize_input(-1e30, 1e10, 0.0), -128);
}

/// SPEC.md §5.3: the version-2 file gives the same numbers as §5.2, through both layers'
/// derived negative sides.
#[test]
fn version_two_example_gives_the_same_numbers() {
    let bytes = bottleneck_format::spec_example_v2()
        .to_bytes()
        .expect("valid example");
    let model = Model::from_bytes(&bytes).expect("loads");
    let mut y = [0i8; 2];
    testing::dense(&dense(&model, 0), &[1, 16], &mut [0; 2], &mut y);
    assert_eq!(y, [-6, 3]);
    let mut scratch = Scratch::<16>::new();
    assert_eq!(model.self_test(&mut scratch), Ok(1));
    let c = model
        .classify(&[0.5078125, 1.5], &mut scratch)
        .expect("classifies");
    assert_eq!(
        (c.class, c.label, c.logits.as_slice()),
        (1, "yes", &[2][..])
    );
}

/// SPEC.md §5.4: the rounding example's golden vector holds, and each changed rounding
/// rule would give a different value than the one stored, so the self-test pins both
/// the `+ 2^30` of the derived multiplier and round-half-up.
#[test]
fn ties_example_pins_both_rounding_rules() {
    let bytes = bottleneck_format::spec_example_ties()
        .to_bytes()
        .expect("valid example");
    let model = Model::from_bytes(&bytes).expect("loads");
    let mut scratch = Scratch::<2>::new();
    assert_eq!(model.self_test(&mut scratch), Ok(1));
    let out = model.infer_quantized(&[1], &mut scratch).expect("runs");
    assert_eq!(out.features, &[-2, 3]);
    assert_eq!(out.logits.as_slice(), &[1]);
    assert_eq!(out.class, 1);

    let golden = model.view().golden().next().expect("one golden vector");
    let stored: Vec<i8> = golden.features().collect();
    // Rounded with `floor`-style shifts, as the SPEC writes them: (p + bias) >> t.
    let shift = |p: i64, bias: i64, t: u32| (p + bias) >> t;
    // Channel 0 (acc -5) and channel 1 (acc 5), t = 2.
    let half_up = [shift(-5 * 2, 2, 2), shift(5 * 2, 2, 2)];
    assert_eq!(half_up, [-2, 3], "the rule the file encodes");
    let no_half_in_derivation = (3i64 << 30) >> 31; // 1 instead of 2
    let alternatives = [
        (
            "derived multiplier without + 2^30",
            [shift(-5 * no_half_in_derivation, 2, 2), 3],
        ),
        (
            "ties rounded down",
            [shift(-5 * 2, 1, 2), shift(5 * 2, 1, 2)],
        ),
        (
            "ties away from zero",
            [-((5 * 2 + 2) >> 2), (5 * 2 + 2) >> 2],
        ),
        ("truncation towards zero", [-(5 * 2 / 4), 5 * 2 / 4]),
        ("ties to even", [-2, 2]),
    ];
    for (rule, features) in alternatives {
        let features: Vec<i8> = features.iter().map(|&f| f as i8).collect();
        assert_ne!(features, stored, "{rule} would pass the self-test");
    }
}

/// The Cortex-M0's integer rounding of the input quantization (no FPU) gives exactly the
/// float version's int8 on every f32 near the rounding points: every bit pattern with
/// a magnitude between 2^-3 and 2^9 (each half-integer and its neighbours included) at
/// a stride, all of them around each half-integer, and the special values.
#[test]
fn integer_rounding_of_inputs_matches_the_float_rounding() {
    use bottleneck_runtime::testing::{round_half_up_bits, round_half_up_float};
    let check = |v: f32| {
        assert_eq!(
            round_half_up_bits(v),
            round_half_up_float(v),
            "v = {v:e} ({:#010x})",
            v.to_bits()
        );
    };
    for sign in [0u32, 1 << 31] {
        let (lo, hi) = (0.125f32.to_bits(), 512.0f32.to_bits());
        for bits in (lo..hi).step_by(61) {
            check(f32::from_bits(bits | sign));
        }
    }
    for k in -300..300 {
        let half = k as f32 + 0.5;
        let bits = half.abs().to_bits();
        for delta in 0..2000u32 {
            for b in [bits.saturating_sub(delta), bits + delta] {
                let v = f32::from_bits(b);
                check(if half < 0.0 { -v } else { v });
            }
        }
    }
    for v in [
        0.0,
        -0.0,
        f32::MIN_POSITIVE,
        -f32::MIN_POSITIVE,
        f32::from_bits(1),
        -f32::from_bits(1),
        f32::MAX,
        f32::MIN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        127.5,
        -128.5,
        -128.49998,
        255.99998,
        256.0,
    ] {
        check(v);
    }
}

/// The Cortex-M0's integer emulation of the input quantization's two f32 operations
/// (`x * a`, then `+ b`, each rounded to nearest even) gives exactly the int8 the f32
/// operations give: random inputs over every magnitude, inputs built to land on ties and
/// to cancel, subnormals, and values that overflow f32.
#[test]
fn quantizes_like_the_float_operations() {
    use bottleneck_runtime::testing::{round_half_up_float, soft_quantize};
    use bottleneck_test_support::SplitMix;
    let check = |x: f32, a: f32, b: f32| {
        assert_eq!(
            soft_quantize(x, a, b),
            round_half_up_float(x * a + b),
            "x = {x:e}, a = {a:e}, b = {b:e}"
        );
    };
    let mut rng = SplitMix(2024);
    let finite = |rng: &mut SplitMix| loop {
        let v = f32::from_bits(rng.next_u64() as u32);
        if v.is_finite() {
            return v;
        }
    };
    // Any bit patterns (mostly saturating or negligible), then realistic magnitudes.
    for _ in 0..300_000 {
        check(finite(&mut rng), finite(&mut rng), finite(&mut rng));
    }
    let around = |rng: &mut SplitMix, scale: f32| {
        let m = rng.range(-(1 << 24), 1 << 24) as f32 / (1 << 24) as f32;
        m * scale
    };
    for _ in 0..1_000_000 {
        let x = around(&mut rng, 4.0);
        let a = around(&mut rng, 300.0);
        let b = around(&mut rng, 200.0);
        check(x, a, b);
    }
    // Ties and cancellation: x on a grid, integer a, b near -x*a (+ k + 1/2).
    for _ in 0..300_000 {
        let x = rng.range(-4096, 4096) as f32 / 256.0;
        let a = rng.range(1, 500) as f32 * if rng.range(0, 1) == 0 { 1.0 } else { -1.0 };
        let k = rng.range(-140, 140) as f32 + 0.5 * rng.range(0, 1) as f32;
        let b = k - x * a + rng.range(-2, 2) as f32 * f32::EPSILON;
        check(x, a, b);
        check(x, a, (k - x * a).next_up());
        check(x, a, (k - x * a).next_down());
    }
    // A tie b = k + 1/2 moved by a product of a fraction of its unit in the last place:
    // the product's rounding and the sum's decide the side.
    for k in -130..130 {
        let b = k as f32 + 0.5;
        let ulp = (b.abs().next_up() - b.abs()).max(f32::MIN_POSITIVE);
        for f in [
            0.25f32,
            0.5,
            0.5 + 1.0 / 1024.0,
            0.75,
            1.0,
            1.5,
            3.0,
            1.0 / 64.0,
            64.0,
        ] {
            for sign in [1.0f32, -1.0] {
                check(sign * f * ulp, 1.0, b);
                check(sign * f * ulp * 4.0, 0.25, b);
                check(sign * f * ulp / 3.0, 3.0, b);
            }
        }
    }
    // Products that overflow, underflow and land among subnormals.
    for (x, a, b) in [
        (f32::MAX, 2.0, -1.0),
        (-f32::MAX, 2.0, 1e38),
        (f32::MIN_POSITIVE, 1e-10, 0.5),
        (f32::from_bits(1), 1e30, 0.49999997),
        (f32::from_bits(3), 3e37, -0.5),
        (1e-20, 1e-20, -0.5),
        (1e-20, -1e-20, 0.5),
        (3.0, 1e-40, 127.5),
        (0.0, 5.0, -128.5),
        (-0.0, 5.0, 0.0),
        (1.0, 1.0, -1.0),
        (16777215.0, 1.0, -16777214.5),
        (1e30, 1e8, -1e38),
    ] {
        check(x, a, b);
    }
}
