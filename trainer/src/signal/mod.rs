//! Raw signals: the trainer's side of a model's front end (SPEC.md §8).
//!
//! [`IntegerFrontEnd`] is the reference of the device's integer arithmetic, written from
//! SPEC.md independently of the `bottleneck-signal` kernels (whole frames, a recursive
//! FFT on wide integers, tables computed here): the parity tests hold the runtime's
//! `Stream` to it bit for bit.

mod integer;

pub use integer::IntegerFrontEnd;
