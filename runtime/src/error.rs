//! The one error type of the runtime.

use core::fmt;

/// Why the runtime could not load a model or run an inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// The model file failed a check of the loader (see [`bottleneck_format::Error`]).
    Format(bottleneck_format::Error),
    /// The sample does not have one value per model input.
    SampleLength {
        /// Inputs the model expects.
        expected: usize,
        /// Values in the sample.
        found: usize,
    },
    /// A sample value is NaN or infinite; such a value has no defined quantization.
    NonFiniteInput {
        /// Index of the first offending feature.
        index: usize,
    },
    /// The caller's scratch buffers are narrower than the model's widest layer.
    ScratchTooSmall {
        /// Width the model needs.
        needed: usize,
        /// Width of the scratch buffers.
        capacity: usize,
    },
    /// A stream's buffers are smaller than the model's front end needs.
    CapacityTooSmall {
        /// Which buffer: `"samples"` (`channels × frame_len`) or `"inputs"`.
        what: &'static str,
        /// Capacity the model needs.
        needed: usize,
        /// Capacity of the buffer.
        capacity: usize,
    },
    /// The model holds a layer kind this runtime has no kernel for.
    UnsupportedLayer {
        /// Index of the layer in the stack.
        index: usize,
    },
    /// The call needs a part the model does not have (a classifier head for `infer`, a
    /// decoder for `reconstruct`, an anomaly section for `detect`).
    MissingPart {
        /// The missing part.
        part: &'static str,
    },
    /// A golden vector stored in the file did not reproduce on this device.
    SelfTestFailed {
        /// Index of the golden vector.
        vector: usize,
        /// Which output differed: `"features"`, `"logits"`, `"class"`,
        /// `"reconstruction"` or `"score"`.
        part: &'static str,
    },
}

impl From<bottleneck_format::Error> for Error {
    fn from(e: bottleneck_format::Error) -> Self {
        Error::Format(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The loader's reason is the source, not repeated here.
            Error::Format(_) => f.write_str("invalid model file"),
            Error::SampleLength { expected, found } => {
                write!(f, "sample has {found} values, the model expects {expected}")
            }
            Error::NonFiniteInput { index } => {
                write!(f, "sample value {index} is NaN or infinite")
            }
            Error::ScratchTooSmall { needed, capacity } => write!(
                f,
                "scratch buffers hold {capacity} activations, the model needs {needed}"
            ),
            Error::CapacityTooSmall {
                what,
                needed,
                capacity,
            } => write!(
                f,
                "the stream holds {capacity} {what}, the model's front end needs {needed}"
            ),
            Error::UnsupportedLayer { index } => {
                write!(f, "layer {index} has a kind this runtime cannot run")
            }
            Error::MissingPart { part } => write!(f, "the model has no {part}"),
            Error::SelfTestFailed { vector, part } => {
                write!(
                    f,
                    "self-test vector {vector}: {part} differ from the stored ones"
                )
            }
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Format(e) => Some(e),
            _ => None,
        }
    }
}
