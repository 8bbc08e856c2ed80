//! Many samples at once, for hosts (`std` feature): what `bottleneck eval` and `predict`
//! run on a whole CSV. The same integers as [`Model::infer`] and
//! [`Model::anomaly_score`] one sample at a time, faster: each weight row is loaded once
//! for several samples instead of once per sample.
//!
//! [`Batch::new`] repacks the model's weight matrices once (`pack.rs`) for the widest
//! kernel the CPU has, chosen at run time: AVX-512 VNNI (`vnni.rs`, `vpdpbusd`), AVX2
//! (`avx2.rs`, `vpmaddwd`), or, on other CPUs, the one-sample path in a loop. Every path
//! requantizes with the one-sample path's arithmetic, so all give the same integers
//! (`tests/batch.rs` checks them against [`Model`] on random models with every
//! requantization path).
//!
//! This module allocates (the packed weights, the batch's activations): it exists only
//! with `std`; the `no_std` runtime stays allocation-free.
#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
mod avx2;
mod pack;
#[cfg(target_arch = "x86_64")]
mod vnni;

use bottleneck_format::squared_error;
use std::vec;
use std::vec::Vec;

use crate::kernels;
use crate::{Error, Model, Scratch};
use pack::Packed;

/// Samples per pass through the layers: their activations (int8 values in i32 lanes)
/// stay in the core's caches, and the buffers stay small enough that the allocator
/// reuses them rather than mapping fresh pages on every call.
const CHUNK: usize = 32;

/// The kernels a [`Batch`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Isa {
    /// AVX-512 VNNI (`vpdpbusd`), 16 rows per instruction.
    Avx512Vnni,
    /// AVX2 (`vpmaddwd`), 8 rows per instruction.
    Avx2,
    /// The one-sample path, sample after sample.
    OneByOne,
}

impl Isa {
    /// The fastest this CPU has.
    pub fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if vnni::supported() {
                return Isa::Avx512Vnni;
            }
            if avx2::supported() {
                return Isa::Avx2;
            }
        }
        Isa::OneByOne
    }

    /// Its name, for reports.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512Vnni => "AVX-512 VNNI",
            Isa::Avx2 => "AVX2",
            Isa::OneByOne => "one sample at a time",
        }
    }

    /// Whether this CPU can run it.
    pub fn supported(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512Vnni => vnni::supported(),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => avx2::supported(),
            Isa::OneByOne => true,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }
}

/// What a batch gives, per sample in the samples' order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutput {
    /// The predicted class of each sample (models with a head; empty otherwise).
    pub classes: Vec<usize>,
    /// The int32 logits, `n_logits` per sample (models with a head).
    pub logits: Vec<i32>,
    /// Logits per sample.
    pub n_logits: usize,
    /// The integer anomaly score of each sample (models with a decoder; empty otherwise).
    pub scores: Vec<u32>,
}

/// A sample a batch could not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchError {
    /// Its row, from 0.
    pub row: usize,
    /// Why.
    pub error: Error,
}

impl core::fmt::Display for BatchError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "sample {}: {}", self.row + 1, self.error)
    }
}

impl std::error::Error for BatchError {}

/// An int8 activation as a kernel reads it.
trait Lane: Copy {
    /// `x` in the kernel's input type (also the padding past a sample's end, which meets
    /// zero weights).
    fn from_act(x: i8) -> Self;
}

/// AVX-512 VNNI's unsigned inputs: offset by 128.
impl Lane for u8 {
    #[inline(always)]
    fn from_act(x: i8) -> u8 {
        (x as u8) ^ 0x80
    }
}

/// AVX2's int16 inputs.
impl Lane for i16 {
    #[inline(always)]
    fn from_act(x: i8) -> i16 {
        i16::from(x)
    }
}

/// `rows` samples of `width` int8 values (in i32 lanes, as a layer finishes them) into
/// `x` as a kernel reads them: `stride` per sample, the padding past `width` the
/// kernel's zero, which meets zero weights.
fn fill_inputs<X: Lane>(acts: &[i32], width: usize, stride: usize, rows: usize, x: &mut Vec<X>) {
    x.clear();
    for sample in acts.chunks_exact(width.max(1)).take(rows) {
        // Finished dense outputs are saturated to int8 (`pack::finish`).
        x.extend(sample.iter().map(|&v| X::from_act(v as i8)));
        x.extend((width..stride).map(|_| X::from_act(0)));
    }
}

/// A model's matrices packed for one kernel, `L` rows by `K` inputs of type `X`.
struct Engine<W, X, const L: usize, const K: usize> {
    /// Encoder layers, then decoder layers.
    layers: Vec<Packed<W, L, K>>,
    encoder_len: usize,
    head: Option<Packed<W, L, K>>,
    /// One layer for a block of samples (see `vnni::layer`).
    kernel: unsafe fn(&Packed<W, L, K>, &[X], usize, &mut [i32]),
    /// A layer's inputs as the kernel reads them (see [`fill_inputs`]).
    fill: unsafe fn(&[i32], usize, usize, usize, &mut Vec<X>),
}

enum Engines {
    #[cfg(target_arch = "x86_64")]
    Vnni(Engine<i8, u8, { vnni::LANES }, { vnni::GROUP }>),
    #[cfg(target_arch = "x86_64")]
    Avx2(Engine<i16, i16, { avx2::LANES }, { avx2::GROUP }>),
    OneByOne,
}

/// A model ready to run many samples at once.
pub struct Batch<'a> {
    model: Model<'a>,
    engines: Engines,
    isa: Isa,
}

impl<'a> Batch<'a> {
    /// Packs `model` for the widest kernel this CPU has ([`Isa::detect`]).
    pub fn new(model: &Model<'a>) -> Batch<'a> {
        Self::with_isa(model, Isa::detect())
    }

    /// Packs `model` for `isa`; the one-sample path if this CPU cannot run it.
    pub fn with_isa(model: &Model<'a>, isa: Isa) -> Batch<'a> {
        let isa = if isa.supported() { isa } else { Isa::OneByOne };
        let view = model.view();
        let dense: Vec<_> = view
            .layers()
            .filter_map(|l| l.as_dense().copied())
            .collect();
        // A layer kind this module does not know: the one-sample path reports it.
        let isa = if dense.len() == view.layers().count() {
            isa
        } else {
            Isa::OneByOne
        };
        let encoder_len = view.encoder().count();
        let engines = match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512Vnni => Engines::Vnni(Engine {
                layers: dense.iter().map(|l| Packed::dense(l, |w| w)).collect(),
                encoder_len,
                head: view.head().map(|h| Packed::head(h, |w| w)),
                kernel: vnni::layer,
                fill: vnni::fill_inputs,
            }),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => Engines::Avx2(Engine {
                layers: dense
                    .iter()
                    .map(|l| Packed::dense(l, avx2::weight))
                    .collect(),
                encoder_len,
                head: view.head().map(|h| Packed::head(h, avx2::weight)),
                kernel: avx2::layer,
                fill: fill_inputs::<i16>,
            }),
            _ => Engines::OneByOne,
        };
        Batch {
            model: model.clone(),
            engines,
            isa,
        }
    }

    /// The kernels this batch runs.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Runs every sample of `samples` (`n_inputs` floats each, one after another): the
    /// class and logits where the model has a head, the anomaly score where it has a
    /// decoder. The first sample it cannot take stops it.
    pub fn run(&self, samples: &[f32]) -> Result<BatchOutput, BatchError> {
        let n = self.model.n_inputs().max(1);
        if !samples.len().is_multiple_of(n) {
            return Err(BatchError {
                row: samples.len() / n,
                error: Error::SampleLength {
                    expected: n,
                    found: samples.len() % n,
                },
            });
        }
        let view = self.model.view();
        let mut out = BatchOutput {
            n_logits: view.head().map_or(0, |h| h.n_logits()),
            ..BatchOutput::default()
        };
        // Room for every sample's results up front, rather than growing as they come.
        let rows = samples.len() / n;
        if view.head().is_some() {
            out.classes.reserve_exact(rows);
            out.logits.reserve_exact(rows.saturating_mul(out.n_logits));
        }
        if view.has_decoder() {
            out.scores.reserve_exact(rows);
        }
        match &self.engines {
            #[cfg(target_arch = "x86_64")]
            Engines::Vnni(e) => self.run_engine(e, samples, &mut out)?,
            #[cfg(target_arch = "x86_64")]
            Engines::Avx2(e) => self.run_engine(e, samples, &mut out)?,
            Engines::OneByOne => self.one_by_one(samples, &mut out)?,
        }
        Ok(out)
    }

    fn one_by_one(&self, samples: &[f32], out: &mut BatchOutput) -> Result<(), BatchError> {
        let model = &self.model;
        let mut scratch = Scratch::<{ bottleneck_format::MAX_WIDTH }>::new();
        for (row, sample) in samples.chunks_exact(model.n_inputs().max(1)).enumerate() {
            let fail = |error| BatchError { row, error };
            if model.view().head().is_some() {
                let inference = model.infer(sample, &mut scratch).map_err(fail)?;
                out.classes.push(inference.class);
                out.logits.extend_from_slice(&inference.logits);
            }
            if model.view().has_decoder() {
                let score = model.anomaly_score(sample, &mut scratch).map_err(fail)?;
                out.scores.push(score.score);
            }
        }
        Ok(())
    }

    fn run_engine<W, X: Lane, const L: usize, const K: usize>(
        &self,
        engine: &Engine<W, X, L, K>,
        samples: &[f32],
        out: &mut BatchOutput,
    ) -> Result<(), BatchError> {
        let model = &self.model;
        let n = model.n_inputs().max(1);
        let has_decoder = model.view().has_decoder();
        // No larger than the batch: a call with one sample zeroes one sample's room.
        let mut quantized = vec![0i8; CHUNK.min(samples.len() / n) * n];
        let mut x: Vec<X> = Vec::new();
        // A layer reads the previous one's finished outputs as they are (int8 values in
        // i32 lanes): `values` receives a layer's outputs and becomes the next one's
        // `inputs`. The head writes to `logits`, so the encoder's last outputs stay in
        // `inputs` for the decoder.
        let mut values: Vec<i32> = Vec::new();
        let mut inputs: Vec<i32> = Vec::new();
        let mut logits: Vec<i32> = Vec::new();
        for (c, chunk) in samples.chunks(CHUNK * n).enumerate() {
            let rows = chunk.len() / n;
            for (r, (sample, q)) in chunk
                .chunks_exact(n)
                .zip(quantized.chunks_exact_mut(n))
                .enumerate()
            {
                model.quantize(sample, q).map_err(|error| BatchError {
                    row: c * CHUNK + r,
                    error,
                })?;
            }
            let quantized = quantized.get(..rows * n).unwrap_or(&[]);
            let (encoder, decoder) = engine
                .layers
                .split_at(engine.encoder_len.min(engine.layers.len()));
            // The encoder: int8 activations (held in i32), `width` per sample.
            let mut width = n;
            inputs.clear();
            inputs.extend(quantized.iter().map(|&q| i32::from(q)));
            for layer in encoder {
                width = engine.step(layer, &inputs, width, rows, &mut x, &mut values);
                core::mem::swap(&mut inputs, &mut values);
            }
            if let Some(head) = &engine.head {
                let k = engine.step(head, &inputs, width, rows, &mut x, &mut logits);
                for logits in logits.chunks_exact(k.max(1)) {
                    out.classes.push(kernels::argmax(logits));
                    out.logits.extend_from_slice(logits);
                }
            }
            if has_decoder {
                for layer in decoder {
                    width = engine.step(layer, &inputs, width, rows, &mut x, &mut values);
                    core::mem::swap(&mut inputs, &mut values);
                }
                for (q, r) in quantized
                    .chunks_exact(n)
                    .zip(inputs.chunks_exact(width.max(1)))
                {
                    out.scores
                        .push(squared_error(q.iter().copied(), r.iter().map(|&v| v as i8)));
                }
            }
        }
        Ok(())
    }
}

impl<W, X: Lane, const L: usize, const K: usize> Engine<W, X, L, K> {
    /// One layer on `rows` samples of `width` int8 values (in i32 lanes) in `acts`: the
    /// finished outputs in `values` (`n_out` per sample); returns `n_out`.
    fn step(
        &self,
        layer: &Packed<W, L, K>,
        acts: &[i32],
        width: usize,
        rows: usize,
        x: &mut Vec<X>,
        values: &mut Vec<i32>,
    ) -> usize {
        let stride = K * layer.groups;
        values.clear();
        values.resize(rows * layer.n_out, 0);
        // The loader checks that layers chain; a mismatch here would be a bug, and
        // gives zeros rather than reading past a sample.
        if layer.n_in != width {
            return layer.n_out;
        }
        // SAFETY: the engine exists only for a CPU that has its kernels
        // (`Batch::with_isa`); the kernel checks the lengths itself.
        unsafe {
            (self.fill)(acts, width, stride, rows, x);
            (self.kernel)(layer, x, rows, values);
        }
        layer.n_out
    }
}
