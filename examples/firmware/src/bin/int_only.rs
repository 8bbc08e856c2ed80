//! Integer-only inference: int8 samples in, classes and anomaly verdicts out, through
//! `infer_quantized`, `detect_quantized` and `reconstruct_quantized` only. Built for the
//! Cortex-M0, its ELF must contain no soft-float routine at all — the host test checks
//! the symbol table — which shows the int8 paths use no floating point.
#![no_std]
#![no_main]

use bottleneck_firmware::{MODEL, SAMPLES, WIDTH, entry, exit};
use bottleneck_runtime::{Model, Scratch};

#[entry]
fn main() -> ! {
    exit(run().is_some())
}

fn run() -> Option<()> {
    let model = Model::from_bytes(MODEL).ok()?;
    let mut scratch = Scratch::<WIDTH>::new();
    model.self_test(&mut scratch).ok()?;
    let n = model.n_inputs();
    // Raw sample bytes reinterpreted as int8 inputs: arbitrary values, integer path only.
    let mut checksum = 0usize;
    for chunk in SAMPLES.chunks_exact(n) {
        let mut q = [0i8; WIDTH];
        for (d, &s) in q.iter_mut().zip(chunk) {
            *d = s as i8;
        }
        // The parts a model lacks are typed errors; every model has one of the two.
        let class = model
            .infer_quantized(&q[..n], &mut scratch)
            .map(|i| i.class);
        let verdict = model
            .detect_quantized(&q[..n], &mut scratch)
            .map(|d| d.score);
        let width = model
            .reconstruct_quantized(&q[..n], &mut scratch)
            .map_or(0, <[i8]>::len);
        if class.is_err() && verdict.is_err() {
            return None;
        }
        checksum += class.unwrap_or(0) + verdict.unwrap_or(0) as usize + width;
    }
    core::hint::black_box(checksum);
    Some(())
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit(false)
}
