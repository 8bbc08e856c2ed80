//! Stage 6 (SPEC.md §8.7): a log-band value to the model's int8 input.

/// `sat8((L · multiplier + offset + 2^31) >> 32)`: exact in i64 for `L ≤ 2^22` and the
/// loader's bound on the offset.
#[inline(always)]
pub fn quantize(l: u32, multiplier: i32, offset: i64) -> i8 {
    let acc = i64::from(l) * i64::from(multiplier) + offset + (1i64 << 31);
    (acc >> 32).clamp(-128, 127) as i8
}
