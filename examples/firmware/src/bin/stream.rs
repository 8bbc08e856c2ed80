//! Streams the embedded recordings (`BOTTLENECK_SIGNAL`) through the model's front end,
//! as a microphone driver would hand them over: in chunks of a few dozen samples. Prints
//! per window the integer score, smoothed score, verdict, alarm and class, the int8 input
//! of each recording's first window, and per recording the number of windows and the sum
//! of their scores (the host divides: MLPerf Tiny's file score is the mean). The host
//! test recomputes every line with the trainer's integer reference.
#![no_std]
#![no_main]

use bottleneck_firmware::{
    FRAME, Hex, INPUTS, MODEL, WIDTH, elapsed, entry, exit, finish, hprintln, now, recordings,
    start_timer,
};
use bottleneck_runtime::{Error, Model, Scratch, Stream};

/// Samples per push: not a divisor of any hop, so frames complete mid-chunk.
const CHUNK: usize = 37;

#[entry]
fn main() -> ! {
    start_timer();
    finish(run())
}

fn run() -> Result<(), Error> {
    let model = Model::from_bytes(MODEL)?;
    let mut scratch = Scratch::<WIDTH>::new();
    let mut stream = Stream::<FRAME, INPUTS>::new(&model)?;
    let mut chunk = [0i16; CHUNK];
    let (mut frames, mut ticks) = (0u32, 0u32);
    for (r, bytes) in recordings().enumerate() {
        stream.reset();
        let (mut windows, mut sum) = (0u32, 0u64);
        for part in bytes.chunks(2 * CHUNK) {
            let n = part.len() / 2;
            for (s, b) in chunk.iter_mut().zip(part.chunks_exact(2)) {
                *s = i16::from_le_bytes([b[0], b[1]]);
            }
            let mut rest = &chunk[..n];
            while !rest.is_empty() {
                let start = now();
                let feed = stream.feed(rest, &mut scratch)?;
                let spent = elapsed(start, now());
                rest = rest.get(feed.consumed..).unwrap_or(&[]);
                let Some(frame) = feed.frame else { continue };
                frames += 1;
                ticks = ticks.wrapping_add(spent);
                let Some(w) = frame.window else { continue };
                if windows == 0 {
                    hprintln!("rec {}: q {}", r, Hex(stream.last_input()));
                }
                hprintln!(
                    "rec {} window {}: score {} smoothed {} anomaly {} alarm {} class {}",
                    r,
                    w.index,
                    w.score.map_or(-1, i64::from),
                    w.smoothed.map_or(-1, i64::from),
                    w.anomaly,
                    w.alarm,
                    w.class.map_or(-1, |c| c as i32)
                );
                windows += 1;
                sum += w.score.map_or(0, u64::from);
            }
        }
        hprintln!("rec {}: windows {} score sum {}", r, windows, sum);
    }
    hprintln!("timing: {} frames in {} ticks", frames, ticks);
    Ok(())
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    exit(false)
}
