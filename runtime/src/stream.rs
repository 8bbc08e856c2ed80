//! Streaming: raw samples in, a feature frame every hop, and once enough frames are
//! stacked a score, verdict, alarm and class per window (SPEC.md §8.8 and §8.10).

use bottleneck_format::{FrontEnd, MAX_HISTORY};
use bottleneck_signal::{log_bands, quantize};

use crate::{Error, Model, Scratch};

/// What the model said about one window (the last `frames` frames, stacked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Window {
    /// Windows before this one in the stream.
    pub index: u32,
    /// The integer anomaly score `Σ (q_i - r_i)²` (`None` without a decoder).
    pub score: Option<u32>,
    /// The mean of the last `smoothing` scores, this one included, rounded down (fewer at
    /// the start of the stream).
    pub smoothed: Option<u32>,
    /// Whether the smoothed score is above the model's threshold (`false` without an
    /// anomaly section).
    pub anomaly: bool,
    /// Whether at least `alarm_count` of the last `alarm_window` windows were anomalous.
    pub alarm: bool,
    /// The class of the window (`None` without a classifier head).
    pub class: Option<usize>,
}

/// What one call of [`Stream::feed`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Feed {
    /// Samples of the input it used (it stops right after a frame).
    pub consumed: usize,
    /// The frame completed by the last sample used, if one was.
    pub frame: Option<Frame>,
}

/// A feature frame, and the window it completed once enough frames are stacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Frame {
    /// Frames before this one in the stream.
    pub index: u32,
    /// The model's result for the window this frame completed (`None` until `frames`
    /// frames have been stacked).
    pub window: Option<Window>,
}

/// A streaming front end and model: push int16 samples, get a frame every hop and a
/// window result once the frames for one model input are there.
///
/// `FRAME` is the sample capacity: at least `channels × frame_len` of the model's front
/// end; `INPUTS` at least the model's input count. Both are checked by [`Stream::new`].
/// The stream holds `6 × FRAME + 5 × INPUTS` bytes of buffers (ring, FFT work, log-band
/// frames, the int8 input); [`FrontEnd::frame_samples`] and the model's `n_inputs` give
/// the sizes a model needs.
#[derive(Debug, Clone)]
pub struct Stream<'m, const FRAME: usize, const INPUTS: usize> {
    model: Model<'m>,
    front_end: FrontEnd<'m>,
    /// [`FrontEnd::band_weight_bits`], computed once.
    weight_bits: u32,
    /// The last `frame_len` sample instants, all channels interleaved, circular.
    ring: [i16; FRAME],
    /// Next instant to write in `ring`.
    head: usize,
    /// Channel of the next sample within the current instant.
    channel: usize,
    /// Instants still to come before the next frame.
    until_frame: usize,
    work: [i32; FRAME],
    /// The last `frames` log-band frames, circular by frame.
    frames: [u32; INPUTS],
    /// Slot of the next frame in `frames`.
    frame_slot: usize,
    frame_count: u32,
    window_count: u32,
    input: [i8; INPUTS],
    scores: [u32; MAX_HISTORY],
    /// Verdicts of the last windows, newest in bit 0.
    verdicts: u32,
}

impl<'m, const FRAME: usize, const INPUTS: usize> Stream<'m, FRAME, INPUTS> {
    /// A stream over `model`'s front end, at the start of a signal.
    ///
    /// Errors: [`Error::MissingPart`] if the model has no front end;
    /// [`Error::CapacityTooSmall`] if `FRAME` or `INPUTS` is below what it needs.
    pub fn new(model: &Model<'m>) -> Result<Self, Error> {
        let front_end = model.view().front_end().ok_or(Error::MissingPart {
            part: "signal front end",
        })?;
        for (what, needed, capacity) in [
            ("samples", front_end.frame_samples(), FRAME),
            ("inputs", model.n_inputs(), INPUTS),
        ] {
            if capacity < needed {
                return Err(Error::CapacityTooSmall {
                    what,
                    needed,
                    capacity,
                });
            }
        }
        Ok(Stream {
            model: model.clone(),
            front_end,
            weight_bits: front_end.band_weight_bits(),
            ring: [0; FRAME],
            head: 0,
            channel: 0,
            until_frame: front_end.frame_len(),
            work: [0; FRAME],
            frames: [0; INPUTS],
            frame_slot: 0,
            frame_count: 0,
            window_count: 0,
            input: [0; INPUTS],
            scores: [0; MAX_HISTORY],
            verdicts: 0,
        })
    }

    /// The front end the stream runs.
    pub fn front_end(&self) -> &FrontEnd<'m> {
        &self.front_end
    }

    /// Back to the start of a signal: no samples, frames or scores kept.
    pub fn reset(&mut self) {
        self.head = 0;
        self.channel = 0;
        self.until_frame = self.front_end.frame_len();
        self.frame_slot = 0;
        self.frame_count = 0;
        self.window_count = 0;
        self.verdicts = 0;
    }

    /// The last frame's log-band values (`log2` in Q16, `channels × n_bands`, channel by
    /// channel); zeros before the first frame.
    pub fn last_frame(&self) -> &[u32] {
        let width = self.front_end.frame_width();
        let frames = self.front_end.frames();
        let slot = (self.frame_slot + frames - 1) % frames;
        self.frames
            .get(slot * width..(slot + 1) * width)
            .unwrap_or(&[])
    }

    /// The int8 model input of the last window (oldest frame first).
    pub fn last_input(&self) -> &[i8] {
        self.input.get(..self.model.n_inputs()).unwrap_or(&[])
    }

    /// Takes interleaved samples (channel 0 of an instant first) until a frame is
    /// complete or the input runs out, and reports how many it used and the frame. Call
    /// it again with the rest of the input: samples are never dropped, and an instant may
    /// be split across calls.
    pub fn feed<const W: usize>(
        &mut self,
        samples: &[i16],
        scratch: &mut Scratch<W>,
    ) -> Result<Feed, Error> {
        let channels = self.front_end.channels();
        let frame_len = self.front_end.frame_len();
        for (used, &x) in samples.iter().enumerate() {
            if let Some(slot) = self.ring.get_mut(self.head * channels + self.channel) {
                *slot = x;
            }
            self.channel += 1;
            if self.channel < channels {
                continue;
            }
            self.channel = 0;
            self.head = (self.head + 1) % frame_len;
            self.until_frame -= 1;
            if self.until_frame == 0 {
                self.until_frame = self.front_end.hop();
                let frame = self.frame(scratch)?;
                return Ok(Feed {
                    consumed: used + 1,
                    frame: Some(frame),
                });
            }
        }
        Ok(Feed {
            consumed: samples.len(),
            frame: None,
        })
    }

    /// Feeds all of `samples`, calling `on_frame` for every frame they complete.
    pub fn push<const W: usize>(
        &mut self,
        mut samples: &[i16],
        scratch: &mut Scratch<W>,
        mut on_frame: impl FnMut(&Self, Frame),
    ) -> Result<(), Error> {
        while !samples.is_empty() {
            let feed = self.feed(samples, scratch)?;
            if let Some(frame) = feed.frame {
                on_frame(self, frame);
            }
            samples = samples.get(feed.consumed..).unwrap_or(&[]);
        }
        Ok(())
    }

    /// Computes the frame that ends at the newest instant, then the window if complete.
    fn frame<const W: usize>(&mut self, scratch: &mut Scratch<W>) -> Result<Frame, Error> {
        let fe = self.front_end;
        let (channels, frame_len, width) = (fe.channels(), fe.frame_len(), fe.frame_width());
        let ring = &self.ring;
        // The ring is full: its oldest instant is the one `head` will overwrite next.
        let oldest = self.head;
        let ring = ring.get(..frame_len * channels).unwrap_or(&[]);
        let (newer, older) = ring.split_at(oldest * channels);
        let at = self.frame_slot * width;
        if let Some(out) = self.frames.get_mut(at..at + width) {
            log_bands(&fe, self.weight_bits, [older, newer], &mut self.work, out);
        }
        self.frame_slot = (self.frame_slot + 1) % fe.frames();
        let index = self.frame_count;
        self.frame_count = self.frame_count.wrapping_add(1);
        let window = if self.frame_count as usize >= fe.frames() || self.window_count > 0 {
            Some(self.window(scratch)?)
        } else {
            None
        };
        Ok(Frame { index, window })
    }

    /// Quantizes the stacked frames and runs the model on them.
    fn window<const W: usize>(&mut self, scratch: &mut Scratch<W>) -> Result<Window, Error> {
        let fe = self.front_end;
        let (n_frames, width) = (fe.frames(), fe.frame_width());
        let n_inputs = self.model.n_inputs();
        // Oldest frame first: the slot the next frame will overwrite.
        for f in 0..n_frames {
            let slot = (self.frame_slot + f) % n_frames;
            let from = self
                .frames
                .get(slot * width..(slot + 1) * width)
                .unwrap_or(&[]);
            let to = self
                .input
                .get_mut(f * width..(f + 1) * width)
                .unwrap_or(&mut []);
            for (i, (q, &l)) in to.iter_mut().zip(from).enumerate() {
                let (m, o) = fe.affine(f * width + i).unwrap_or((0, 0));
                *q = quantize(l, m, o);
            }
        }
        let input = self.input.get(..n_inputs).unwrap_or(&[]);
        let view = self.model.view();
        let class = match view.head() {
            Some(_) => Some(self.model.infer_quantized(input, scratch)?.class),
            None => None,
        };
        let score = if view.has_decoder() {
            Some(self.model.anomaly_score_quantized(input, scratch)?)
        } else {
            None
        };
        let index = self.window_count;
        self.window_count = self.window_count.wrapping_add(1);
        let (smoothed, anomaly) = match score {
            Some(score) => {
                let slot = index as usize % MAX_HISTORY;
                if let Some(s) = self.scores.get_mut(slot) {
                    *s = score;
                }
                let k = fe.smoothing().min(self.window_count as usize).max(1);
                let sum: u64 = (0..k)
                    .map(|back| {
                        let at = (index as usize + MAX_HISTORY - back) % MAX_HISTORY;
                        u64::from(self.scores.get(at).copied().unwrap_or(0))
                    })
                    .sum();
                let smoothed = (sum / k as u64) as u32;
                let anomaly = view.anomaly().is_some_and(|a| a.is_anomaly(smoothed));
                (Some(smoothed), anomaly)
            }
            None => (None, false),
        };
        self.verdicts = (self.verdicts << 1) | u32::from(anomaly);
        let window_mask = match fe.alarm_window() {
            32.. => u32::MAX,
            n => (1u32 << n) - 1,
        };
        let alarm = (self.verdicts & window_mask).count_ones() as usize >= fe.alarm_count();
        Ok(Window {
            index,
            score,
            smoothed,
            anomaly,
            alarm,
            class,
        })
    }
}
