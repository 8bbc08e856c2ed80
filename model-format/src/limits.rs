//! Compile-time capacities shared by the loader and the runtime.
//!
//! The loader rejects any file that exceeds them, so the runtime can size every buffer
//! statically. Raising one costs RAM on the device only through [`MAX_WIDTH`] (activation
//! buffers): a parsed model holds no table sized by them.

/// Widest layer (and most input features) a model may have: MLPerf Tiny's anomaly
/// detection model takes 640 inputs.
pub const MAX_WIDTH: usize = 1024;
/// Most dense layers a model may have (encoder and decoder together, version 3).
pub const MAX_LAYERS: usize = 16;
/// Most dense layers a version 1 or 2 file may have (encoder only).
pub const MAX_LAYERS_V2: usize = 8;
/// Longest feature name (version 3), in bytes of UTF-8.
pub const MAX_NAME_LEN: usize = 64;
/// Most classes the head may distinguish.
pub const MAX_CLASSES: usize = 16;
/// Most golden self-test vectors a file may carry.
pub const MAX_GOLDEN: usize = 16;
/// Longest class label, in bytes of UTF-8.
pub const MAX_LABEL_LEN: usize = 64;
/// Shortest frame of a signal front end, in samples per channel (version 4).
pub const MIN_FRAME_LEN: usize = 64;
/// Longest frame of a signal front end, in samples per channel (version 4).
pub const MAX_FRAME_LEN: usize = 2048;
/// Most channels a signal front end reads (version 4).
pub const MAX_CHANNELS: usize = 8;
/// Most bands per channel of a signal front end (version 4).
pub const MAX_BANDS: usize = 256;
/// Most frames stacked into one model input (version 4).
pub const MAX_STACK: usize = 32;
/// Most scores a stream averages, and the longest alarm window (version 4).
pub const MAX_HISTORY: usize = 32;
