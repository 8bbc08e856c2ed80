//! The signal front end of a version-4 file (SPEC.md §8): the checked view and the
//! loader's checks, in the order §7 lists them.

use core::slice::ChunksExact;

use crate::Error;
use crate::limits::{
    MAX_BANDS, MAX_CHANNELS, MAX_FRAME_LEN, MAX_HISTORY, MAX_STACK, MIN_FRAME_LEN,
};
use crate::model::{check_len, check_range};
use crate::records::{
    BANDS_LINEAR, BANDS_MEL, COMPRESSION_LOG2_Q16, FrontEndRecord, SAMPLE_FORMAT_I16, WINDOW_HANN,
    WINDOW_NONE,
};

/// The Q15 value of 1.0: the largest window value and band weight.
pub const Q15_ONE: u32 = 1 << 15;
/// Largest sample rate a front end may declare, in Hz.
pub const MAX_SAMPLE_RATE: u32 = 1_000_000;
/// Largest magnitude of a front-end affine offset (keeps `L·M + O` inside i64).
pub const MAX_AFFINE_OFFSET: i64 = 1 << 62;
/// Bytes per model input in the front end's affine table: multiplier i32, offset i64.
pub const AFFINE_RECORD_LEN: usize = 12;

/// The window a front end multiplies each frame by, as the file names it. The table of
/// Q15 values ([`FrontEnd::window`]) is what the arithmetic uses; the kind is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WindowKind {
    /// No window (every value 1.0, no table in the file).
    None,
    /// A periodic Hann window.
    Hann,
}

/// How a front end's bands were laid out, as the file names it. The band table is what
/// the arithmetic uses; the kind and frequencies are for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BandKind {
    /// Triangular filters spaced on the mel scale between `f_min` and `f_max`.
    Mel,
    /// Rectangular bands of equal width between `f_min` and `f_max`.
    Linear,
}

/// A checked signal front end (SPEC.md §8), borrowing its tables from the file.
///
/// Only the loader builds one, so the arithmetic of §8 cannot overflow on any samples
/// with the values it reports.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FrontEnd<'a> {
    channels: u8,
    sample_rate: u32,
    frame_len: u16,
    hop: u16,
    window_kind: WindowKind,
    window: &'a [u8],
    band_kind: BandKind,
    f_min: f32,
    f_max: f32,
    bands: &'a [u8],
    band_weights: &'a [u8],
    frames: u8,
    affine: &'a [u8],
    smoothing: u8,
    alarm_count: u8,
    alarm_window: u8,
}

/// One band of a front end: consecutive bins from `first_bin`, each with a Q15 weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Band<'a> {
    /// The first bin the band sums (0 is DC, `frame_len / 2` Nyquist).
    pub first_bin: usize,
    /// The weights as stored: `u16` LE, one per bin from `first_bin` on.
    pub weights: &'a [u8],
}

impl Band<'_> {
    /// Number of bins the band sums.
    pub fn len(&self) -> usize {
        self.weights.len() / 2
    }

    /// Whether the band sums no bins (never for a checked band).
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The Q15 weights in bin order.
    pub fn weights(&self) -> impl Iterator<Item = u32> + '_ {
        q15_values(self.weights)
    }
}

/// The bands of a checked front end, in band order.
#[derive(Debug, Clone)]
pub struct Bands<'a> {
    table: ChunksExact<'a, u8>,
    weights: &'a [u8],
}

impl<'a> Iterator for Bands<'a> {
    type Item = Band<'a>;

    fn next(&mut self) -> Option<Band<'a>> {
        let &[f0, f1, c0, c1] = self.table.next()? else {
            return None;
        };
        let count = usize::from(u16::from_le_bytes([c0, c1]));
        let (weights, rest) = self.weights.split_at_checked(2 * count)?;
        self.weights = rest;
        Some(Band {
            first_bin: usize::from(u16::from_le_bytes([f0, f1])),
            weights,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.table.size_hint()
    }
}

impl ExactSizeIterator for Bands<'_> {}

impl<'a> FrontEnd<'a> {
    /// Interleaved channels per sample instant (1 to 8).
    pub fn channels(&self) -> usize {
        usize::from(self.channels)
    }

    /// Samples per second per channel, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Samples per channel in one frame: a power of two, 64 to 2048.
    pub fn frame_len(&self) -> usize {
        usize::from(self.frame_len)
    }

    /// `log2(frame_len)`, 6 to 11.
    pub fn log2_frame_len(&self) -> u32 {
        self.frame_len.trailing_zeros()
    }

    /// Samples per channel between the starts of two frames (1 to `frame_len`).
    pub fn hop(&self) -> usize {
        usize::from(self.hop)
    }

    /// The window's kind, as the file names it.
    pub fn window_kind(&self) -> WindowKind {
        self.window_kind
    }

    /// The Q15 window value of frame sample `n` (32768 for every `n` without a window).
    pub fn window(&self, n: usize) -> u32 {
        match n.checked_mul(2).and_then(|at| self.window.get(at..at + 2)) {
            Some(&[lo, hi]) => u32::from(u16::from_le_bytes([lo, hi])),
            _ => Q15_ONE,
        }
    }

    /// The window table as stored (`frame_len` u16 LE), empty without a window.
    pub fn window_bytes(&self) -> &'a [u8] {
        self.window
    }

    /// How the bands were laid out, as the file names it.
    pub fn band_kind(&self) -> BandKind {
        self.band_kind
    }

    /// Lowest and highest frequency the bands were laid out between, in Hz.
    pub fn band_range(&self) -> (f32, f32) {
        (self.f_min, self.f_max)
    }

    /// `W_bits`: bits of the largest sum of one band's weights (SPEC.md §8.5), which with
    /// a frame's largest power sets the frame's shift.
    pub fn band_weight_bits(&self) -> u32 {
        let largest = self
            .bands()
            .map(|b| b.weights().sum::<u32>())
            .max()
            .unwrap_or(0);
        u32::BITS - largest.leading_zeros()
    }

    /// Bins of the real spectrum: `frame_len / 2 + 1`.
    pub fn n_bins(&self) -> usize {
        self.frame_len() / 2 + 1
    }

    /// Bands per channel.
    pub fn n_bands(&self) -> usize {
        self.bands.len() / 4
    }

    /// The bands, in band order.
    pub fn bands(&self) -> Bands<'a> {
        Bands {
            table: self.bands.chunks_exact(4),
            weights: self.band_weights,
        }
    }

    /// Frames stacked into one model input.
    pub fn frames(&self) -> usize {
        usize::from(self.frames)
    }

    /// Log-band values one frame yields: `channels × n_bands`.
    pub fn frame_width(&self) -> usize {
        self.channels() * self.n_bands()
    }

    /// The integer affine `(multiplier, offset)` of model input `i`
    /// (`q_i = sat8((L · multiplier + offset + 2^31) >> 32)`), or `None` past the last.
    pub fn affine(&self, i: usize) -> Option<(i32, i64)> {
        let at = i.checked_mul(AFFINE_RECORD_LEN)?;
        affine_at(self.affine.get(at..at.checked_add(AFFINE_RECORD_LEN)?)?)
    }

    /// The affine table as stored: per model input, multiplier (i32 LE) and offset (i64 LE).
    pub fn affine_bytes(&self) -> &'a [u8] {
        self.affine
    }

    /// Scores averaged into a stream's smoothed score (1 to 32).
    pub fn smoothing(&self) -> usize {
        usize::from(self.smoothing)
    }

    /// Anomalous windows among the last [`FrontEnd::alarm_window`] that raise the alarm.
    pub fn alarm_count(&self) -> usize {
        usize::from(self.alarm_count)
    }

    /// Windows the alarm rule looks back over (1 to 32).
    pub fn alarm_window(&self) -> usize {
        usize::from(self.alarm_window)
    }

    /// Signal samples (all channels) one frame spans: `channels × frame_len`.
    pub fn frame_samples(&self) -> usize {
        self.channels() * self.frame_len()
    }
}

impl<'a> FrontEnd<'a> {
    /// The view of a record whose kinds decoded to `window_kind` and `band_kind`.
    fn from_record(r: FrontEndRecord<'a>, window_kind: WindowKind, band_kind: BandKind) -> Self {
        FrontEnd {
            channels: r.channels,
            sample_rate: r.sample_rate,
            frame_len: r.frame_len,
            hop: r.hop,
            window_kind,
            window: r.window.0,
            band_kind,
            f_min: r.f_min,
            f_max: r.f_max,
            bands: r.bands.0,
            band_weights: r.band_weights.0,
            frames: r.frames,
            affine: r.affine.0,
            smoothing: r.smoothing,
            alarm_count: r.alarm_count,
            alarm_window: r.alarm_window,
        }
    }

    /// The view of a record the loader has checked (decoded again, without the checks).
    pub(crate) fn from_checked(r: FrontEndRecord<'a>) -> Self {
        let window_kind = if r.window_kind == WINDOW_HANN {
            WindowKind::Hann
        } else {
            WindowKind::None
        };
        let band_kind = if r.band_kind == BANDS_LINEAR {
            BandKind::Linear
        } else {
            BandKind::Mel
        };
        FrontEnd::from_record(r, window_kind, band_kind)
    }
}

/// Decodes one 12-byte affine record.
fn affine_at(record: &[u8]) -> Option<(i32, i64)> {
    let &[m0, m1, m2, m3, o0, o1, o2, o3, o4, o5, o6, o7] = record else {
        return None;
    };
    Some((
        i32::from_le_bytes([m0, m1, m2, m3]),
        i64::from_le_bytes([o0, o1, o2, o3, o4, o5, o6, o7]),
    ))
}

fn bad(what: &'static str, index: usize) -> Error {
    Error::ParameterOutOfRange { what, index }
}

/// A table of `u16` LE values, widened.
fn q15_values(table: &[u8]) -> impl Iterator<Item = u32> + '_ {
    table.chunks_exact(2).map(|w| match w {
        &[lo, hi] => u32::from(u16::from_le_bytes([lo, hi])),
        _ => 0,
    })
}

/// Q15 values (`u16` LE) above 1.0, as the index of the first one.
fn first_above_one(table: &[u8]) -> Option<usize> {
    q15_values(table).position(|w| w > Q15_ONE)
}

/// Checks a front-end record of a model with `n_inputs` inputs (SPEC.md §7, "front end").
pub(crate) fn check<'a>(r: FrontEndRecord<'a>, n_inputs: usize) -> Result<FrontEnd<'a>, Error> {
    if r.sample_format != SAMPLE_FORMAT_I16 {
        return Err(bad("sample format", 0));
    }
    check_range("channel count", u32::from(r.channels), 1, MAX_CHANNELS)?;
    check_range("sample rate", r.sample_rate, 1, MAX_SAMPLE_RATE as usize)?;
    let frame_len = check_range(
        "frame length",
        u32::from(r.frame_len),
        MIN_FRAME_LEN,
        MAX_FRAME_LEN,
    )?;
    if !frame_len.is_power_of_two() {
        return Err(bad("frame length (not a power of two)", 0));
    }
    check_range("hop", u32::from(r.hop), 1, frame_len)?;

    let window_kind = match r.window_kind {
        WINDOW_NONE => WindowKind::None,
        WINDOW_HANN => WindowKind::Hann,
        _ => return Err(bad("window kind", 0)),
    };
    let table_len = if window_kind == WindowKind::None {
        0
    } else {
        2 * frame_len
    };
    check_len("window", table_len, r.window.0.len())?;
    if let Some(n) = first_above_one(r.window.0) {
        return Err(bad("window value", n));
    }

    let band_kind = match r.band_kind {
        BANDS_MEL => BandKind::Mel,
        BANDS_LINEAR => BandKind::Linear,
        _ => return Err(bad("band kind", 0)),
    };
    let nyquist = r.sample_rate as f32 / 2.0;
    if !(r.f_min.is_finite() && r.f_max.is_finite())
        || r.f_min < 0.0
        || r.f_min >= r.f_max
        || r.f_max > nyquist
    {
        return Err(bad("band frequencies", 0));
    }
    if r.compression != COMPRESSION_LOG2_Q16 {
        return Err(bad("compression", 0));
    }

    let table = r.bands.0;
    check_len("band table", table.len() / 4 * 4, table.len())?;
    let n_bands = table.len() / 4;
    check_range(
        "band count",
        u32::try_from(n_bands).unwrap_or(u32::MAX),
        1,
        MAX_BANDS,
    )?;
    let n_bins = frame_len / 2 + 1;
    let mut n_weights = 0usize;
    for (b, entry) in table.chunks_exact(4).enumerate() {
        let &[f0, f1, c0, c1] = entry else {
            return Err(bad("band bins", b));
        };
        let first = usize::from(u16::from_le_bytes([f0, f1]));
        let count = usize::from(u16::from_le_bytes([c0, c1]));
        if count == 0 || first + count > n_bins {
            return Err(bad("band bins", b));
        }
        n_weights += count;
    }
    check_len("band weights", 2 * n_weights, r.band_weights.0.len())?;
    if let Some(j) = first_above_one(r.band_weights.0) {
        return Err(bad("band weight", j));
    }

    let front_end = FrontEnd::from_record(r, window_kind, band_kind);
    check_range("stacked frames", u32::from(r.frames), 1, MAX_STACK)?;
    check_len(
        "front-end input count",
        n_inputs,
        front_end.frames() * front_end.frame_width(),
    )?;
    check_len(
        "front-end affine",
        n_inputs * AFFINE_RECORD_LEN,
        r.affine.0.len(),
    )?;
    for (i, record) in r.affine.0.chunks_exact(AFFINE_RECORD_LEN).enumerate() {
        match affine_at(record) {
            Some((_, offset)) if offset.unsigned_abs() <= MAX_AFFINE_OFFSET as u64 => {}
            _ => return Err(bad("front-end affine offset", i)),
        }
    }
    check_range("smoothing", u32::from(r.smoothing), 1, MAX_HISTORY)?;
    check_range("alarm window", u32::from(r.alarm_window), 1, MAX_HISTORY)?;
    check_range(
        "alarm count",
        u32::from(r.alarm_count),
        1,
        usize::from(r.alarm_window),
    )?;
    Ok(front_end)
}
