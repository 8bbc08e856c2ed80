//! Weight matrices repacked once per [`super::Batch`] for the batched kernels: blocks of
//! `L` output rows whose weights for `K` consecutive inputs sit together, so one vector
//! load gives `L` rows times `K` inputs and one broadcast of `K` inputs of a sample meets
//! all of them. The per-row requantization parameters sit beside them as arrays of `L`.

use bottleneck_format::{DenseLayer, Head, Requant};
use std::vec;
use std::vec::Vec;

/// Requantization of one block of `L` rows, decoded from the channel records exactly as
/// the one-sample path decodes them (SPEC.md §4.3).
#[derive(Debug, Clone)]
pub struct BlockParams<const L: usize> {
    /// Folded int32 bias.
    pub bias: [i32; L],
    /// Multiplier for biased accumulators >= 0 (below 2^31).
    pub m_pos: [i32; L],
    /// Total shift `clamp(31 + s, 1, 62)` for biased accumulators >= 0.
    pub t_pos: [i32; L],
    /// Multiplier below zero (LeakyReLU's slope folded in; ReLU's zero).
    pub m_neg: [i32; L],
    /// Total shift below zero.
    pub t_neg: [i32; L],
    /// The sum of each row's weights, for kernels that offset their inputs to unsigned.
    pub row_sum: [i32; L],
}

/// How a layer's outputs are finished: int8 at a zero point (a dense layer), or int32
/// logits (the head).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Saturated to int8 after adding the zero point.
    Int8 { zero_point: i32 },
    /// Saturated to int32.
    Logits,
}

/// One weight matrix packed for lanes of `L` rows and groups of `K` inputs of type `T`.
#[derive(Debug, Clone)]
pub struct Packed<T, const L: usize, const K: usize> {
    /// Inputs (weights per row).
    pub n_in: usize,
    /// Outputs (rows).
    pub n_out: usize,
    /// Groups of `K` inputs: `ceil(n_in / K)`.
    pub groups: usize,
    /// `blocks * groups` chunks of `L * K` weights: block-major, then group, then row.
    pub weights: Vec<T>,
    /// One per block of `L` rows.
    pub params: Vec<BlockParams<L>>,
    /// How outputs are finished.
    pub output: Output,
}

fn total_shift(r: Requant) -> i32 {
    (31 + i32::from(r.shift)).clamp(1, 62)
}

impl<T: Copy + Default, const L: usize, const K: usize> Packed<T, L, K> {
    /// Packs `n_out` rows of `n_in` weights (`weight(row, input)`) with the rows'
    /// requantization (`requant(row)`: bias, positive and negative side).
    fn pack(
        n_in: usize,
        n_out: usize,
        weight: impl Fn(usize, usize) -> i8,
        requant: impl Fn(usize) -> (i32, Requant, Requant),
        convert: impl Fn(i8) -> T,
        output: Output,
    ) -> Self {
        let groups = n_in.div_ceil(K);
        let blocks = n_out.div_ceil(L);
        let mut weights = vec![T::default(); blocks * groups * L * K];
        let mut params = Vec::with_capacity(blocks);
        for b in 0..blocks {
            let mut p = BlockParams {
                bias: [0; L],
                m_pos: [0; L],
                t_pos: [1; L],
                m_neg: [0; L],
                t_neg: [1; L],
                row_sum: [0; L],
            };
            let lanes = p
                .bias
                .iter_mut()
                .zip(p.m_pos.iter_mut().zip(p.t_pos.iter_mut()))
                .zip(p.m_neg.iter_mut().zip(p.t_neg.iter_mut()))
                .zip(p.row_sum.iter_mut());
            for (lane, (((bias, (m_pos, t_pos)), (m_neg, t_neg)), row_sum)) in lanes.enumerate() {
                let row = b * L + lane;
                if row >= n_out {
                    break;
                }
                for j in 0..n_in {
                    let w = weight(row, j);
                    let at = ((b * groups + j / K) * L + lane) * K + j % K;
                    if let Some(slot) = weights.get_mut(at) {
                        *slot = convert(w);
                    }
                    *row_sum += i32::from(w);
                }
                let (b0, pos, neg) = requant(row);
                *bias = b0;
                (*m_pos, *t_pos) = (pos.multiplier, total_shift(pos));
                (*m_neg, *t_neg) = (neg.multiplier, total_shift(neg));
            }
            params.push(p);
        }
        Packed {
            n_in,
            n_out,
            groups,
            weights,
            params,
            output,
        }
    }

    /// A dense layer.
    pub fn dense(layer: &DenseLayer<'_>, convert: impl Fn(i8) -> T) -> Self {
        Self::pack(
            layer.n_in(),
            layer.n_out(),
            |row, j| layer.weight(row, j).unwrap_or(0),
            |row| match layer.channel(row) {
                // The requantization depends only on the biased accumulator's sign.
                Some(ch) => (ch.bias(), ch.requant(0), ch.requant(-1)),
                None => (0, Requant::default(), Requant::default()),
            },
            convert,
            Output::Int8 {
                zero_point: i32::from(layer.output_zero_point()),
            },
        )
    }

    /// The classifier head.
    pub fn head(head: &Head<'_>, convert: impl Fn(i8) -> T) -> Self {
        let stride = head.row_stride();
        Self::pack(
            head.n_in(),
            head.n_logits(),
            |row, j| head.weights().get(row * stride + j).map_or(0, |&w| w as i8),
            |row| match head.channel(row) {
                Some(ch) => (ch.bias, ch.requant, ch.requant),
                None => (0, Requant::default(), Requant::default()),
            },
            convert,
            Output::Logits,
        )
    }
}

/// Finishes `L` accumulators (bias not yet added) of one sample (int8 values or int32
/// logits, as `output` says), exactly as `dense_output` and the head do one at a time:
/// `(acc * m + 2^(t-1)) >> t` in 64 bits, saturated to i32, then the zero point and int8
/// saturation. The reference the kernels' vector versions are tested against.
#[cfg(test)]
pub fn finish<const L: usize>(acc: &[i32; L], p: &BlockParams<L>, output: Output) -> [i32; L] {
    let mut v = [0i32; L];
    let lanes = v
        .iter_mut()
        .zip(acc.iter().zip(&p.bias))
        .zip(p.m_pos.iter().zip(&p.t_pos))
        .zip(p.m_neg.iter().zip(&p.t_neg));
    for (((o, (&acc, &bias)), (&m_pos, &t_pos)), (&m_neg, &t_neg)) in lanes {
        let a = acc.wrapping_add(bias);
        let (m, t) = if a < 0 {
            (m_neg, t_neg)
        } else {
            (m_pos, t_pos)
        };
        let scaled = (i64::from(a) * i64::from(m) + (1i64 << (t - 1))) >> t;
        let s = scaled.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        *o = match output {
            Output::Int8 { zero_point } => s.saturating_add(zero_point).clamp(-128, 127),
            Output::Logits => s,
        };
    }
    v
}

/// Blocks of parameters and accumulators that meet every requantization case: ties (a
/// product exactly half-way, which a power-of-two multiplier makes common), both signs,
/// every total shift, saturation beyond i32 and int8; for the kernels' tests.
#[cfg(test)]
#[allow(clippy::indexing_slicing)]
pub fn test_blocks<const L: usize>() -> Vec<(BlockParams<L>, [i32; L])> {
    let accs = [
        0,
        1,
        2,
        3,
        6,
        -1,
        -2,
        -3,
        -6,
        1 << 20,
        -(1 << 20),
        i32::MAX / 2,
        i32::MIN / 2,
        123_456,
        -654_321,
        7,
    ];
    let multipliers = [0, 1, 1 << 29, 1 << 30, 1_288_490_189, i32::MAX];
    let mut out = Vec::new();
    for shift in -30i8..=31 {
        for (k, &m) in multipliers.iter().enumerate() {
            let r = Requant {
                multiplier: m,
                shift,
            };
            // The negative side differs: another multiplier and shift.
            let other = Requant {
                multiplier: multipliers[(k + 2) % multipliers.len()],
                shift: (shift + 3).min(31),
            };
            let mut p = BlockParams::<L> {
                bias: [0; L],
                m_pos: [m; L],
                t_pos: [total_shift(r); L],
                m_neg: [other.multiplier; L],
                t_neg: [total_shift(other); L],
                row_sum: [0; L],
            };
            if let Some(b) = p.bias.get_mut(1) {
                *b = 5;
            }
            for chunk in accs.chunks(L) {
                let mut acc = [0i32; L];
                acc.iter_mut().zip(chunk).for_each(|(a, &c)| *a = c);
                out.push((p.clone(), acc));
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::kernels::scale;

    /// [`finish`] is the one-sample requantization, lane by lane: ties (a product exactly
    /// half-way, which a power-of-two multiplier makes common), both signs, every total
    /// shift, saturation beyond i32 and int8.
    #[test]
    fn finish_matches_the_one_sample_requantization() {
        let accs = [
            0,
            1,
            2,
            3,
            6,
            -1,
            -2,
            -3,
            -6,
            1 << 20,
            -(1 << 20),
            i32::MAX / 2,
            i32::MIN / 2,
        ];
        let multipliers = [0, 1, 1 << 29, 1 << 30, 1_288_490_189, i32::MAX];
        for shift in -30i8..=31 {
            for &m in &multipliers {
                let r = Requant {
                    multiplier: m,
                    shift,
                };
                let mut p = BlockParams::<16> {
                    bias: [0; 16],
                    m_pos: [m; 16],
                    t_pos: [total_shift(r); 16],
                    m_neg: [m; 16],
                    t_neg: [total_shift(r); 16],
                    row_sum: [0; 16],
                };
                p.bias[1] = 5;
                let mut acc = [0i32; 16];
                for chunk in accs.chunks(16) {
                    acc[..chunk.len()].copy_from_slice(chunk);
                    let logits = finish(&acc, &p, Output::Logits);
                    let bytes = finish(&acc, &p, Output::Int8 { zero_point: -7 });
                    for lane in 0..chunk.len() {
                        let a = acc[lane] + p.bias[lane];
                        let want = scale(a, m, shift)
                            .clamp(i64::from(i32::MIN), i64::from(i32::MAX))
                            as i32;
                        assert_eq!(logits[lane], want, "acc {a} m {m} shift {shift}");
                        assert_eq!(bytes[lane], want.saturating_add(-7).clamp(-128, 127));
                    }
                }
            }
        }
    }
}
