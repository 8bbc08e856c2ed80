//! Streaming from C: raw int16 samples through a model's front end (SPEC.md §8), the
//! calls of the runtime's `Stream`. A `bn_stream` is caller-owned like `bn_model`; its
//! capacity is fixed by the header (`BN_STREAM_FRAME` samples per frame, all channels,
//! and `BN_MAX_WIDTH` inputs), and `bn_stream_init` refuses a front end beyond it.

use core::mem::{align_of, size_of};

use bottleneck_runtime::Stream;

use super::{
    BN_MAX_WIDTH, bn_model, bn_scratch, bn_status, loaded, run, scratch_of, slice, status,
};

/// Samples of one frame (`channels × frame_len`) a `bn_stream` holds: one channel of
/// 2048, two of 1024, ... eight of 256.
pub const BN_STREAM_FRAME: usize = 2048;
/// Size of `bn_stream` in 8-byte words: enough on every target (`bn_stream_bytes()`
/// gives this build's exact figure).
pub const BN_STREAM_WORDS: usize = 2272;

type CStream = Stream<'static, BN_STREAM_FRAME, BN_MAX_WIDTH>;

/// What `bn_stream` holds: a marker that it was initialised, then the stream.
struct StreamSlot {
    ready: u64,
    stream: CStream,
}

const _: () = assert!(size_of::<StreamSlot>() <= size_of::<bn_stream>());
const _: () = assert!(align_of::<StreamSlot>() <= align_of::<bn_stream>());

/// The marker ("BNSTREAM").
const READY: u64 = u64::from_le_bytes(*b"BNSTREAM");

/// A stream over a model's front end: opaque, filled by `bn_stream_init`. It borrows the
/// model file's bytes (as `bn_model` does), not the `bn_model` itself.
#[repr(C)]
pub struct bn_stream {
    _opaque: [u64; BN_STREAM_WORDS],
}

/// What one `bn_stream_feed` call found: a frame, and the window it completed.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct bn_frame {
    /// Whether the samples used completed a frame (the other fields are set only then).
    pub has_frame: bool,
    /// Frames before this one since `bn_stream_init` or `bn_stream_reset`.
    pub frame_index: u32,
    /// Whether the frame completed a window (once `frames` frames are stacked).
    pub has_window: bool,
    /// Windows before this one.
    pub window_index: u32,
    /// Whether the model has a decoder: `score`, `smoothed`, `is_anomaly` and `alarm`
    /// mean something.
    pub has_score: bool,
    /// The window's integer anomaly score.
    pub score: u32,
    /// The mean of the last `smoothing` scores, rounded down.
    pub smoothed: u32,
    /// Whether the smoothed score is above the threshold.
    pub is_anomaly: bool,
    /// Whether the alarm rule (K anomalous windows of the last N) fired.
    pub alarm: bool,
    /// The window's class; -1 without a classifier head.
    pub class_index: i32,
}

/// The stream behind `stream`, if `bn_stream_init` filled it.
///
/// # Safety
/// `stream` is NULL or points to a `bn_stream` no other call uses at the same time.
unsafe fn ready<'s>(stream: *mut bn_stream) -> Result<&'s mut CStream, bn_status> {
    // SAFETY: the caller passes NULL or a valid bn_stream; StreamSlot fits it.
    let slot =
        unsafe { (stream as *mut StreamSlot).as_mut() }.ok_or(bn_status::BN_ERROR_NULL_POINTER)?;
    if slot.ready != READY {
        return Err(bn_status::BN_ERROR_NOT_LOADED);
    }
    Ok(&mut slot.stream)
}

/// Bytes of this build's stream (at most `sizeof(bn_stream)`).
#[unsafe(no_mangle)]
pub extern "C" fn bn_stream_bytes() -> usize {
    size_of::<StreamSlot>()
}

/// Starts a stream over `model`'s front end: `BN_ERROR_MISSING_PART` if the model has
/// none, `BN_ERROR_CAPACITY` if its frame or inputs exceed the stream's capacity.
///
/// # Safety
/// `stream` is NULL or points to a `bn_stream`; `model` is NULL or points to a
/// `bn_model`, whose file bytes stay in place while the stream is used.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_stream_init(
    stream: *mut bn_stream,
    model: *const bn_model,
) -> bn_status {
    if stream.is_null() {
        return bn_status::BN_ERROR_NULL_POINTER;
    }
    let slot = stream as *mut StreamSlot;
    // SAFETY: non-null and a bn_stream, which StreamSlot fits: mark it not ready first.
    unsafe { core::ptr::addr_of_mut!((*slot).ready).write(0) };
    run(|| {
        // SAFETY: per the caller's contract.
        let model = unsafe { loaded(model) }?;
        let stream = CStream::new(model).map_err(status)?;
        // SAFETY: as above.
        unsafe {
            slot.write(StreamSlot {
                ready: READY,
                stream,
            })
        };
        Ok(())
    })
}

/// Back to the start of a signal: no samples, frames or scores kept.
///
/// # Safety
/// `stream` is NULL or points to a `bn_stream`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_stream_reset(stream: *mut bn_stream) -> bn_status {
    run(|| {
        // SAFETY: per the caller's contract.
        unsafe { ready(stream) }?.reset();
        Ok(())
    })
}

/// Takes interleaved samples until a frame is complete or they run out; `*consumed` says
/// how many it used and `*frame` what it found. Call again with the rest: no sample is
/// dropped, and an instant may be split across calls.
///
/// # Safety
/// `stream` and `scratch` are NULL or point to their structs (used by no other call at
/// the same time); `samples` is NULL with `n` 0, or points to `n` values; `consumed`
/// and `frame` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_stream_feed(
    stream: *mut bn_stream,
    samples: *const i16,
    n: usize,
    scratch: *mut bn_scratch,
    consumed: *mut usize,
    frame: *mut bn_frame,
) -> bn_status {
    run(|| {
        if consumed.is_null() || frame.is_null() {
            return Err(bn_status::BN_ERROR_NULL_POINTER);
        }
        // SAFETY: per the caller's contract.
        let (stream, samples, scratch) =
            unsafe { (ready(stream)?, slice(samples, n)?, scratch_of(scratch)?) };
        let feed = stream.feed(samples, scratch).map_err(status)?;
        let mut out = bn_frame {
            class_index: -1,
            ..bn_frame::default()
        };
        if let Some(f) = feed.frame {
            out.has_frame = true;
            out.frame_index = f.index;
            if let Some(w) = f.window {
                out.has_window = true;
                out.window_index = w.index;
                out.has_score = w.score.is_some();
                out.score = w.score.unwrap_or(0);
                out.smoothed = w.smoothed.unwrap_or(0);
                out.is_anomaly = w.anomaly;
                out.alarm = w.alarm;
                out.class_index = w.class.map_or(-1, |c| c as i32);
            }
        }
        // SAFETY: non-null and writable, per the caller's contract.
        unsafe {
            consumed.write(feed.consumed);
            frame.write(out);
        }
        Ok(())
    })
}

/// Copies the last window's int8 model input (oldest frame first) into `out`:
/// `BN_ERROR_OUTPUT_TOO_SHORT` if `out_len` is below the model's inputs.
///
/// # Safety
/// `stream` is NULL or points to a `bn_stream`; `out` is NULL or points to `out_len`
/// writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_stream_last_input(
    stream: *mut bn_stream,
    out: *mut i8,
    out_len: usize,
) -> bn_status {
    run(|| {
        // SAFETY: per the caller's contract.
        let stream = unsafe { ready(stream) }?;
        let input = stream.last_input();
        if out.is_null() {
            return Err(bn_status::BN_ERROR_NULL_POINTER);
        }
        if out_len < input.len() {
            return Err(bn_status::BN_ERROR_OUTPUT_TOO_SHORT);
        }
        // SAFETY: `out` holds `out_len >= input.len()` writable bytes.
        unsafe { core::ptr::copy_nonoverlapping(input.as_ptr(), out, input.len()) };
        Ok(())
    })
}
