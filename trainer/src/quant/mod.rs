//! From the float pipeline to an int8 model file: BatchNorm folding, calibration,
//! quantization, the trainer's reference integer inference, and export.
//!
//! The formulas are those of `model-format/SPEC.md` §4; the reference inference in
//! [`mod@reference`] is written independently of the runtime's kernels (matrix form, i128
//! rounding by Euclidean division) so that parity between the two means something.

pub mod anomaly;
pub mod export;
pub mod fold;
mod int8_pass;
mod measure;
pub mod normalize;
pub mod params;
pub mod reference;
pub mod rounding;
pub mod stack;

pub use export::{Detector, ExportInputs, ExportedModel, Threshold, export_model};
pub use fold::{FloatDense, fold_decoder, fold_encoder};
pub use reference::{ReferenceModel, ReferenceOutput};
