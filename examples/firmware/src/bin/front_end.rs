//! Times the model's front end: one frame's log-band values (window, FFT, power, bands,
//! log2) on each frame embedded as the signal (`BOTTLENECK_SIGNAL`: whole frames of
//! int16 samples, back to back), then a stream's whole hop (frame plus the window's
//! inference). Prints each frame's values so the host checks them against the trainer's
//! integer reference, and the ticks with a calibration, as the parity firmware does.
#![no_std]
#![no_main]

use bottleneck_firmware::{
    FRAME, INPUTS, MODEL, SIGNAL, WIDTH, calibration_loop, elapsed, entry, exit, finish, hprintln,
    now, start_timer,
};
use bottleneck_runtime::{Error, Model, Scratch, Stream};

const CALIBRATION_ITERATIONS: u32 = 100_000;

#[entry]
fn main() -> ! {
    start_timer();
    finish(run())
}

fn sample_at(bytes: &[u8], i: usize) -> i16 {
    match bytes.get(2 * i..2 * i + 2) {
        Some(b) => i16::from_le_bytes([b[0], b[1]]),
        None => 0,
    }
}

fn run() -> Result<(), Error> {
    let model = Model::from_bytes(MODEL)?;
    let fe = model.view().front_end().ok_or(Error::MissingPart {
        part: "signal front end",
    })?;
    let weight_bits = fe.band_weight_bits();
    let (channels, n) = (fe.channels(), fe.frame_len());
    let frame_bytes = 2 * channels * n;
    let mut work = [0i32; FRAME];
    let mut out = [0u32; INPUTS];
    let width = fe.frame_width();
    let (mut min, mut max) = (u32::MAX, 0u32);
    // The frame as an int16 array first, as CMSIS-DSP's functions take theirs.
    let mut frame = [0i16; FRAME];
    for (f, bytes) in SIGNAL.chunks_exact(frame_bytes).enumerate() {
        for (k, s) in frame.iter_mut().take(frame_bytes / 2).enumerate() {
            *s = sample_at(bytes, k);
        }
        let start = now();
        let ok = bottleneck_signal::log_bands(
            &fe,
            weight_bits,
            [frame.get(..frame_bytes / 2).unwrap_or(&[]), &[]],
            &mut work,
            &mut out[..width],
        );
        let ticks = elapsed(start, now());
        if !ok {
            return Err(Error::CapacityTooSmall {
                what: "samples",
                needed: frame_bytes / 2,
                capacity: FRAME,
            });
        }
        (min, max) = (min.min(ticks), max.max(ticks));
        hprintln!("frame {}: {}", f, Values(&out[..width]));
    }

    // The stages of the last frame, one by one (as `log_bands` runs them), channel 0.
    {
        let log2n = fe.log2_frame_len();
        let mut t = [0u32; 5];
        let start = now();
        bottleneck_signal::window_into(
            [frame.get(..frame_bytes / 2).unwrap_or(&[]), &[]],
            0,
            channels,
            fe.window_bytes(),
            log2n,
            &mut work,
        );
        t[0] = elapsed(start, now());
        let start = now();
        bottleneck_signal::fft_in_place(&mut work, log2n);
        t[1] = elapsed(start, now());
        let start = now();
        bottleneck_signal::split_in_place(&mut work, log2n);
        t[2] = elapsed(start, now());
        let start = now();
        let powers = bottleneck_signal::power_in_place(&mut work, log2n, weight_bits);
        t[3] = elapsed(start, now());
        let start = now();
        bottleneck_signal::band_energies(&fe, &work, &powers, |b, e| {
            if let Some(slot) = out.get_mut(b) {
                *slot = bottleneck_signal::log_band(e, powers.shift);
            }
        });
        t[4] = elapsed(start, now());
        hprintln!(
            "stages: window {} fft {} split {} power and shift {} bands and log {} ticks",
            t[0],
            t[1],
            t[2],
            t[3],
            t[4]
        );
    }

    // A whole hop of a running stream: the frame and, once stacked, the window's score.
    let mut stream = Stream::<FRAME, INPUTS>::new(&model)?;
    let mut scratch = Scratch::<WIDTH>::new();
    let hop = fe.hop() * channels;
    let total = SIGNAL.len() / 2;
    let (mut hop_min, mut hop_max, mut windows) = (u32::MAX, 0u32, 0u32);
    let mut chunk = [0i16; FRAME];
    let mut at = 0;
    while at + hop <= total {
        let first = at == 0;
        let len = if first { channels * n } else { hop };
        if at + len > total {
            break;
        }
        for (k, s) in chunk[..len].iter_mut().enumerate() {
            *s = sample_at(SIGNAL, at + k);
        }
        at += len;
        let start = now();
        let feed = stream.feed(&chunk[..len], &mut scratch)?;
        let ticks = elapsed(start, now());
        if feed.frame.is_some_and(|f| f.window.is_some()) {
            windows += 1;
            (hop_min, hop_max) = (hop_min.min(ticks), hop_max.max(ticks));
        }
    }
    let start = now();
    calibration_loop(CALIBRATION_ITERATIONS);
    let calibration = elapsed(start, now());
    hprintln!(
        "timing: frame {}..={} ticks; hop with window {}..={} ticks over {} windows; \
         calibration {} instructions in {} ticks",
        min,
        max,
        hop_min,
        hop_max,
        windows,
        2 * CALIBRATION_ITERATIONS,
        calibration
    );
    hprintln!(
        "memory: stream {} bytes, scratch {} bytes",
        core::mem::size_of::<Stream<FRAME, INPUTS>>(),
        core::mem::size_of::<Scratch<WIDTH>>()
    );
    Ok(())
}

/// Values printed in decimal, space-separated.
struct Values<'a>(&'a [u32]);

impl core::fmt::Display for Values<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    exit(false)
}
