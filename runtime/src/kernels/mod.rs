//! The integer kernels: input quantization, dense layers, head. SPEC.md §4 defines them.
//!
//! Every loop walks zipped iterators instead of indexing, so no bounds check can panic;
//! the loader's checks guarantee the slices have the lengths the zips assume, and that
//! no accumulator can overflow i32.
//!
//! The dot products, where nearly all the time goes, come from one of several backends
//! chosen at build time (and, on x86-64 with `std`, at run time). Every backend computes
//! the same exact integers; `portable` is the reference the others are tested against.

#[cfg(all(target_arch = "arm", feature = "dsp"))]
mod arm_dsp;
#[cfg(all(target_arch = "arm", not(feature = "dsp")))]
mod arm_thumb;
mod backend;
mod portable;
#[cfg(all(target_arch = "x86_64", feature = "std"))]
mod x86_avx2;

pub use backend::{BLOCK, Backend};

use bottleneck_format::{Channel, DenseLayer, Head};

/// Quantizes one float feature: `clamp(round_half_up(x * a + b), -128, 127)`.
///
/// `x * a + b` is two separately rounded f32 operations (never a fused multiply-add), so
/// every IEEE-754 target computes the same value.
#[inline]
pub fn quantize_input(x: f32, a: f32, b: f32) -> i8 {
    // Anything beyond ±200 saturates anyway; clamping first keeps the integer
    // conversions below exact (and maps ±inf to the right end).
    let v = (x * a + b).clamp(-200.0, 200.0);
    // floor(v) without libm: truncation is exact for |v| <= 200, one step down fixes
    // negative non-integers.
    let t = v as i32;
    let floor = if t as f32 > v { t - 1 } else { t };
    // `v - floor` is exact for every finite f32, so this rounds half up without the
    // double rounding of `floor(v + 0.5)`.
    let rounded = if v - floor as f32 >= 0.5 {
        floor + 1
    } else {
        floor
    };
    rounded.clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8
}

/// Quantizes a sample with its per-feature affine (`affine`: little-endian f32 pairs
/// `a_i, b_i`, as stored in the file) into `out`, element by element as
/// [`quantize_input`]; as many features as all three slices cover.
pub fn quantize_inputs(sample: &[f32], affine: &[u8], out: &mut [i8]) {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    let done = x86_avx2::quantize_inputs(sample, affine, out);
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    let done = 0;
    // The features the vector path did not cover (all of them without one).
    quantize_inputs_portable(
        sample.get(done..).unwrap_or(&[]),
        affine.get(8 * done..).unwrap_or(&[]),
        out.get_mut(done..).unwrap_or(&mut []),
    );
}

/// [`quantize_inputs`] without any vector fast path: the reference for tests.
pub fn quantize_inputs_portable(sample: &[f32], affine: &[u8], out: &mut [i8]) {
    for ((&x, ab), q) in sample
        .iter()
        .zip(affine.chunks_exact(8))
        .zip(out.iter_mut())
    {
        let [a0, a1, a2, a3, b0, b1, b2, b3] = ab.try_into().unwrap_or([0; 8]);
        let a = f32::from_le_bytes([a0, a1, a2, a3]);
        let b = f32::from_le_bytes([b0, b1, b2, b3]);
        *q = quantize_input(x, a, b);
    }
}

/// `round_half_up(acc * multiplier / 2^(31 + shift))` in 64-bit, one rounding step.
///
/// The loader guarantees `0 <= multiplier < 2^31` and `31 + shift` in `1..=62`, so the
/// product and the rounding constant stay below 2^63.
#[inline]
pub fn scale(acc: i32, multiplier: i32, shift: i8) -> i64 {
    let total = (31 + i32::from(shift)).clamp(1, 62) as u32;
    if total >= 32 {
        return i64::from(scale_high(acc, multiplier, total - 32));
    }
    let product = i64::from(acc) * i64::from(multiplier);
    (product + (1i64 << (total - 1))) >> total
}

/// [`scale`] saturated to i32, the form the kernels use.
#[inline]
fn scale_saturating(acc: i32, multiplier: i32, shift: i8) -> i32 {
    let total = (31 + i32::from(shift)).clamp(1, 62) as u32;
    if total >= 32 {
        return scale_high(acc, multiplier, total - 32);
    }
    let product = i64::from(acc) * i64::from(multiplier);
    let v = (product + (1i64 << (total - 1))) >> total;
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// [`scale`] for total shifts of `32 + t` (every multiplier below 1, the usual case).
///
/// The rounding constant and the shift only touch the high word of the product, so no
/// 64-bit addition or shift is needed: those are a dozen instructions or a library call
/// on 32-bit cores. The result fits i32 since `|product| <= 2^62`.
#[inline]
fn scale_high(acc: i32, multiplier: i32, t: u32) -> i32 {
    let (hi, lo) = mul_wide(acc, multiplier);
    if t == 0 {
        // Round half up on the low word's top bit.
        hi + (lo >> 31) as i32
    } else {
        (hi + (1 << (t - 1))) >> t
    }
}

/// The exact 64-bit product `a * b` as (high word, low word), for `b >= 0`.
#[inline]
fn mul_wide(a: i32, b: i32) -> (i32, u32) {
    #[cfg(all(target_arch = "arm", not(feature = "dsp")))]
    return mul_wide_halves(a, b);
    #[allow(unreachable_code)]
    {
        let p = i64::from(a) * i64::from(b);
        ((p >> 32) as i32, p as u32)
    }
}

/// [`mul_wide`] from four 16 x 16-bit products, for cores whose only multiply gives the
/// low 32 bits (Cortex-M0): far cheaper than the 64 x 64-bit library multiply the
/// compiler would call. Public so the host tests can check it against `i64`.
#[inline]
pub fn mul_wide_halves(a: i32, b: i32) -> (i32, u32) {
    let magnitude = a.unsigned_abs();
    let b = b.unsigned_abs();
    let (a0, a1) = (magnitude & 0xffff, magnitude >> 16);
    let (b0, b1) = (b & 0xffff, b >> 16);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    // Each term below 2^16 + 2^16 + 2^16: no overflow.
    let mid = (p00 >> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    let lo = (p00 & 0xffff) | (mid << 16);
    let hi = p11
        .wrapping_add(p01 >> 16)
        .wrapping_add(p10 >> 16)
        .wrapping_add(mid >> 16);
    if a < 0 {
        // Two's complement negation of the 64-bit value.
        let lo = (!lo).wrapping_add(1);
        let hi = (!hi).wrapping_add(u32::from(lo == 0));
        (hi as i32, lo)
    } else {
        (hi as i32, lo)
    }
}

/// `acc + bias`, requantized to int8 through the channel's activation-dependent
/// requantization ([`Channel::requant`]).
#[inline]
fn dense_output(acc: i32, ch: &Channel, zero_point: i32) -> i8 {
    let acc = acc + ch.bias();
    let r = ch.requant(acc);
    let v = scale_saturating(acc, r.multiplier, r.shift).saturating_add(zero_point);
    v.clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8
}

/// Runs `per_row(dot product)` for every output row, in order, of a weight matrix
/// (`n_out` rows of `n_in` int8 weights), `BLOCK` rows at a time through the fastest
/// backend this build has. `src` is the int8 input; `wide` is working space of at least
/// `src.len()` halfwords.
#[inline(always)]
fn for_each_dot(
    backend: Backend,
    weights: &[u8],
    n_in: usize,
    src: &[i8],
    wide: &mut [i16],
    mut per_row: impl FnMut(i32),
) {
    let n_in = n_in.max(1);
    backend.prepare(src, wide);
    let mut acc = [0i32; BLOCK];
    // Rows left, counted down: no division per block.
    let mut left = weights.len() / n_in;
    for block in weights.chunks(BLOCK * n_in) {
        let rows = left.min(BLOCK);
        left -= rows;
        let Some(acc) = acc.get_mut(..rows) else {
            return;
        };
        backend.dots(block, n_in, src, wide, acc);
        for &a in acc.iter() {
            per_row(a);
        }
    }
}

/// One dense layer with fused LeakyReLU: `src` (n_in) -> `dst` (n_out). `wide` is
/// working space of at least `src.len()` halfwords (the widened input some backends use).
pub fn dense(layer: &DenseLayer<'_>, src: &[i8], wide: &mut [i16], dst: &mut [i8]) {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    if x86_avx2::dense(layer, src, wide, dst) {
        return;
    }
    #[cfg(all(target_arch = "arm", feature = "dsp"))]
    if arm_dsp::dense(layer, src, wide, dst) {
        return;
    }
    #[cfg(all(target_arch = "arm", not(feature = "dsp")))]
    if arm_thumb::dense(layer, src, dst) {
        return;
    }
    dense_with(Backend::select(), layer, src, wide, dst);
}

/// A dense layer walked two rows at a time straight from the weights and channel records
/// to the outputs, `two` and `one` giving the dot products of a pair of rows and of an odd
/// last row. The Cortex-M backends use it: on cores this small, the generic block loop's
/// bookkeeping costs a third as much as the multiply-accumulates.
#[cfg(target_arch = "arm")]
#[inline(always)]
fn dense_by_pairs(
    layer: &DenseLayer<'_>,
    dst: &mut [i8],
    mut two: impl FnMut(&[u8], &[u8]) -> (i32, i32),
    mut one: impl FnMut(&[u8]) -> i32,
) {
    let n = layer.n_in().max(1);
    let weights = layer.weights();
    let zero_point = i32::from(layer.output_zero_point());
    let mut channels = layer.channels();
    let pairs = weights.chunks_exact(2 * n).zip(dst.chunks_exact_mut(2));
    let mut done = 0;
    for (rows, out) in pairs {
        let (r0, r1) = rows.split_at(n);
        let (a0, a1) = two(r0, r1);
        if let ([o0, o1], Some(c0), Some(c1)) = (out, channels.next(), channels.next()) {
            *o0 = dense_output(a0, &c0, zero_point);
            *o1 = dense_output(a1, &c1, zero_point);
        }
        done += 2;
    }
    if let (Some(row), Some(ch), Some(o)) = (
        weights.get(done * n..(done + 1) * n),
        channels.next(),
        dst.get_mut(done),
    ) {
        *o = dense_output(one(row), &ch, zero_point);
    }
}

/// Dot products of the `n`-byte rows of `block` into `acc`, two rows at a time through
/// `two`, an odd last row through `one` (the Cortex-M backends' `dots`).
#[cfg(target_arch = "arm")]
#[inline(always)]
fn dots_by_pairs(
    block: &[u8],
    n: usize,
    acc: &mut [i32],
    mut two: impl FnMut(&[u8], &[u8]) -> (i32, i32),
    mut one: impl FnMut(&[u8]) -> i32,
) {
    let mut rows = block.chunks_exact(n.max(1));
    for pair in acc.chunks_mut(2) {
        match (pair, rows.next()) {
            ([a0, a1], Some(r0)) => {
                let Some(r1) = rows.next() else {
                    return;
                };
                (*a0, *a1) = two(r0, r1);
            }
            ([a0], Some(r0)) => *a0 = one(r0),
            _ => return,
        }
    }
}

/// [`dense`] through the portable backend and scalar requantization only: the reference
/// the fast paths are tested against.
pub fn dense_portable(layer: &DenseLayer<'_>, src: &[i8], wide: &mut [i16], dst: &mut [i8]) {
    dense_with(Backend::Portable, layer, src, wide, dst);
}

/// [`dense`] through `backend`; inlined into each backend's entry point so the whole
/// layer is compiled for that backend's instruction set.
#[inline(always)]
fn dense_with(
    backend: Backend,
    layer: &DenseLayer<'_>,
    src: &[i8],
    wide: &mut [i16],
    dst: &mut [i8],
) {
    let zero_point = i32::from(layer.output_zero_point());
    let mut channels = layer.channels();
    let mut outputs = dst.iter_mut();
    for_each_dot(backend, layer.weights(), layer.n_in(), src, wide, |acc| {
        if let (Some(ch), Some(out)) = (channels.next(), outputs.next()) {
            *out = dense_output(acc, &ch, zero_point);
        }
    });
}

/// The classifier head: int8 features -> int32 logits on the common logit scale. `wide`
/// is working space of at least `features.len()` halfwords.
pub fn head(head: &Head<'_>, features: &[i8], wide: &mut [i16], logits: &mut [i32]) {
    let mut channels = head.channels();
    let mut outputs = logits.iter_mut();
    for_each_dot(
        Backend::select(),
        head.weights(),
        head.n_in(),
        features,
        wide,
        |acc| {
            if let (Some(ch), Some(out)) = (channels.next(), outputs.next()) {
                *out = scale_saturating(acc + ch.bias, ch.requant.multiplier, ch.requant.shift);
            }
        },
    );
}

/// The class a set of logits selects: `logit > 0` for a single binary logit, otherwise the
/// first index of the largest logit.
pub fn argmax(logits: &[i32]) -> usize {
    if let [single] = logits {
        return usize::from(*single > 0);
    }
    let mut best = 0;
    let mut best_value = i32::MIN;
    for (k, &l) in logits.iter().enumerate() {
        if k == 0 || l > best_value {
            best = k;
            best_value = l;
        }
    }
    best
}
