//! Input quantization (SPEC.md §4.2) in integer arithmetic, for cores without a
//! floating-point unit (Cortex-M0/M0+/M3/M23, RISC-V without the `F` extension).
//!
//! The spec fixes two f32 operations, each rounded to nearest even: `p = x * a`, then
//! `v = p + b`, then `q = sat8(round_half_up(v))`. Through the compiler's software
//! floating point that is two library calls (plus a leading-zero count) of about 200
//! instructions per input. Here the same roundings are done on the unpacked significands
//! with 32-bit operations, taking only what decides `q`:
//!
//! - `|p| < 2^-30`: `v = b` exactly, or both are below 1/2 in magnitude and `q = 0`
//!   either way (so subnormal products never need rounding);
//! - `p` overflowing f32 gives an infinite `v` that saturates;
//! - an addend more than 26 binary orders below the other cannot move it (it is below
//!   an eighth of the larger one's unit in the last place);
//! - otherwise the sum is exact in 64 bits and rounded once to 24 bits.
//!
//! `quantizes_like_the_float_operations` (runtime/tests/spec_example.rs) compares it with
//! the f32 operations on millions of inputs, ties and extremes included.

use super::requantize::mul_wide;

/// A finite f32 as `(-1)^negative * m * 2^e`, `m < 2^24` (0 for a zero).
#[derive(Debug, Clone, Copy)]
struct Unpacked {
    negative: bool,
    m: u32,
    e: i32,
}

#[inline(always)]
fn unpack(bits: u32) -> Unpacked {
    let negative = bits >> 31 != 0;
    let exponent = ((bits >> 23) & 0xff) as i32;
    let fraction = bits & 0x7f_ffff;
    if exponent == 0 {
        Unpacked {
            negative,
            m: fraction,
            e: -149,
        }
    } else {
        Unpacked {
            negative,
            m: fraction | 0x80_0000,
            e: exponent - 150,
        }
    }
}

/// Leading zeros of a u32 without a `CLZ` instruction (the Cortex-M0 has none, and the
/// library call costs more than this search).
#[inline(always)]
fn leading_zeros(mut x: u32) -> u32 {
    if x == 0 {
        return 32;
    }
    let mut n = 0;
    if x >> 16 == 0 {
        n += 16;
        x <<= 16;
    }
    if x >> 24 == 0 {
        n += 8;
        x <<= 8;
    }
    if x >> 28 == 0 {
        n += 4;
        x <<= 4;
    }
    if x >> 30 == 0 {
        n += 2;
        x <<= 2;
    }
    if x >> 31 == 0 {
        n += 1;
    }
    n
}

/// `hi:lo * 2^e` rounded to nearest even to a 24-bit significand: `(m, e)` with
/// `2^23 <= m < 2^24`, or `m = 0` for zero.
#[inline(always)]
fn round_to_24(hi: u32, lo: u32, e: i32) -> (u32, i32) {
    let zeros = if hi != 0 {
        leading_zeros(hi)
    } else {
        32 + leading_zeros(lo)
    };
    if zeros == 64 {
        return (0, 0);
    }
    let bits = 64 - zeros as i32;
    if bits <= 24 {
        // Exact: widen to 24 bits.
        let up = (24 - bits) as u32;
        return (lo << up, e - up as i32);
    }
    let sh = (bits - 24) as u32;
    // The kept bits and the dropped remainder, compared with half a unit.
    let (kept, rem_hi, rem_lo) = if sh >= 32 {
        let s = sh - 32;
        let kept = hi >> s;
        let rem_hi = if s == 0 { 0 } else { hi & ((1 << s) - 1) };
        (kept, rem_hi, lo)
    } else {
        let kept = (hi << (32 - sh)) | (lo >> sh);
        (kept, 0, lo & ((1 << sh) - 1))
    };
    // half = 2^(sh-1) as hi:lo.
    let (half_hi, half_lo) = if sh > 32 {
        (1u32 << (sh - 1 - 32), 0)
    } else {
        (0, 1u32 << (sh - 1))
    };
    let above = (rem_hi, rem_lo) > (half_hi, half_lo);
    let tie = (rem_hi, rem_lo) == (half_hi, half_lo);
    let mut m = kept;
    let mut e = e + sh as i32;
    if above || (tie && m & 1 == 1) {
        m += 1;
        if m == 1 << 24 {
            m = 1 << 23;
            e += 1;
        }
    }
    (m, e)
}

/// `sat8(round_half_up(±m * 2^e))` for a normalized or zero `m`.
#[inline(always)]
fn round_half_up(negative: bool, m: u32, e: i32) -> i8 {
    if m == 0 {
        return 0;
    }
    if e >= 0 {
        return if negative { i8::MIN } else { i8::MAX };
    }
    let sh = -e;
    if sh > 24 {
        return 0;
    }
    if sh < 16 {
        // |v| >= 2^(23 - 15) = 256.
        return if negative { i8::MIN } else { i8::MAX };
    }
    let signed = if negative { -(m as i32) } else { m as i32 };
    let rounded = (signed + (1 << (sh - 1))) >> sh;
    rounded.clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8
}

/// The exact product of two significands below 2^24 as hi:lo, from four 16 x 8/16-bit
/// products (each fits 32 bits).
#[inline(always)]
fn mul24(a: u32, b: u32) -> (u32, u32) {
    let (ah, al) = (a >> 16, a & 0xffff);
    let (bh, bl) = (b >> 16, b & 0xffff);
    let low = al * bl;
    let cross = ah * bl + al * bh; // < 2^25
    let (lo, carry) = low.overflowing_add(cross << 16);
    (ah * bh + (cross >> 16) + u32::from(carry), lo)
}

/// `fl(x * a)` for two normal significands (`2^23 <= m < 2^24`): their product is 47 or
/// 48 bits long, so the rounding needs no leading-zero search.
#[inline(always)]
fn product_of_normals(mx: u32, ma: u32, e: i32) -> (u32, i32) {
    let (hi, lo) = mul24(mx, ma);
    let sh: u32 = if hi >> 15 != 0 { 24 } else { 23 };
    let kept = (hi << (32 - sh)) | (lo >> sh);
    let rem = lo & ((1 << sh) - 1);
    let half = 1 << (sh - 1);
    let mut m = kept;
    let mut e = e + sh as i32;
    if rem > half || (rem == half && m & 1 == 1) {
        m += 1;
        if m == 1 << 24 {
            m = 1 << 23;
            e += 1;
        }
    }
    (m, e)
}

/// `sat8(round_half_up(fl(fl(x * a) + b)))` for finite `x`, `a`, `b`, with integer
/// operations only; the same integer as the f32 computation on every input.
pub fn quantize(x: f32, a: f32, b: f32) -> i8 {
    let (x, a, b) = (
        unpack(x.to_bits()),
        unpack(a.to_bits()),
        unpack(b.to_bits()),
    );
    let negative_p = x.negative != a.negative;
    // p = fl(x * a): the exact product, rounded to 24 bits.
    let (mp, ep) = if x.m >> 23 != 0 && a.m >> 23 != 0 {
        product_of_normals(x.m, a.m, x.e + a.e)
    } else {
        let (p_hi, p_lo) = mul_wide(x.m as i32, a.m as i32);
        round_to_24(p_hi as u32, p_lo, x.e + a.e)
    };
    // |p| < 2^-30 (mp < 2^24) leaves b as it is, or both below 1/2: q = round(b).
    if mp == 0 || ep + 24 < -30 {
        return round_b(b);
    }
    // Beyond f32's largest finite value: p and v are infinite.
    if ep > 104 {
        return if negative_p { i8::MIN } else { i8::MAX };
    }
    // b below 2^-60 cannot move p (|p| >= 2^-30): v = p.
    let (mb, eb) = if b.m >> 23 != 0 {
        (b.m, b.e)
    } else {
        round_to_24(0, b.m, b.e)
    };
    if mb == 0 || eb + 24 < -60 {
        return round_half_up(negative_p, mp, ep);
    }
    // v = fl(p + b).
    let (big, small) = if (ep, mp) >= (eb, mb) {
        ((negative_p, mp, ep), (b.negative, mb, eb))
    } else {
        ((b.negative, mb, eb), (negative_p, mp, ep))
    };
    let d = big.2 - small.2;
    if d > 26 {
        return round_half_up(big.0, big.1, big.2);
    }
    // big.1 << d (up to 50 bits) as hi:lo, then ± small.1.
    let d = d as u32;
    let (b_hi, b_lo) = if d == 0 {
        (0, big.1)
    } else if d >= 32 {
        (big.1 << (d - 32), 0)
    } else {
        (big.1 >> (32 - d), big.1 << d)
    };
    let (s_hi, s_lo) = if big.0 == small.0 {
        let (lo, carry) = b_lo.overflowing_add(small.1);
        (b_hi + u32::from(carry), lo)
    } else {
        // big >= small, so the difference is not negative.
        let (lo, borrow) = b_lo.overflowing_sub(small.1);
        (b_hi - u32::from(borrow), lo)
    };
    let (mv, ev) = round_to_24(s_hi, s_lo, small.2);
    round_half_up(big.0, mv, ev)
}

/// `sat8(round_half_up(v))` from the bits of a float `v` with integer operations only:
/// the last step of [`quantize`] on its own, for the tests to hold it against the float
/// rounding. Infinities saturate; NaN, which no caller passes, gives 0.
pub fn round_half_up_bits(v: f32) -> i8 {
    if v.is_nan() {
        return 0;
    }
    round_b(unpack(v.to_bits()))
}

/// `q` when `v = b`.
#[inline(always)]
fn round_b(b: Unpacked) -> i8 {
    let (m, e) = round_to_24(0, b.m, b.e);
    round_half_up(b.negative, m, e)
}
