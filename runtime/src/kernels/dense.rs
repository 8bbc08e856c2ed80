//! Fully connected layers (SPEC.md §4.3): dot products from the build's backend, then
//! per-channel requantization through the layer's activation.

use bottleneck_format::DenseLayer;

#[cfg(dsp)]
use super::arm_dsp;
#[cfg(mve)]
use super::arm_mve;
#[cfg(all(target_arch = "arm", not(dsp), not(mve)))]
use super::arm_thumb;
use super::backend::{BLOCK, Backend};
use super::requantize::dense_output;
#[cfg(all(target_arch = "riscv32", target_feature = "m"))]
use super::riscv32;
#[cfg(all(target_arch = "x86_64", feature = "std"))]
use super::x86_avx2;

/// Runs `per_row(dot product)` for every output row, in order, of a weight matrix
/// (`n_out` rows of `n_in` int8 weights, one every `stride` bytes), `BLOCK` rows at a
/// time through the fastest backend this build has. `src` is the int8 input; `wide` is
/// working space of at least `src.len()` halfwords.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn for_each_dot(
    backend: Backend,
    weights: &[u8],
    n_in: usize,
    stride: usize,
    src: &[i8],
    wide: &mut [i16],
    mut per_row: impl FnMut(i32),
) {
    let stride = stride.max(1);
    backend.prepare(src, wide);
    let mut acc = [0i32; BLOCK];
    // Rows left, counted down: no division per block.
    let mut left = weights.len() / stride;
    for block in weights.chunks(BLOCK * stride) {
        let rows = left.min(BLOCK);
        left -= rows;
        let Some(acc) = acc.get_mut(..rows) else {
            return;
        };
        backend.dots(block, n_in, stride, src, wide, acc);
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
    #[cfg(dsp)]
    if arm_dsp::dense(layer, src, wide, dst) {
        return;
    }
    #[cfg(mve)]
    if arm_mve::dense(layer, src, dst) {
        return;
    }
    #[cfg(all(target_arch = "arm", not(dsp), not(mve)))]
    if arm_thumb::dense(layer, src, dst) {
        return;
    }
    #[cfg(all(target_arch = "riscv32", target_feature = "m"))]
    if riscv32::dense(layer, src, dst) {
        return;
    }
    dense_with(Backend::select(), layer, src, wide, dst);
}

/// One dense layer whose input is the first `n_in` values of `act` and whose output
/// replaces them (`n_out` values): the input is widened into `wide` first, and the
/// kernels read only that. False (nothing done) if the buffers are too small.
#[cfg(dsp)]
pub fn dense_in_place(layer: &DenseLayer<'_>, act: &mut [i8], wide: &mut [i16]) -> bool {
    let Some(src) = act.get(..layer.n_in()) else {
        return false;
    };
    arm_dsp::prepare(src, wide);
    let Some(dst) = act.get_mut(..layer.n_out()) else {
        return false;
    };
    arm_dsp::dense_prepared(layer, wide, dst)
}

/// A dense layer walked two rows at a time straight from the weights and channel records
/// to the outputs, `two` and `one` giving the dot products of a pair of rows and of an odd
/// last row. The Cortex-M backends use it: on cores this small, the generic block loop's
/// bookkeeping costs a third as much as the multiply-accumulates.
#[cfg(dsp)]
#[inline(always)]
pub(super) fn dense_by_pairs(
    layer: &DenseLayer<'_>,
    dst: &mut [i8],
    two: impl FnMut(&[u8], &[u8]) -> (i32, i32),
    one: impl FnMut(&[u8]) -> i32,
) {
    let zero_point = i32::from(layer.output_zero_point());
    let output = |acc: i32, record: &[u8]| match layer.decode_channel(record) {
        Some(ch) => dense_output(acc, &ch, zero_point),
        None => 0,
    };
    rows_by_pairs(LayerRows::of(layer), dst, 0, two, one, output);
}

/// A dense layer's weight rows and channel records, as the row walks below read them.
#[cfg(any(
    target_arch = "arm",
    all(target_arch = "riscv32", target_feature = "m")
))]
#[derive(Debug, Clone, Copy)]
pub(super) struct LayerRows<'a> {
    /// The weight rows, one every `stride` bytes.
    pub weights: &'a [u8],
    /// The channel records, one every `len` bytes.
    pub records: &'a [u8],
    /// Bytes per weight row, at least 1.
    pub stride: usize,
    /// Bytes per channel record, at least 1.
    pub len: usize,
}

#[cfg(any(
    target_arch = "arm",
    all(target_arch = "riscv32", target_feature = "m")
))]
impl<'a> LayerRows<'a> {
    /// The rows and records of `layer`.
    #[inline(always)]
    pub fn of(layer: &DenseLayer<'a>) -> Self {
        LayerRows {
            weights: layer.weights(),
            records: layer.channel_records(),
            stride: layer.row_stride().max(1),
            len: layer.record_len().max(1),
        }
    }

    /// The rows from row `first` on, and the outputs of `dst` that go with them.
    #[inline(always)]
    fn starting_at(self, first: usize, dst: &mut [i8]) -> (Self, &mut [i8]) {
        let rows = LayerRows {
            weights: self.weights.get(first * self.stride..).unwrap_or(&[]),
            records: self.records.get(first * self.len..).unwrap_or(&[]),
            ..self
        };
        (rows, dst.get_mut(first..).unwrap_or(&mut []))
    }
}

/// The rows of `rows` from row `first` on, `N` at a time into `dst`, `block` giving the
/// dot products of each group of `N` rows (`N * stride` bytes); returns the row it
/// stopped at (`first` plus a multiple of `N`). The rows left over go to a narrower block
/// or [`rows_by_pairs`].
#[cfg(any(
    all(target_arch = "arm", not(dsp)),
    all(target_arch = "riscv32", target_feature = "m")
))]
#[inline(always)]
pub(super) fn rows_in_blocks<const N: usize>(
    rows: LayerRows<'_>,
    dst: &mut [i8],
    first: usize,
    mut block: impl FnMut(&[u8]) -> [i32; N],
    output: impl Fn(i32, &[u8]) -> i8,
) -> usize {
    let (rows, dst) = rows.starting_at(first, dst);
    let blocks = rows
        .weights
        .chunks_exact(N * rows.stride)
        .zip(rows.records.chunks_exact(N * rows.len))
        .zip(dst.chunks_exact_mut(N));
    let mut done = first;
    for ((weights, channels), out) in blocks {
        let acc = block(weights);
        for ((o, a), record) in out.iter_mut().zip(acc).zip(channels.chunks_exact(rows.len)) {
            *o = output(a, record);
        }
        done += N;
    }
    done
}

/// The rows of `rows` from row `first` on, two at a time, then an odd last one, into
/// `dst`.
#[cfg(any(
    target_arch = "arm",
    all(target_arch = "riscv32", target_feature = "m")
))]
#[inline(always)]
pub(super) fn rows_by_pairs(
    rows: LayerRows<'_>,
    dst: &mut [i8],
    first: usize,
    mut two: impl FnMut(&[u8], &[u8]) -> (i32, i32),
    mut one: impl FnMut(&[u8]) -> i32,
    output: impl Fn(i32, &[u8]) -> i8,
) {
    let (
        LayerRows {
            weights,
            records,
            stride,
            len,
        },
        dst,
    ) = rows.starting_at(first, dst);
    // Records walked in pairs beside the weight rows: one bounds check per pair.
    let pairs = weights
        .chunks_exact(2 * stride)
        .zip(records.chunks_exact(2 * len))
        .zip(dst.chunks_exact_mut(2));
    let mut done = 0;
    for ((rows, pair), out) in pairs {
        let (r0, r1) = rows.split_at(stride);
        let (c0, c1) = pair.split_at(len);
        let (a0, a1) = two(r0, r1);
        if let [o0, o1] = out {
            *o0 = output(a0, c0);
            *o1 = output(a1, c1);
        }
        done += 2;
    }
    if let (Some(row), Some(record), Some(o)) = (
        weights.get(done * stride..(done + 1) * stride),
        records.get(done * len..(done + 1) * len),
        dst.get_mut(done),
    ) {
        *o = output(one(row), record);
    }
}

/// Dot products of the rows of `block` (one every `stride` bytes) into `acc`, two rows
/// at a time through `two`, an odd last row through `one` (the Cortex-M backends'
/// `dots`). The last row may end after its weights, without its padding.
#[cfg(all(target_arch = "arm", not(mve)))]
#[inline(always)]
pub(super) fn dots_by_pairs(
    block: &[u8],
    stride: usize,
    acc: &mut [i32],
    mut two: impl FnMut(&[u8], &[u8]) -> (i32, i32),
    mut one: impl FnMut(&[u8]) -> i32,
) {
    let mut rows = block.chunks(stride.max(1));
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
pub(super) fn dense_with(
    backend: Backend,
    layer: &DenseLayer<'_>,
    src: &[i8],
    wide: &mut [i16],
    dst: &mut [i8],
) {
    let zero_point = i32::from(layer.output_zero_point());
    let mut channels = layer.channels();
    let mut outputs = dst.iter_mut();
    let (n_in, stride) = (layer.n_in(), layer.row_stride());
    for_each_dot(backend, layer.weights(), n_in, stride, src, wide, |acc| {
        if let (Some(ch), Some(out)) = (channels.next(), outputs.next()) {
            *out = dense_output(acc, &ch, zero_point);
        }
    });
}
