//! The integer kernels: input quantization, dense layers, head. SPEC.md §4 defines them.
//!
//! Every loop walks zipped iterators instead of indexing, so no bounds check can panic;
//! the loader's checks guarantee the slices have the lengths the zips assume, and that
//! no accumulator can overflow i32.

use bottleneck_format::{
    DENSE_CHANNEL_LEN, DenseChannel, DenseLayer, HEAD_CHANNEL_LEN, Head, HeadChannel,
};

/// Quantizes one float feature: `clamp(round_half_up(x * a + b), -128, 127)`.
///
/// `x * a + b` is two separately rounded f32 operations (never a fused multiply-add), so
/// every IEEE-754 target computes the same value.
#[inline]
pub fn quantize_input(x: f32, a: f32, b: f32) -> i8 {
    let v = x * a + b;
    let floor = libm::floorf(v);
    // `v - floor` is exact for every finite f32, so this rounds half up without the
    // double rounding of `floor(v + 0.5)`.
    let rounded = if v - floor >= 0.5 { floor + 1.0 } else { floor };
    if rounded >= 127.0 {
        127
    } else if rounded <= -128.0 {
        -128
    } else {
        rounded as i8
    }
}

/// `round_half_up(acc * multiplier / 2^(31 + shift))` in 64-bit, one rounding step.
///
/// The loader guarantees `0 <= multiplier < 2^31` and `31 + shift` in `1..=62`, so the
/// product and the rounding constant stay below 2^63.
#[inline]
pub fn scale(acc: i32, multiplier: i32, shift: i8) -> i64 {
    let total = (31 + i32::from(shift)).clamp(1, 62) as u32;
    let product = i64::from(acc) * i64::from(multiplier);
    let half = 1i64 << (total - 1);
    (product + half) >> total
}

/// Saturates to the int8 range.
#[inline]
fn saturate_i8(v: i64) -> i8 {
    v.clamp(i64::from(i8::MIN), i64::from(i8::MAX)) as i8
}

/// Dot product of an int8 weight row and an int8 activation vector, plus `bias`.
#[inline]
fn dot(bias: i32, row: &[u8], x: &[i8]) -> i32 {
    row.iter().zip(x).fold(bias, |acc, (&w, &v)| {
        acc + i32::from(w as i8) * i32::from(v)
    })
}

/// One dense layer with fused LeakyReLU: `src` (n_in) -> `dst` (n_out).
pub fn dense(layer: &DenseLayer<'_>, src: &[i8], dst: &mut [i8]) {
    let n_in = usize::from(layer.n_in).max(1);
    let rows = layer.weights.0.chunks_exact(n_in);
    let channels = layer.channels.0.chunks_exact(DENSE_CHANNEL_LEN);
    let zero_point = i64::from(layer.output_zero_point);
    for ((row, record), out) in rows.zip(channels).zip(dst.iter_mut()) {
        let Ok(record) = record.try_into() else {
            continue;
        };
        let ch = DenseChannel::from_bytes(record);
        let acc = dot(ch.bias, row, src);
        let r = if acc >= 0 { ch.positive } else { ch.negative };
        *out = saturate_i8(scale(acc, r.multiplier, r.shift) + zero_point);
    }
}

/// The classifier head: int8 features -> int32 logits on the common logit scale.
pub fn head(head: &Head<'_>, features: &[i8], logits: &mut [i32]) {
    let n_in = usize::from(head.n_in).max(1);
    let rows = head.weights.0.chunks_exact(n_in);
    let channels = head.channels.0.chunks_exact(HEAD_CHANNEL_LEN);
    for ((row, record), out) in rows.zip(channels).zip(logits.iter_mut()) {
        let Ok(record) = record.try_into() else {
            continue;
        };
        let ch = HeadChannel::from_bytes(record);
        let acc = dot(ch.bias, row, features);
        let v = scale(acc, ch.requant.multiplier, ch.requant.shift);
        *out = v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    }
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
