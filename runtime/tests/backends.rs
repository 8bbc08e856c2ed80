//! Every dot-product backend this build has gives the portable backend's integers, for
//! any row count, width (including widths that are not a multiple of the kernels' 4 and
//! 8 columns), row stride (rows padded to whole words as in version 3, with arbitrary
//! bytes in the padding, which no backend may read into a sum) and any int8 values —
//! extremes included.
//!
//! On a host with AVX2 and the `std` feature this tests the AVX2 kernel; the Cortex-M
//! assembly is tested the same way, end to end, by the QEMU parity test.

use bottleneck_runtime::testing::{BLOCK, Backend};
use proptest::prelude::*;

fn dots(backend: Backend, block: &[u8], n: usize, x: &[i8]) -> Vec<i32> {
    dots_strided(backend, block, n, n, x)
}

fn dots_strided(backend: Backend, block: &[u8], n: usize, stride: usize, x: &[i8]) -> Vec<i32> {
    let mut wide = vec![0i16; n + 1];
    // Start the widened input on an odd halfword when `n` is odd, so a backend that
    // needs alignment must notice and cope.
    let wide = if n % 2 == 1 {
        &mut wide[1..]
    } else {
        &mut wide[..n]
    };
    backend.prepare(x, wide);
    let mut acc = vec![0i32; block.len() / stride];
    backend.dots(block, n, stride, x, wide, &mut acc);
    acc
}

fn case() -> impl Strategy<Value = (usize, Vec<u8>, Vec<i8>)> {
    (1usize..=260, 1usize..=BLOCK).prop_flat_map(|(n, rows)| {
        (
            Just(n),
            proptest::collection::vec(any::<u8>(), rows * n),
            proptest::collection::vec(any::<i8>(), n),
        )
    })
}

fn strided_case() -> impl Strategy<Value = (usize, usize, Vec<u8>, Vec<i8>)> {
    (1usize..=260, 0usize..=3, 1usize..=BLOCK).prop_flat_map(|(n, pad, rows)| {
        (
            Just(n),
            Just(n + pad),
            proptest::collection::vec(any::<u8>(), rows * (n + pad)),
            proptest::collection::vec(any::<i8>(), n),
        )
    })
}

/// The portable sums of the rows of a strided block, padding left out.
fn expected_strided(block: &[u8], n: usize, stride: usize, x: &[i8]) -> Vec<i32> {
    block
        .chunks(stride)
        .map(|row| {
            row[..n]
                .iter()
                .zip(x)
                .map(|(&w, &v)| i32::from(w as i8) * i32::from(v))
                .sum()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_backend_skips_row_padding((n, stride, block, x) in strided_case()) {
        let expected = expected_strided(&block, n, stride, &x);
        for backend in Backend::available() {
            prop_assert_eq!(
                &dots_strided(backend, &block, n, stride, &x),
                &expected,
                "{:?}",
                backend
            );
        }
    }

    #[test]
    fn every_backend_matches_portable((n, block, x) in case()) {
        let expected = dots(Backend::Portable, &block, n, &x);
        for backend in Backend::available() {
            prop_assert_eq!(&dots(backend, &block, n, &x), &expected, "{:?}", backend);
        }
    }
}

#[test]
fn extremes_match_portable() {
    // -128 * -128 at every position: the largest products the kernels ever see.
    for n in [1, 3, 4, 7, 8, 15, 16, 17, 100, 200, 256] {
        let block = vec![0x80u8; BLOCK * n];
        let x = vec![-128i8; n];
        let expected = vec![16384 * n as i32; BLOCK];
        for backend in Backend::available() {
            assert_eq!(
                dots(backend, &block, n, &x),
                expected,
                "{backend:?}, n = {n}"
            );
        }
    }
}

/// The tests above compare the backends this machine has; this one makes sure the AVX2
/// kernel was among them. Ignored by default because it cannot pass on a processor
/// without AVX2; `./scripts/check` runs it where the processor has AVX2.
#[cfg(target_arch = "x86_64")]
#[test]
#[ignore = "needs an AVX2 processor; ./scripts/check runs it where there is one"]
fn avx2_backend_is_tested_on_this_processor() {
    assert!(
        std::is_x86_feature_detected!("avx2"),
        "this processor has no AVX2: the AVX2 kernel cannot be tested here"
    );
    assert!(
        Backend::available().any(|b| b == Backend::X86Avx2),
        "AVX2 detected but its backend is not available"
    );
}

#[test]
fn host_uses_its_fastest_backend() {
    let available: Vec<Backend> = Backend::available().collect();
    eprintln!("backends tested: {available:?}");
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        assert_eq!(
            Backend::select(),
            available[1],
            "AVX2 present but not selected"
        );
    }
}

/// The requantization's exact definition, in 128-bit arithmetic.
fn scale_reference(acc: i32, multiplier: i32, shift: i8) -> i64 {
    let total = (31 + i32::from(shift)).clamp(1, 62);
    let sum = i128::from(acc) * i128::from(multiplier) + (1i128 << (total - 1));
    (sum >> total) as i64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn scale_is_exact(acc in any::<i32>(), multiplier in 0..=i32::MAX, shift in -30i8..=31) {
        prop_assert_eq!(
            bottleneck_runtime::testing::scale(acc, multiplier, shift),
            scale_reference(acc, multiplier, shift)
        );
    }

    #[test]
    fn high_halves_multiply_exactly(a in any::<i32>(), b in 0..=i32::MAX) {
        prop_assert_eq!(
            bottleneck_runtime::testing::mul_high_halves(a, b),
            ((i64::from(a) * i64::from(b)) >> 32) as i32
        );
    }

    #[test]
    fn halves_multiply_exactly(a in any::<i32>(), b in 0..=i32::MAX) {
        let p = i64::from(a) * i64::from(b);
        prop_assert_eq!(
            bottleneck_runtime::testing::mul_wide_halves(a, b),
            ((p >> 32) as i32, p as u32)
        );
    }
}

#[test]
fn high_halves_are_exact_at_the_edges() {
    let edges = [
        i32::MIN,
        i32::MIN + 1,
        -65537,
        -65536,
        -65535,
        -1,
        0,
        1,
        65535,
        65536,
        i32::MAX,
    ];
    for a in edges {
        for b in [0, 1, 65535, 65536, 1 << 30, i32::MAX] {
            let exact = ((i64::from(a) * i64::from(b)) >> 32) as i32;
            assert_eq!(
                bottleneck_runtime::testing::mul_high_halves(a, b),
                exact,
                "{a} {b}"
            );
        }
    }
}

#[test]
fn scale_edges_are_exact() {
    for acc in [i32::MIN, i32::MIN + 1, -1, 0, 1, i32::MAX] {
        for multiplier in [0, 1, 1 << 30, i32::MAX] {
            for shift in [-30i8, -1, 0, 1, 30, 31] {
                assert_eq!(
                    bottleneck_runtime::testing::scale(acc, multiplier, shift),
                    scale_reference(acc, multiplier, shift),
                    "{acc} {multiplier} {shift}"
                );
            }
        }
    }
}

#[test]
fn scratch_bytes_is_the_real_size() {
    use bottleneck_runtime::{Scratch, scratch_bytes};
    assert_eq!(scratch_bytes(200), std::mem::size_of::<Scratch<200>>());
    assert_eq!(scratch_bytes(256), std::mem::size_of::<Scratch<256>>());
    assert_eq!(scratch_bytes(3), std::mem::size_of::<Scratch<3>>());
}

fn affine_bytes(pairs: &[(f32, f32)]) -> Vec<u8> {
    pairs
        .iter()
        .flat_map(|(a, b)| a.to_le_bytes().into_iter().chain(b.to_le_bytes()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// The vector input quantization (AVX2 on x86-64) equals the scalar one for any
    /// floats at all: NaN, infinities, huge and tiny values, exact halves.
    #[test]
    fn fast_input_quantization_matches_portable(
        features in proptest::collection::vec(
            (any::<f32>(), any::<f32>(), any::<f32>()), 0..40),
        halves in proptest::collection::vec((-300i32..300, 1u8..4), 0..24),
    ) {
        let mut cases: Vec<(f32, f32, f32)> = features;
        // x * 1 + 0 on exact halves and quarter steps: the rounding boundaries.
        cases.extend(halves.iter().map(|&(k, d)| (k as f32 / f32::from(d * 2), 1.0, 0.0)));
        let x: Vec<f32> = cases.iter().map(|c| c.0).collect();
        let affine = affine_bytes(&cases.iter().map(|c| (c.1, c.2)).collect::<Vec<_>>());
        let (mut fast, mut slow) = (vec![0i8; x.len()], vec![0i8; x.len()]);
        bottleneck_runtime::testing::quantize_inputs(&x, &affine, &mut fast);
        bottleneck_runtime::testing::quantize_inputs_portable(&x, &affine, &mut slow);
        prop_assert_eq!(fast, slow);
    }
}
