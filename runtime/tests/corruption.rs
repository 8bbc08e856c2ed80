//! Exhaustive corruption: every single-bit flip and every truncation of a valid file is
//! rejected by the loader, with the error the position implies.

use bottleneck_format::{Error, ModelView, spec_example, spec_example_v3, spec_example_v4};
use bottleneck_test_support::{V3Shape, exercise, random_spec, random_v3_spec};

fn check_all_flips_rejected(file: &[u8]) {
    let mut copy = file.to_vec();
    for byte in 0..file.len() {
        for bit in 0..8 {
            copy[byte] ^= 1 << bit;
            let err = ModelView::parse(&copy).expect_err("a flipped file must be rejected");
            let expected_kind = match byte {
                0..=3 => matches!(err, Error::BadMagic { .. }),
                // A flip to another version this loader reads (1 <-> 3, 2 <-> 3, ...) is not
                // caught by the CRC, which covers the payload only; the payload, laid out
                // for the other version, then fails to decode.
                4..=5 if (1..=4).contains(&copy[4]) && copy[5] == 0 => !matches!(
                    err,
                    Error::UnsupportedVersion { .. }
                        | Error::CrcMismatch { .. }
                        | Error::LengthMismatch { .. }
                ),
                4..=5 => matches!(err, Error::UnsupportedVersion { .. }),
                6..=7 => matches!(err, Error::UnsupportedFlags { .. }),
                8..=11 => matches!(err, Error::LengthMismatch { .. }),
                _ => matches!(err, Error::CrcMismatch { .. }),
            };
            assert!(expected_kind, "byte {byte} bit {bit}: unexpected {err:?}");
            assert!(!exercise(&copy));
            copy[byte] ^= 1 << bit;
        }
    }
    assert_eq!(copy, file);
}

fn check_all_truncations_rejected(file: &[u8]) {
    for len in 0..file.len() {
        let err = ModelView::parse(&file[..len]).expect_err("a truncated file must be rejected");
        if len < 16 {
            assert_eq!(err, Error::TooShort { len });
        } else {
            assert!(
                matches!(err, Error::LengthMismatch { .. }),
                "len {len}: {err:?}"
            );
        }
    }
}

#[test]
fn every_bit_flip_of_the_spec_example_is_rejected() {
    check_all_flips_rejected(&spec_example().to_bytes().expect("valid"));
}

#[test]
fn every_truncation_of_the_spec_example_is_rejected() {
    check_all_truncations_rejected(&spec_example().to_bytes().expect("valid"));
}

#[test]
fn every_bit_flip_and_truncation_of_a_multiclass_model_is_rejected() {
    let file = random_spec(7, 20, &[24, 12, 6], 3, 4)
        .to_bytes()
        .expect("valid");
    assert!(exercise(&file));
    check_all_flips_rejected(&file);
    check_all_truncations_rejected(&file);
}

#[test]
fn every_bit_flip_and_truncation_of_the_v3_example_is_rejected() {
    let file = spec_example_v3().to_bytes().expect("valid");
    assert!(exercise(&file));
    check_all_flips_rejected(&file);
    check_all_truncations_rejected(&file);
}

#[test]
fn every_bit_flip_and_truncation_of_the_v4_example_is_rejected() {
    let file = spec_example_v4().to_bytes().expect("valid");
    assert!(exercise(&file));
    check_all_flips_rejected(&file);
    check_all_truncations_rejected(&file);
}

#[test]
fn every_bit_flip_and_truncation_of_a_v3_autoencoder_is_rejected() {
    let shape = V3Shape {
        n_inputs: 13,
        encoder: &[10, 5],
        decoder: Some(&[7]),
        n_classes: 3,
        n_golden: 3,
    };
    let file = random_v3_spec(11, &shape).to_bytes().expect("valid");
    assert!(exercise(&file));
    check_all_flips_rejected(&file);
    check_all_truncations_rejected(&file);
}
