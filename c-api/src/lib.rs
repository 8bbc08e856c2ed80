#![doc = include_str!("../README.md")]
//!
//! No allocation: the caller owns every byte. A loaded model (`bn_model`) and the
//! inference scratch (`bn_scratch`) are opaque structs whose sizes are constants of the
//! header, so firmware can place them in static memory. The model file's bytes are
//! borrowed, not copied: they must stay in place (in flash, typically) while the model is
//! used. Every function checks its pointers and lengths and returns a `bn_status`; none
//! panics on any input, and the library links no panic machinery beyond the handler
//! bare-metal Rust requires.
//!
//! The calls mirror the Rust API ([`bottleneck_runtime::Model`]): load, self-test,
//! quantize, classification from float or int8 samples (class, label, probability,
//! logits), the int8 bottleneck features, and the anomaly score and verdict; and for a
//! model with a signal front end, streaming raw int16 samples (`bn_stream_*`).
#![cfg_attr(target_os = "none", no_std)]
#![allow(non_camel_case_types)]

use core::ffi::c_char;
use core::mem::{align_of, size_of};

use bottleneck_runtime::{Error, Model, Scratch};

mod stream;
pub use stream::{
    BN_STREAM_FRAME, BN_STREAM_WORDS, bn_frame, bn_stream, bn_stream_bytes, bn_stream_feed,
    bn_stream_init, bn_stream_last_input, bn_stream_reset,
};

/// Most classes a model has: the length of `bn_classification.logits`.
pub const BN_MAX_CLASSES: usize = 16;
/// The widest layer a model may have.
pub const BN_MAX_WIDTH: usize = 1024;
/// Size of `bn_model` in 8-byte words.
pub const BN_MODEL_WORDS: usize = 32;
/// Size of `bn_scratch` in 4-byte words: enough for the widest model on every target
/// (5,128 bytes on x86-64 hosts, at most 3,080 on Cortex-M cores;
/// `bn_scratch_bytes()` gives this build's exact figure).
pub const BN_SCRATCH_WORDS: usize = 1282;

const _: () = assert!(BN_MAX_CLASSES == bottleneck_format::MAX_CLASSES);
const _: () = assert!(BN_MAX_WIDTH == bottleneck_format::MAX_WIDTH);
const _: () = assert!(size_of::<Slot>() <= size_of::<bn_model>());
const _: () = assert!(align_of::<Slot>() <= align_of::<bn_model>());
const _: () = assert!(size_of::<Scratch>() <= size_of::<bn_scratch>());
const _: () = assert!(align_of::<Scratch>() <= align_of::<bn_scratch>());

/// A loaded model: opaque, filled by `bn_model_load`.
#[repr(C)]
pub struct bn_model {
    _opaque: [u64; BN_MODEL_WORDS],
}

/// Buffers one inference works in: opaque, needs no initialisation, one per concurrent
/// caller.
#[repr(C)]
pub struct bn_scratch {
    _opaque: [u32; BN_SCRATCH_WORDS],
}

/// What a call returns: `BN_OK`, or why it failed (`bn_status_name` names it). An
/// `int32_t` in C (never a C enum, whose size the ABI leaves to the compiler).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum bn_status {
    /// Success.
    BN_OK = 0,
    /// A required pointer was NULL.
    BN_ERROR_NULL_POINTER = 1,
    /// The bytes are not a valid model file (or not on a 4-byte boundary).
    BN_ERROR_INVALID_MODEL = 2,
    /// The `bn_model` was not filled by a successful `bn_model_load` (or the `bn_stream`
    /// by a successful `bn_stream_init`).
    BN_ERROR_NOT_LOADED = 3,
    /// The sample does not have one value per model input.
    BN_ERROR_SAMPLE_LENGTH = 4,
    /// A sample value is NaN or infinite.
    BN_ERROR_NON_FINITE_INPUT = 5,
    /// An output buffer is too short.
    BN_ERROR_OUTPUT_TOO_SHORT = 6,
    /// The model needs a part it does not have (a head to classify, an anomaly section
    /// to detect).
    BN_ERROR_MISSING_PART = 7,
    /// A golden vector stored in the file did not reproduce on this device.
    BN_ERROR_SELF_TEST_FAILED = 8,
    /// The model holds a layer this runtime has no kernel for.
    BN_ERROR_UNSUPPORTED_LAYER = 9,
    /// Another runtime error.
    BN_ERROR_OTHER = 10,
    /// The model's front end needs more than a `bn_stream` holds (`BN_STREAM_FRAME`
    /// samples per frame, `BN_MAX_WIDTH` inputs).
    BN_ERROR_CAPACITY = 11,
}

/// The classification of one sample.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bn_classification {
    /// The class index.
    pub class_index: u32,
    /// Its probability (softmax, or the sigmoid for two classes).
    pub probability: f32,
    /// Its label, in the model file's bytes: UTF-8, not NUL-terminated.
    pub label: *const c_char,
    /// Bytes of `label`.
    pub label_len: usize,
    /// The int32 logits (one for two classes, else one per class).
    pub logits: [i32; BN_MAX_CLASSES],
    /// How many of `logits` are set.
    pub n_logits: usize,
}

/// The anomaly verdict on one sample.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bn_detection {
    /// The integer score, `Σ (q_i - r_i)²` over the int8 input and reconstruction.
    pub score: u32,
    /// The model's threshold on it.
    pub threshold: u32,
    /// Whether the score exceeds the threshold.
    pub is_anomaly: bool,
    /// The score as a mean squared error in the scaled input space.
    pub mean_squared_error: f32,
}

/// What `bn_model` holds: a marker that it was loaded, then the model.
struct Slot {
    loaded: u64,
    model: Model<'static>,
}

/// The marker ("BNLOADED").
const LOADED: u64 = u64::from_le_bytes(*b"BNLOADED");

fn status(e: Error) -> bn_status {
    match e {
        Error::Format(_) => bn_status::BN_ERROR_INVALID_MODEL,
        Error::SampleLength { .. } => bn_status::BN_ERROR_SAMPLE_LENGTH,
        Error::NonFiniteInput { .. } => bn_status::BN_ERROR_NON_FINITE_INPUT,
        Error::MissingPart { .. } => bn_status::BN_ERROR_MISSING_PART,
        Error::SelfTestFailed { .. } => bn_status::BN_ERROR_SELF_TEST_FAILED,
        Error::UnsupportedLayer { .. } => bn_status::BN_ERROR_UNSUPPORTED_LAYER,
        Error::CapacityTooSmall { .. } => bn_status::BN_ERROR_CAPACITY,
        _ => bn_status::BN_ERROR_OTHER,
    }
}

/// The loaded model behind `model`, if `bn_model_load` filled it.
///
/// # Safety
/// `model` is NULL or points to a `bn_model`.
unsafe fn loaded<'m>(model: *const bn_model) -> Result<&'m Model<'static>, bn_status> {
    // SAFETY: the caller passes NULL or a valid bn_model; Slot fits it (asserted above).
    let slot =
        unsafe { (model as *const Slot).as_ref() }.ok_or(bn_status::BN_ERROR_NULL_POINTER)?;
    if slot.loaded != LOADED {
        return Err(bn_status::BN_ERROR_NOT_LOADED);
    }
    Ok(&slot.model)
}

/// The scratch behind `scratch`. Its bytes need no initialisation: they are integer
/// buffers only, and every call writes before it reads.
///
/// # Safety
/// `scratch` is NULL or points to a `bn_scratch` no other call uses at the same time.
unsafe fn scratch_of<'s>(scratch: *mut bn_scratch) -> Result<&'s mut Scratch, bn_status> {
    // SAFETY: as documented; Scratch fits bn_scratch and any bit pattern is a valid one.
    unsafe { (scratch as *mut Scratch).as_mut() }.ok_or(bn_status::BN_ERROR_NULL_POINTER)
}

/// `len` values at `ptr` (NULL is an error unless `len` is 0).
///
/// # Safety
/// `ptr` is NULL or points to `len` readable values.
unsafe fn slice<'s, T>(ptr: *const T, len: usize) -> Result<&'s [T], bn_status> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(bn_status::BN_ERROR_NULL_POINTER);
    }
    // SAFETY: non-null and `len` readable values, per the caller's contract.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

fn run(f: impl FnOnce() -> Result<(), bn_status>) -> bn_status {
    match f() {
        Ok(()) => bn_status::BN_OK,
        Err(s) => s,
    }
}

/// The name of `status` as a NUL-terminated string ("BN_OK", "BN_ERROR_INVALID_MODEL",
/// ...); "BN_UNKNOWN_STATUS" for a value that is none.
#[unsafe(no_mangle)]
pub extern "C" fn bn_status_name(status: i32) -> *const c_char {
    let name: &'static core::ffi::CStr = match status {
        0 => c"BN_OK",
        1 => c"BN_ERROR_NULL_POINTER",
        2 => c"BN_ERROR_INVALID_MODEL",
        3 => c"BN_ERROR_NOT_LOADED",
        4 => c"BN_ERROR_SAMPLE_LENGTH",
        5 => c"BN_ERROR_NON_FINITE_INPUT",
        6 => c"BN_ERROR_OUTPUT_TOO_SHORT",
        7 => c"BN_ERROR_MISSING_PART",
        8 => c"BN_ERROR_SELF_TEST_FAILED",
        9 => c"BN_ERROR_UNSUPPORTED_LAYER",
        10 => c"BN_ERROR_OTHER",
        11 => c"BN_ERROR_CAPACITY",
        _ => c"BN_UNKNOWN_STATUS",
    };
    name.as_ptr()
}

/// Bytes of `bn_scratch` this build's kernels use (at most `sizeof(bn_scratch)`).
#[unsafe(no_mangle)]
pub extern "C" fn bn_scratch_bytes() -> usize {
    size_of::<Scratch>()
}

/// Loads the model file at `bytes` (`len` bytes, on a 4-byte boundary) into `model`:
/// checks its header, CRC and every record. The bytes are borrowed and must outlive
/// every use of `model`. On failure `model` is marked not loaded.
///
/// # Safety
/// `model` is NULL or points to a writable `bn_model`; `bytes` is NULL or points to `len`
/// readable bytes that stay unchanged while `model` is used.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_model_load(
    model: *mut bn_model,
    bytes: *const u8,
    len: usize,
) -> bn_status {
    if model.is_null() {
        return bn_status::BN_ERROR_NULL_POINTER;
    }
    let slot = model as *mut Slot;
    // SAFETY: non-null and a bn_model, which Slot fits: mark it not loaded first.
    unsafe { core::ptr::addr_of_mut!((*slot).loaded).write(0) };
    // SAFETY: per the caller's contract, the bytes live as long as the model is used.
    let bytes: &'static [u8] = match unsafe { slice(bytes, len) } {
        Ok(b) => b,
        Err(s) => return s,
    };
    match Model::from_bytes(bytes) {
        Ok(m) => {
            // SAFETY: as above.
            unsafe {
                slot.write(Slot {
                    loaded: LOADED,
                    model: m,
                })
            };
            bn_status::BN_OK
        }
        Err(e) => status(e),
    }
}

/// Inputs (features per sample) of a loaded model; 0 if `model` is not loaded.
///
/// # Safety
/// `model` is NULL or points to a `bn_model`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_model_inputs(model: *const bn_model) -> usize {
    // SAFETY: per the caller's contract.
    unsafe { loaded(model) }.map_or(0, |m| m.n_inputs())
}

/// Bottleneck features of a loaded model; 0 if `model` is not loaded.
///
/// # Safety
/// `model` is NULL or points to a `bn_model`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_model_features(model: *const bn_model) -> usize {
    // SAFETY: per the caller's contract.
    unsafe { loaded(model) }.map_or(0, |m| m.n_features())
}

/// Classes of a loaded model's head (0 without one, or if `model` is not loaded).
///
/// # Safety
/// `model` is NULL or points to a `bn_model`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_model_classes(model: *const bn_model) -> usize {
    // SAFETY: per the caller's contract.
    unsafe { loaded(model) }.map_or(0, |m| m.n_classes())
}

/// Runs the golden vectors stored in the file and checks every output bit for bit;
/// writes how many passed to `vectors` (if not NULL).
///
/// # Safety
/// Pointers are NULL or valid: `model` a `bn_model`, `scratch` a `bn_scratch` not in use
/// elsewhere, `vectors` a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_self_test(
    model: *const bn_model,
    scratch: *mut bn_scratch,
    vectors: *mut usize,
) -> bn_status {
    run(|| {
        // SAFETY: per the caller's contract.
        let (m, s) = unsafe { (loaded(model)?, scratch_of(scratch)?) };
        let passed = m.self_test(s).map_err(status)?;
        if !vectors.is_null() {
            // SAFETY: non-null and writable, per the caller's contract.
            unsafe { vectors.write(passed) };
        }
        Ok(())
    })
}

/// Quantizes the float sample (`len` values, one per input) into `out` (`out_len` int8
/// values, at least the inputs) as the device does.
///
/// # Safety
/// Pointers are NULL or valid for the given lengths; `model` points to a `bn_model`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_quantize(
    model: *const bn_model,
    sample: *const f32,
    len: usize,
    out: *mut i8,
    out_len: usize,
) -> bn_status {
    run(|| {
        // SAFETY: per the caller's contract.
        let (m, sample) = unsafe { (loaded(model)?, slice(sample, len)?) };
        if out_len < m.n_inputs() {
            return Err(bn_status::BN_ERROR_OUTPUT_TOO_SHORT);
        }
        if out.is_null() {
            return Err(bn_status::BN_ERROR_NULL_POINTER);
        }
        // SAFETY: non-null, `out_len` writable values.
        let out = unsafe { core::slice::from_raw_parts_mut(out, out_len) };
        m.quantize(sample, &mut out[..m.n_inputs()]).map_err(status)
    })
}

/// The body every sample-in, struct-out call shares: check the model, the sample and the
/// scratch, run `call`, and write its result through `out`.
///
/// # Safety
/// Pointers are NULL or valid: `model` a `bn_model`, `sample` `len` values, `scratch` a
/// `bn_scratch` not in use elsewhere, `out` writable.
unsafe fn sample_call<T, R>(
    model: *const bn_model,
    sample: *const T,
    len: usize,
    scratch: *mut bn_scratch,
    out: *mut R,
    call: impl FnOnce(&Model<'static>, &[T], &mut Scratch) -> Result<R, Error>,
) -> bn_status {
    run(|| {
        if out.is_null() {
            return Err(bn_status::BN_ERROR_NULL_POINTER);
        }
        // SAFETY: per the caller's contract.
        let (m, sample, s) = unsafe { (loaded(model)?, slice(sample, len)?, scratch_of(scratch)?) };
        let result = call(m, sample, s).map_err(status)?;
        // SAFETY: non-null, and writable per the caller's contract.
        unsafe { out.write(result) };
        Ok(())
    })
}

fn classification(c: bottleneck_runtime::Classification<'_>) -> bn_classification {
    let mut logits = [0; BN_MAX_CLASSES];
    logits[..c.logits.len()].copy_from_slice(&c.logits);
    bn_classification {
        class_index: c.class as u32,
        probability: c.probability,
        label: c.label.as_ptr() as *const c_char,
        label_len: c.label.len(),
        logits,
        n_logits: c.logits.len(),
    }
}

/// Classifies a float sample (`len` values, one per input): class, label, probability
/// and logits into `out`.
///
/// # Safety
/// Pointers are NULL or valid: `sample` for `len` floats, `model` a `bn_model`,
/// `scratch` a `bn_scratch` not in use elsewhere, `out` a writable `bn_classification`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_classify(
    model: *const bn_model,
    sample: *const f32,
    len: usize,
    scratch: *mut bn_scratch,
    out: *mut bn_classification,
) -> bn_status {
    // SAFETY: the caller's contract is `sample_call`'s.
    unsafe {
        sample_call(model, sample, len, scratch, out, |m, x, s| {
            m.classify(x, s).map(classification)
        })
    }
}

/// Classifies an int8 sample (`len` values, one per input) with no float arithmetic
/// before the probability: class, label, probability and logits into `out`.
///
/// # Safety
/// As for `bn_classify`, with `sample` pointing to `len` int8 values.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_classify_quantized(
    model: *const bn_model,
    sample: *const i8,
    len: usize,
    scratch: *mut bn_scratch,
    out: *mut bn_classification,
) -> bn_status {
    // SAFETY: the caller's contract is `sample_call`'s.
    unsafe {
        sample_call(model, sample, len, scratch, out, |m, x, s| {
            m.classify_quantized(x, s).map(classification)
        })
    }
}

/// The int8 bottleneck features of an int8 sample (`len` values, one per input), into
/// `features` (`features_len` values, at least `bn_model_features`).
///
/// # Safety
/// Pointers are NULL or valid for the given lengths; `model` points to a `bn_model`,
/// `scratch` to a `bn_scratch` not in use elsewhere.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_encode_quantized(
    model: *const bn_model,
    sample: *const i8,
    len: usize,
    scratch: *mut bn_scratch,
    features: *mut i8,
    features_len: usize,
) -> bn_status {
    run(|| {
        // SAFETY: per the caller's contract.
        let (m, sample, s) = unsafe { (loaded(model)?, slice(sample, len)?, scratch_of(scratch)?) };
        if features_len < m.n_features() {
            return Err(bn_status::BN_ERROR_OUTPUT_TOO_SHORT);
        }
        if features.is_null() {
            return Err(bn_status::BN_ERROR_NULL_POINTER);
        }
        let f = m.encode_quantized(sample, s).map_err(status)?;
        // SAFETY: non-null, `features_len` >= f.len() writable values.
        unsafe { core::ptr::copy_nonoverlapping(f.as_ptr(), features, f.len()) };
        Ok(())
    })
}

fn detection(m: &Model<'_>, d: bottleneck_runtime::Detection) -> bn_detection {
    bn_detection {
        score: d.score,
        threshold: d.threshold,
        is_anomaly: d.is_anomaly,
        mean_squared_error: m.score_value(d.score),
    }
}

/// Scores a float sample (`len` values, one per input) with the decoder and compares the
/// score with the model's threshold, into `out`.
///
/// # Safety
/// Pointers are NULL or valid: `sample` for `len` floats, `model` a `bn_model`,
/// `scratch` a `bn_scratch` not in use elsewhere, `out` a writable `bn_detection`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_detect(
    model: *const bn_model,
    sample: *const f32,
    len: usize,
    scratch: *mut bn_scratch,
    out: *mut bn_detection,
) -> bn_status {
    // SAFETY: the caller's contract is `sample_call`'s.
    unsafe {
        sample_call(model, sample, len, scratch, out, |m, x, s| {
            m.detect(x, s).map(|d| detection(m, d))
        })
    }
}

/// `bn_detect` on an int8 sample, with no float arithmetic before the mean squared error.
///
/// # Safety
/// As for `bn_detect`, with `sample` pointing to `len` int8 values.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_detect_quantized(
    model: *const bn_model,
    sample: *const i8,
    len: usize,
    scratch: *mut bn_scratch,
    out: *mut bn_detection,
) -> bn_status {
    // SAFETY: the caller's contract is `sample_call`'s.
    unsafe {
        sample_call(model, sample, len, scratch, out, |m, x, s| {
            m.detect_quantized(x, s).map(|d| detection(m, d))
        })
    }
}

/// Bare-metal Rust needs a panic handler; none of the calls above panics on any input,
/// so this only stops the core if one ever did.
#[cfg(all(target_os = "none", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
