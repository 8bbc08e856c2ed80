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
///
/// Portable version. Four products per step: the independent partial sums let the compiler schedule loads
/// and multiplies of neighbouring elements together (on Cortex-M4 it pairs them).
#[cfg(not(feature = "dsp"))]
#[inline]
fn dot(bias: i32, row: &[u8], x: &[i8]) -> i32 {
    let (row4, row_tail) = row.as_chunks::<4>();
    let (x4, x_tail) = x.as_chunks::<4>();
    let mut acc = bias;
    for (w, v) in row4.iter().zip(x4) {
        let p0 = i32::from(w[0] as i8) * i32::from(v[0]);
        let p1 = i32::from(w[1] as i8) * i32::from(v[1]);
        let p2 = i32::from(w[2] as i8) * i32::from(v[2]);
        let p3 = i32::from(w[3] as i8) * i32::from(v[3]);
        acc += (p0 + p1) + (p2 + p3);
    }
    row_tail
        .iter()
        .zip(x_tail)
        .fold(acc, |acc, (&w, &v)| acc + i32::from(w as i8) * i32::from(v))
}

/// Dot product on cores with the Armv7E-M DSP extension (Cortex-M4/M7, `dsp` feature):
/// four int8 products per two `SMLAD` instructions, after `SXTB16` splits each word into
/// its even and odd bytes sign-extended to halfwords (the CMSIS-NN scheme). The sum is the
/// same exact integer as the portable version's (the loader bounds it to i32); the QEMU
/// parity test compares this path on the Cortex-M4F with the portable one on the host.
#[cfg(feature = "dsp")]
#[inline]
#[allow(unsafe_code)]
fn dot(bias: i32, row: &[u8], x: &[i8]) -> i32 {
    let (row4, row_tail) = row.as_chunks::<4>();
    let (x4, x_tail) = x.as_chunks::<4>();
    let mut acc = bias;
    for (w, v) in row4.iter().zip(x4) {
        let w = u32::from_le_bytes(*w);
        let v = u32::from_le_bytes(v.map(|b| b as u8));
        // SAFETY: register-only arithmetic; no memory, stack or flags other than Q.
        unsafe {
            core::arch::asm!(
                "sxtb16 {we}, {w}",
                "sxtb16 {wo}, {w}, ror #8",
                "sxtb16 {ve}, {v}",
                "sxtb16 {vo}, {v}, ror #8",
                "smlad {acc}, {we}, {ve}, {acc}",
                "smlad {acc}, {wo}, {vo}, {acc}",
                w = in(reg) w,
                v = in(reg) v,
                we = out(reg) _,
                wo = out(reg) _,
                ve = out(reg) _,
                vo = out(reg) _,
                acc = inout(reg) acc,
                options(pure, nomem, nostack),
            );
        }
    }
    row_tail
        .iter()
        .zip(x_tail)
        .fold(acc, |acc, (&w, &v)| acc + i32::from(w as i8) * i32::from(v))
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
