//! Requantization (SPEC.md §4.1, §4.3): a Q31 multiplier and a shift applied to an
//! int32 accumulator with one rounding step, then the zero point and saturation.

use bottleneck_format::Channel;
#[cfg(any(
    all(target_arch = "arm", not(dsp)),
    all(target_arch = "riscv32", target_feature = "m")
))]
use bottleneck_format::{Activation, DenseLayer, Requant};

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
pub(super) fn scale_saturating(acc: i32, multiplier: i32, shift: i8) -> i32 {
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
/// on 32-bit cores; for `t >= 1` the low word is not needed at all ([`mul_high`]). The
/// result fits i32 since `|product| <= 2^62`.
#[inline(always)]
fn scale_high(acc: i32, multiplier: i32, t: u32) -> i32 {
    if t == 0 {
        // Round half up on the low word's top bit.
        let (hi, lo) = mul_wide(acc, multiplier);
        hi + (lo >> 31) as i32
    } else {
        (mul_high(acc, multiplier) + (1 << (t - 1))) >> t
    }
}

/// The exact 64-bit product `a * b` as (high word, low word), for `b >= 0`.
#[inline]
pub(super) fn mul_wide(a: i32, b: i32) -> (i32, u32) {
    // Armv6-M and Armv8-M Baseline have no 32 x 32 -> 64-bit multiply.
    #[cfg(any(armv6m, armv8m_base))]
    return mul_wide_halves(a, b);
    #[allow(unreachable_code)]
    {
        let p = i64::from(a) * i64::from(b);
        ((p >> 32) as i32, p as u32)
    }
}

/// `floor(a * b / 2^32)`, the high word of the product alone, for `b >= 0`.
#[inline(always)]
fn mul_high(a: i32, b: i32) -> i32 {
    // Armv6-M and Armv8-M Baseline have no 32 x 32 -> 64-bit multiply.
    #[cfg(any(armv6m, armv8m_base))]
    return mul_high_halves(a, b);
    #[allow(unreachable_code)]
    {
        ((i64::from(a) * i64::from(b)) >> 32) as i32
    }
}

/// [`mul_high`] from four 16 x 16-bit products, the sign kept in `a`'s signed high half:
/// no absolute values, no low word and no 64-bit negation, which [`mul_wide_halves`]
/// needs (about 20 instructions instead of 40 on the Cortex-M0). For `b >= 0`; public so
/// the host tests can check it against `i64`.
#[inline]
pub fn mul_high_halves(a: i32, b: i32) -> i32 {
    // a = a1 * 2^16 + a0 with a1 signed, b = b1 * 2^16 + b0 with b1 < 2^15.
    let (a1, a0) = (a >> 16, a & 0xffff);
    let (b1, b0) = (b >> 16, b & 0xffff);
    let high = a1 * b1;
    // |a1 * b0| < 2^15 * 2^16 and a0 * b1 < 2^16 * 2^15: both fit i32.
    let (c1, c2) = (a1 * b0, a0 * b1);
    let low = (a0 as u32) * (b0 as u32);
    // The three parts below 2^32, in units of 2^16: their sum is below 3 * 2^16.
    let carry = ((low >> 16) + (c1 as u32 & 0xffff) + (c2 as u32 & 0xffff)) >> 16;
    high + (c1 >> 16) + (c2 >> 16) + carry as i32
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
pub(super) fn dense_output(acc: i32, ch: &Channel, zero_point: i32) -> i8 {
    let acc = acc + ch.bias();
    let r = ch.requant(acc);
    let v = scale_saturating(acc, r.multiplier, r.shift).saturating_add(zero_point);
    v.clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8
}

/// The int8 output of a row from its accumulator and its channel record, for the kernels
/// that walk a layer's records themselves (Thumb-1, RISC-V): the usual shared record
/// (linear, ReLU, LeakyReLU with its negative side derived from the slope; real
/// multiplier below 1/2) decoded in place and requantized through the high word of the
/// product only, everything else (version 1 records, larger multipliers) through
/// [`dense_output`]. Decoding the record
/// through [`DenseLayer::decode_channel`] and the 64-bit [`scale`] cost about 80
/// instructions per output on RV32IMC.
#[cfg(any(
    all(target_arch = "arm", not(dsp)),
    all(target_arch = "riscv32", target_feature = "m")
))]
#[inline(always)]
pub(super) fn record_output<'l>(layer: &'l DenseLayer<'_>) -> impl Fn(i32, &[u8]) -> i8 + 'l {
    let zero_point = i32::from(layer.output_zero_point());
    let relu = layer.activation() == Activation::Relu;
    let slope = match layer.activation() {
        Activation::LeakyRelu(slope) => Some(slope),
        _ => None,
    };
    let shared = matches!(
        layer.activation(),
        Activation::Linear | Activation::Relu | Activation::LeakyRelu(_)
    );
    let general = move |acc: i32, record: &[u8]| match layer.decode_channel(record) {
        Some(ch) => dense_output(acc, &ch, zero_point),
        None => 0,
    };
    move |acc: i32, record: &[u8]| {
        if !shared {
            return general(acc, record);
        }
        let Some(&[b0, b1, b2, b3, m0, m1, m2, m3, s]) = record.as_array::<9>() else {
            return 0;
        };
        let biased = acc + i32::from_le_bytes([b0, b1, b2, b3]);
        let mut requant = Requant {
            multiplier: i32::from_le_bytes([m0, m1, m2, m3]),
            shift: s as i8,
        };
        if biased < 0 {
            if relu {
                return zero_point as i8;
            }
            // LeakyReLU's negative side, derived as the loader's checks allow.
            if let Some(slope) = slope {
                requant = requant.scaled_by_loaded(slope);
            }
        }
        match shared_output(biased, requant.multiplier, requant.shift, zero_point) {
            Some(y) => y,
            None => general(acc, record),
        }
    }
}

/// SPEC.md §4.3's requantization of a biased accumulator for a total shift `t = 31 + s`
/// of 32 or more (every real multiplier below 1/2: the usual case), the only part of the
/// high word of `acc * m` that matters: `None` for smaller shifts, left to the general
/// path. `(p + 2^(t-1)) >> t` touches only the high word when `t >= 33`; at `t = 32` it
/// is the high word plus the low word's top bit.
#[cfg(any(
    all(target_arch = "arm", not(dsp)),
    all(target_arch = "riscv32", target_feature = "m")
))]
#[inline(always)]
fn shared_output(acc: i32, multiplier: i32, shift: i8, zero_point: i32) -> Option<i8> {
    if shift < 1 {
        return None;
    }
    // Total shift 31 + s = 32 + (s - 1).
    let v = scale_high(acc, multiplier, (shift - 1) as u32);
    Some((v + zero_point).clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8)
}
