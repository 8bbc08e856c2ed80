//! Quantization parameters: scales, zero points, fixed-point multipliers (SPEC.md §4).

use bottleneck_format::{MAX_SHIFT, MIN_SHIFT, Requant};

/// Scale and zero point of an asymmetric int8 tensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    /// Real value of one step.
    pub scale: f64,
    /// The int8 value that represents real 0.
    pub zero_point: i8,
}

impl Affine {
    /// Parameters covering `[lo, hi]` widened to include 0 (so 0 is exact).
    pub fn from_range(lo: f64, hi: f64) -> Affine {
        let lo = lo.min(0.0);
        let hi = hi.max(0.0);
        if hi - lo <= f64::EPSILON || !(hi - lo).is_finite() {
            return Affine {
                scale: 1.0,
                zero_point: 0,
            };
        }
        let scale = (hi - lo) / 255.0;
        let zero_point = (-128.0 - lo / scale).round().clamp(-128.0, 127.0) as i8;
        Affine { scale, zero_point }
    }

    /// The int8 value of real `v`: `v / scale` rounded to nearest, plus the zero point,
    /// saturated.
    pub fn quantize(&self, v: f64) -> i8 {
        ((v / self.scale).round() + f64::from(self.zero_point)).clamp(-128.0, 127.0) as i8
    }

    /// The real value of int8 `q`.
    pub fn dequantize(&self, q: i8) -> f64 {
        (f64::from(q) - f64::from(self.zero_point)) * self.scale
    }
}

/// Symmetric per-row int8 weights: returns the int8 row and its scale (`max|w| / 127`).
pub fn quantize_row(row: impl Iterator<Item = f64> + Clone) -> (Vec<i8>, f64) {
    let max = row.clone().fold(0.0f64, |m, w| m.max(w.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    let q = row
        .map(|w| (w / scale).round().clamp(-127.0, 127.0) as i8)
        .collect();
    (q, scale)
}

/// The fixed-point form `multiplier / 2^(31 + shift)` of a positive real multiplier.
///
/// Multipliers too small for shift 31 lose precision (down to 0); multipliers of 2^30 or
/// more cannot be represented and return `None`.
pub fn quantize_multiplier(m: f64) -> Option<Requant> {
    if m == 0.0 {
        return Some(Requant::default());
    }
    if !(m > 0.0 && m.is_finite()) {
        return None;
    }
    // m = f * 2^e with f in [0.5, 1).
    let mut e = m.log2().floor() as i32 + 1;
    let mut f = m / 2f64.powi(e);
    if f >= 1.0 {
        f /= 2.0;
        e += 1;
    } else if f < 0.5 {
        f *= 2.0;
        e -= 1;
    }
    let mut q = (f * 2f64.powi(31)).round() as i64;
    if q == 1 << 31 {
        q /= 2;
        e += 1;
    }
    let shift = -e;
    if shift > i32::from(MAX_SHIFT) {
        let q = (m * 2f64.powi(31 + i32::from(MAX_SHIFT))).round() as i64;
        return Some(Requant {
            multiplier: q.clamp(0, i64::from(i32::MAX)) as i32,
            shift: MAX_SHIFT,
        });
    }
    if shift < i32::from(MIN_SHIFT) {
        return None;
    }
    Some(Requant {
        multiplier: q as i32,
        shift: shift as i8,
    })
}

/// The largest |bias| the loader accepts for a channel with `n_in` inputs (SPEC.md §4.5).
pub fn bias_limit(n_in: usize) -> i64 {
    i64::from(i32::MAX) - (n_in as i64) * 128 * 128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipliers_round_trip() {
        for m in [1.0, 0.5, 0.3, 1e-3, 0.999_999_9, 3.7, 1e-9, 2e-12] {
            let r = quantize_multiplier(m).expect("representable");
            assert!(r.is_valid(), "{m}: {r:?}");
            let back = f64::from(r.multiplier) / 2f64.powi(31 + i32::from(r.shift));
            assert!(
                (back - m).abs() <= m * 1e-9 + 2f64.powi(-62),
                "{m} -> {back}"
            );
        }
        assert_eq!(quantize_multiplier(2f64.powi(31)), None);
    }

    #[test]
    fn ranges_include_zero() {
        let a = Affine::from_range(0.0, 1.0);
        assert_eq!(a.zero_point, -128);
        assert!((a.scale - 1.0 / 255.0).abs() < 1e-15);
        let a = Affine::from_range(-1.0, 0.5);
        assert_eq!(a.dequantize(a.zero_point), 0.0);
    }
}
