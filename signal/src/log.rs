//! Stage 5 (SPEC.md §8.6): the base-2 logarithm of a band energy in Q16.

use crate::tables::LOG2_NODES;

/// `log2(e)` in Q16 (`0` for `e = 0` and `e = 1`), at most `2^22`: the integer part from
/// the position of the highest set bit, the fraction by linear interpolation between 33
/// nodes of `log2(1 + i/32)` on the 16 bits below it.
#[inline]
pub fn log2_q16(e: u64) -> u32 {
    if e == 0 {
        return 0;
    }
    let k = 63 - e.leading_zeros();
    // The 16 bits after the leading one: the mantissa's fraction in Q16.
    let mantissa = if k >= 16 {
        e >> (k - 16)
    } else {
        e << (16 - k)
    };
    let f = (mantissa & 0xffff) as u32;
    let i = (f >> 11) as usize;
    let r = f & 0x7ff;
    let node = |i: usize| LOG2_NODES.get(i).copied().unwrap_or(0);
    let (t0, t1) = (node(i), node(i + 1));
    (k << 16) + t0 + (((t1 - t0) * r + 1024) >> 11)
}
