//! The caller-owned activation buffers and how the layers move through them.
//!
//! Two layouts, chosen by the target's kernels:
//!
//! - **In place** (Cortex-M4/M7/M33, `dsp`): one int8 activation buffer and the widened
//!   input. Each layer widens its input, then writes its output over it, since the
//!   kernels read only the widened copy. `3 * W` bytes (+ 8).
//! - **Ping-pong** (every other target, the Helium cores too: their kernels read the
//!   int8 input directly): the sample's own buffer, kept through the
//!   layers so the anomaly score needs no second quantization (costly in software floating
//!   point on the Cortex-M0), and two buffers the layers alternate between; x86-64 adds the
//!   widened input. `3 * W` bytes on Cortex-M0/M0+/M3/M23 and RISC-V, `5 * W` (+ 8) on
//!   x86-64 hosts.

use bottleneck_format::Layer;

use crate::Error;
use crate::kernels;

/// Caller-owned activation buffers for layers up to `W` wide.
///
/// RAM use does not depend on the number of layers ([`scratch_bytes`]): `3 * W` bytes on
/// Cortex-M and RISC-V cores (plus 8 on the Cortex-M4/M7), `5 * W + 8` on x86-64 hosts. On the
/// Cortex-M4/M7 each layer writes its output over its input (the kernels read a widened
/// halfword copy); elsewhere the layers alternate between two buffers and the sample
/// keeps a third. `W` must be at least the model's widest layer ([`crate::Model::max_width`]);
/// the default fits every model the loader accepts.
#[derive(Debug, Clone)]
#[repr(C)]
pub struct Scratch<const W: usize = { bottleneck_format::MAX_WIDTH }> {
    #[cfg(not(dsp))]
    input: [i8; W],
    #[cfg(not(dsp))]
    front: [i8; W],
    #[cfg(not(dsp))]
    back: [i8; W],
    #[cfg(dsp)]
    act: [i8; W],
    wide: WideOf<W>,
}

/// Bytes a [`Scratch`] for layers up to `width` wide occupies on this build's target
/// (`size_of::<Scratch<W>>()` for `W = width`).
pub const fn scratch_bytes(width: usize) -> usize {
    let int8 = if cfg!(dsp) { width } else { 3 * width };
    // `widens`: this build's kernels widen each layer's input into halfwords first.
    if cfg!(widens) {
        int8.next_multiple_of(4) + (2 * width + 2 * SPILL).next_multiple_of(4)
    } else {
        int8
    }
}

/// Halfwords past `W` in the widened buffer: room for the zero padding of a last group
/// of four when `W` is not a multiple of 4.
const SPILL: usize = 4;

/// The widened input, `N + SPILL` halfwords; word-aligned because the Cortex-M4 kernels
/// load it with `LDM`.
#[cfg(widens)]
#[derive(Debug, Clone)]
#[repr(C, align(4))]
struct Wide<const N: usize> {
    body: [i16; N],
    spill: [i16; SPILL],
}

#[cfg(widens)]
impl<const N: usize> Wide<N> {
    const ZERO: Self = Wide {
        body: [0; N],
        spill: [0; SPILL],
    };

    /// The whole buffer as one slice.
    #[allow(unsafe_code)]
    fn as_slice(&self) -> &[i16] {
        // SAFETY: as in `as_mut_slice`, borrowed shared.
        unsafe { core::slice::from_raw_parts(self.body.as_ptr(), N + SPILL) }
    }

    /// The whole buffer as one mutable slice.
    #[allow(unsafe_code)]
    fn as_mut_slice(&mut self) -> &mut [i16] {
        // SAFETY: `repr(C)` lays `body` and `spill` out back to back with no padding
        // (both are i16 arrays, `body` ends on an i16 boundary): `N + SPILL`
        // consecutive initialized i16 values, borrowed mutably for the returned lifetime.
        unsafe { core::slice::from_raw_parts_mut(self.body.as_mut_ptr(), N + SPILL) }
    }
}

/// No widened input: the Thumb-1, RISC-V and portable kernels read the int8 values
/// directly.
#[cfg(not(widens))]
#[derive(Debug, Clone)]
struct NoWide;

#[cfg(not(widens))]
impl NoWide {
    const ZERO: Self = NoWide;

    fn as_slice(&self) -> &[i16] {
        &[]
    }

    fn as_mut_slice(&mut self) -> &mut [i16] {
        &mut []
    }
}

#[cfg(widens)]
type WideOf<const W: usize> = Wide<W>;
#[cfg(not(widens))]
type WideOf<const W: usize> = NoWide;

/// Which buffer holds an activation (always the one buffer in the in-place layout).
#[cfg_attr(dsp, allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// The sample's buffer.
    Input,
    /// The first alternating buffer.
    Front,
    /// The second alternating buffer.
    Back,
}

/// Where an activation is and how wide it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At {
    place: Place,
    width: usize,
    /// In the in-place layout, the widened buffer still holds the sample's values from
    /// this index on: the first layer widened all of it, later layers widen over a
    /// prefix only. `None` until a layer has run (and always in the ping-pong layout).
    sample_from: Option<usize>,
}

impl<const W: usize> Scratch<W> {
    /// Zeroed buffers.
    pub const fn new() -> Self {
        Scratch {
            #[cfg(not(dsp))]
            input: [0; W],
            #[cfg(not(dsp))]
            front: [0; W],
            #[cfg(not(dsp))]
            back: [0; W],
            #[cfg(dsp)]
            act: [0; W],
            wide: <WideOf<W>>::ZERO,
        }
    }

    /// The buffer a sample is quantized or copied into, where every pass starts.
    pub(crate) fn input_mut(&mut self) -> &mut [i8] {
        #[cfg(dsp)]
        return &mut self.act;
        #[cfg(not(dsp))]
        &mut self.input
    }

    /// Copies an int8 sample into [`Scratch::input_mut`]: the sample's place.
    pub(crate) fn load(&mut self, input: impl Iterator<Item = i8>) -> At {
        let mut width = 0;
        for (d, s) in self.input_mut().iter_mut().zip(input) {
            *d = s;
            width += 1;
        }
        Self::loaded(width)
    }

    /// The place of a sample of `width` values already in [`Scratch::input_mut`].
    pub(crate) fn loaded(width: usize) -> At {
        At {
            place: Place::Input,
            width,
            sample_from: None,
        }
    }

    /// The anomaly score's sum over the sample's values from some index to `width`,
    /// against `reconstruction`, where the in-place layout still holds those values after
    /// the layers that led to `at`: that index and the partial sum. The first layer
    /// widened the whole sample (groups of four as `x0 x2 x1 x3`); the later, narrower
    /// layers widened over a prefix only.
    pub(crate) fn sample_tail_score(
        &self,
        at: At,
        width: usize,
        reconstruction: &[i8],
    ) -> Option<(usize, u32)> {
        let from = at.sample_from?.next_multiple_of(4).min(width);
        let wide = self.wide.as_slice().get(from..width.next_multiple_of(4))?;
        let tail = reconstruction.get(from..width)?;
        let sq = |x: i16, r: i8| {
            let d = (i32::from(x) - i32::from(r)).unsigned_abs();
            d * d
        };
        let (groups, rest) = tail.as_chunks::<4>();
        let mut sum = 0;
        for (r, x) in groups.iter().zip(wide.chunks_exact(4)) {
            if let ([r0, r1, r2, r3], [x0, x2, x1, x3]) = (*r, x) {
                sum += sq(*x0, r0) + sq(*x1, r1) + sq(*x2, r2) + sq(*x3, r3);
            }
        }
        if let Some(x) = wide.get(4 * groups.len()..) {
            let order = [0, 2, 1, 3];
            for (&r, k) in rest.iter().zip(order) {
                sum += sq(x.get(k).copied().unwrap_or(0), r);
            }
        }
        Some((from, sum))
    }

    /// The sample the pass started from, if this layout still holds it after the
    /// layers (the ping-pong layout does).
    pub(crate) fn kept_input(&self, width: usize) -> Option<&[i8]> {
        #[cfg(dsp)]
        {
            let _ = width;
            None
        }
        #[cfg(not(dsp))]
        self.input.get(..width)
    }

    /// The activation at `at`.
    pub(crate) fn get(&self, at: At) -> &[i8] {
        #[cfg(not(dsp))]
        let buffer = pick(&self.input, &self.front, &self.back, at.place);
        #[cfg(dsp)]
        let buffer = &self.act;
        buffer.get(..at.width).unwrap_or(&[])
    }

    /// The activation at `at` and the widened-input buffer, for the head.
    pub(crate) fn with_wide(&mut self, at: At) -> (&[i8], &mut [i16]) {
        #[cfg(not(dsp))]
        let Scratch {
            input,
            front,
            back,
            wide,
        } = self;
        #[cfg(not(dsp))]
        let buffer = pick(input, front, back, at.place);
        #[cfg(dsp)]
        let Scratch { act: buffer, wide } = self;
        (buffer.get(..at.width).unwrap_or(&[]), wide.as_mut_slice())
    }

    /// Runs `layers` on the activation at `at`; returns where the output is. Integer
    /// arithmetic only. `first_index` numbers the layers in errors.
    pub(crate) fn forward<'a>(
        &mut self,
        layers: impl Iterator<Item = Layer<'a>>,
        mut at: At,
        first_index: usize,
    ) -> Result<At, Error> {
        for (k, layer) in layers.enumerate() {
            let Layer::Dense(dense) = layer else {
                // A layer kind the format learned after this runtime was written.
                return Err(Error::UnsupportedLayer {
                    index: first_index + k,
                });
            };
            at = self.dense(&dense, at);
        }
        Ok(at)
    }

    #[cfg(dsp)]
    fn dense(&mut self, layer: &bottleneck_format::DenseLayer<'_>, at: At) -> At {
        // Cannot fail: `check_scratch` made `W` cover every layer.
        let _ = kernels::dense_in_place(layer, &mut self.act, self.wide.as_mut_slice());
        let widened = layer.n_in().next_multiple_of(4);
        At {
            place: at.place,
            width: layer.n_out(),
            sample_from: Some(at.sample_from.map_or(0, |from| from.max(widened))),
        }
    }

    #[cfg(not(dsp))]
    fn dense(&mut self, layer: &bottleneck_format::DenseLayer<'_>, at: At) -> At {
        let Scratch {
            input,
            front,
            back,
            wide,
        } = self;
        let (src, dst, place): (&[i8], &mut [i8], Place) = match at.place {
            Place::Input => (input, front, Place::Front),
            Place::Front => (front, back, Place::Back),
            Place::Back => (back, front, Place::Front),
        };
        let x = src.get(..at.width).unwrap_or(&[]);
        let y = dst.get_mut(..layer.n_out()).unwrap_or(&mut []);
        kernels::dense(layer, x, wide.as_mut_slice(), y);
        At {
            place,
            width: layer.n_out(),
            sample_from: None,
        }
    }
}

/// The ping-pong layout's buffer `place` names.
#[cfg(not(dsp))]
fn pick<'s>(input: &'s [i8], front: &'s [i8], back: &'s [i8], place: Place) -> &'s [i8] {
    match place {
        Place::Input => input,
        Place::Front => front,
        Place::Back => back,
    }
}

impl<const W: usize> Default for Scratch<W> {
    fn default() -> Self {
        Self::new()
    }
}
