//! Property tests: no byte string and no sample can make the loader or the runtime panic.

use bottleneck_format::{ChannelLayout, Error as FormatError, ModelView, Requant};
use bottleneck_runtime::{Error, Model, Scratch};
use bottleneck_test_support::{SplitMix, exercise, payload_of, random_spec, seal};
use proptest::prelude::*;

/// A valid 3-class model used as the starting point for mutations.
fn base_file() -> Vec<u8> {
    random_spec(11, 12, &[16, 8, 4], 3, 3)
        .to_bytes()
        .expect("valid")
}

#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Flip(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
    Extend(Vec<u8>),
    /// Overwrites the header's payload-length field.
    LengthField(u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
        any::<usize>().prop_map(Mutation::Truncate),
        proptest::collection::vec(any::<u8>(), 1..16).prop_map(Mutation::Extend),
        any::<u32>().prop_map(Mutation::LengthField),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len().max(1);
    match m {
        Mutation::Set(i, b) => {
            if let Some(x) = bytes.get_mut(i % n) {
                *x = *b;
            }
        }
        Mutation::Flip(i, bit) => {
            if let Some(x) = bytes.get_mut(i % n) {
                *x ^= 1 << bit;
            }
        }
        Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), *b),
        Mutation::Remove(i) => {
            if !bytes.is_empty() {
                bytes.remove(i % n);
            }
        }
        Mutation::Truncate(len) => bytes.truncate(len % n),
        Mutation::Extend(tail) => bytes.extend_from_slice(tail),
        Mutation::LengthField(len) => {
            if let Some(field) = bytes.get_mut(8..12) {
                field.copy_from_slice(&len.to_le_bytes());
            }
        }
    }
}

/// Sample values that stress quantization: NaN, infinities, huge, subnormal, ordinary.
fn nasty_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        Just(f32::NAN),
        Just(f32::INFINITY),
        Just(f32::NEG_INFINITY),
        Just(f32::MAX),
        Just(f32::MIN),
        Just(f32::MIN_POSITIVE / 4.0),
        Just(-0.0f32),
        -1e6f32..1e6f32,
        -2.0f32..2.0f32,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(
        prefix in prop_oneof![
            Just(&b""[..]),
            Just(&b"BNEK"[..]),
            Just(&b"BNEK\x01\x00\x00\x00"[..]),
            Just(&b"BNEK\x02\x00\x00\x00"[..]),
        ],
        tail in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        // Random bytes behind a real magic and version reach the length and CRC checks
        // instead of all stopping at the magic. Whatever loads must have a header that
        // really describes its payload.
        let mut bytes = prefix.to_vec();
        bytes.extend_from_slice(&tail);
        if exercise(&bytes) {
            let declared = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            let stored = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
            prop_assert_eq!(declared as usize, bytes.len() - 16);
            prop_assert_eq!(stored, bottleneck_format::crc32(payload_of(&bytes)));
        }
    }

    #[test]
    fn arbitrary_payloads_behind_a_valid_header_never_panic(
        payload in proptest::collection::vec(any::<u8>(), 0..512)
    ) {
        let _ = exercise(&seal(&payload));
    }

    #[test]
    fn mutated_files_are_rejected_unless_the_crc_still_holds(
        mutations in proptest::collection::vec(mutation(), 1..4)
    ) {
        let original = base_file();
        let mut file = original.clone();
        for m in &mutations {
            apply(&mut file, m);
        }
        let loaded = exercise(&file);
        if loaded && file != original {
            // Only a mutation that left header and CRC consistent can load.
            let stored = u32::from_le_bytes([file[12], file[13], file[14], file[15]]);
            prop_assert_eq!(stored, bottleneck_format::crc32(payload_of(&file)));
        }
        // The same mutations applied to the payload with the CRC recomputed reach the
        // structural checks: the file is rejected with a typed error, or it passes every
        // check and then runs its self-test and an inference without panicking.
        let mut payload = payload_of(&original).to_vec();
        for m in &mutations {
            if !matches!(m, Mutation::LengthField(_)) {
                apply(&mut payload, m);
            }
        }
        let resealed = seal(&payload);
        match ModelView::parse(&resealed) {
            Ok(view) => {
                prop_assert!(view.n_inputs() >= 1 && view.layers().len() > 0);
                prop_assert!(exercise(&resealed));
            }
            // The header is right by construction: the error must come from the payload.
            Err(e) => prop_assert!(
                !matches!(
                    e,
                    FormatError::TooShort { .. }
                        | FormatError::BadMagic { .. }
                        | FormatError::UnsupportedVersion { .. }
                        | FormatError::UnsupportedFlags { .. }
                        | FormatError::LengthMismatch { .. }
                        | FormatError::CrcMismatch { .. }
                ),
                "header error for a resealed payload: {:?}",
                e
            ),
        }
    }

    #[test]
    fn float_samples_give_a_result_or_a_typed_error(
        sample in proptest::collection::vec(nasty_f32(), 0..16)
    ) {
        let file = base_file();
        let model = Model::from_bytes(&file).expect("valid");
        let mut scratch = Scratch::<16>::new();
        let result = model.classify(&sample, &mut scratch);
        if sample.len() != model.n_inputs() {
            prop_assert_eq!(
                result,
                Err(Error::SampleLength { expected: model.n_inputs(), found: sample.len() })
            );
        } else if let Some(index) = sample.iter().position(|x| !x.is_finite()) {
            prop_assert_eq!(result, Err(Error::NonFiniteInput { index }));
        } else {
            let c = result.expect("finite sample of the right length");
            prop_assert!(c.class < model.n_classes());
            prop_assert!((0.0..=1.0).contains(&c.probability));
        }
    }

    #[test]
    fn every_int8_sample_infers(sample in proptest::collection::vec(any::<i8>(), 12)) {
        let file = base_file();
        let model = Model::from_bytes(&file).expect("valid");
        let mut scratch = Scratch::<16>::new();
        let out = model.infer_quantized(&sample, &mut scratch).expect("right length");
        prop_assert_eq!(out.features.len(), 4);
        prop_assert_eq!(out.logits.len(), 3);
        prop_assert!(out.class < 3);
    }
}

#[test]
fn scratch_narrower_than_the_model_is_a_typed_error() {
    let file = base_file();
    let model = Model::from_bytes(&file).expect("valid");
    let mut scratch = Scratch::<8>::new();
    assert_eq!(
        model.infer_quantized(&[0; 12], &mut scratch),
        Err(Error::ScratchTooSmall {
            needed: 16,
            capacity: 8
        })
    );
    assert_eq!(
        model.self_test(&mut scratch),
        Err(Error::ScratchTooSmall {
            needed: 16,
            capacity: 8
        })
    );
}

#[test]
fn self_test_detects_a_wrong_golden_vector() {
    let mut spec = random_spec(11, 12, &[16, 8, 4], 3, 3);
    spec.golden[1].features[0] = spec.golden[1].features[0].wrapping_add(1);
    let file = spec.to_bytes().expect("still structurally valid");
    let model = Model::from_bytes(&file).expect("loads");
    assert_eq!(
        model.self_test(&mut Scratch::<16>::new()),
        Err(Error::SelfTestFailed {
            vector: 1,
            part: "features"
        })
    );
    let mut spec = random_spec(11, 12, &[16, 8, 4], 3, 3);
    spec.golden[2].logits[1] += 1;
    let file = spec.to_bytes().expect("valid");
    let model = Model::from_bytes(&file).expect("loads");
    assert_eq!(
        model.self_test(&mut Scratch::<16>::new()),
        Err(Error::SelfTestFailed {
            vector: 2,
            part: "logits"
        })
    );
}

/// Every dense layer gives the same int8 outputs through the machine's fastest kernels
/// (vector requantization included, on x86-64 with AVX2) as through the portable
/// reference path, for random weights, biases, multipliers and shifts, on widths that
/// exercise the 4-row blocks, the leftover rows and the masked column tail.
#[test]
fn fast_dense_layers_match_the_portable_path() {
    use bottleneck_runtime::testing;
    for seed in 0..64u64 {
        let widths = [[37, 20, 16], [64, 33, 18], [200, 100, 50]][(seed % 3) as usize];
        let n_inputs = [100, 17, 48][(seed % 3) as usize];
        let mut rng = SplitMix(seed ^ 0xDEAD_BEEF);
        let mut spec = random_spec(seed, n_inputs, &widths, 3, 0);
        let variant = seed % 4;
        if variant != 0 {
            // Any legal shift, so the vector path's fallback to scalar code is exercised.
            for ch in spec.layers.iter_mut().flat_map(|l| l.channels.iter_mut()) {
                ch.positive.shift = rng.range(-30, 31) as i8;
                ch.negative.shift = rng.range(-30, 31) as i8;
            }
        }
        if variant >= 2 {
            // Version-2 layers: one slope per layer (variant 2) or linear (variant 3).
            for layer in &mut spec.layers {
                let slope = (variant == 2).then(|| Requant {
                    multiplier: rng.range(1 << 28, (1i64 << 31) - 1) as i32,
                    shift: 0,
                });
                layer.layout = ChannelLayout::Shared(slope);
                for ch in &mut layer.channels {
                    ch.negative = match slope {
                        Some(s) => ch.positive.scaled_by(s).expect("same shift stays legal"),
                        None => ch.positive,
                    };
                }
            }
        }
        let bytes = spec.to_bytes().expect("random spec writes");
        let model = Model::from_bytes(&bytes).expect("random spec loads");
        let mut n_in = n_inputs;
        for layer in model.view().layers().filter_map(|l| l.as_dense().copied()) {
            let n_out = layer.n_out();
            let src: Vec<i8> = (0..n_in).map(|_| rng.range(-128, 127) as i8).collect();
            let (mut fast, mut slow) = (vec![0i8; n_out], vec![0i8; n_out]);
            let mut wide = vec![0i16; n_in];
            testing::dense(&layer, &src, &mut wide, &mut fast);
            testing::dense_portable(&layer, &src, &mut wide, &mut slow);
            assert_eq!(fast, slow, "seed {seed}, layer {n_in} -> {n_out}");
            n_in = n_out;
        }
    }
}
