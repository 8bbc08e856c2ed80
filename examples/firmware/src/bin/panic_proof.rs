//! Panic-freedom proof: the panic handler calls a symbol that exists nowhere, so this
//! binary links only if the optimiser removed every panicking path from the runtime's
//! loading and inference code (and from this driver, which prints nothing).
#![no_std]
#![no_main]

use bottleneck_firmware::{MODEL, WIDTH, entry, exit, sample};
use bottleneck_runtime::{Model, Scratch};

#[entry]
fn main() -> ! {
    exit(run().is_some())
}

fn run() -> Option<()> {
    // Load whatever bytes are in flash: the loader must be panic-free on any input.
    let model = Model::from_bytes(core::hint::black_box(MODEL)).ok()?;
    let mut scratch = Scratch::<WIDTH>::new();
    model.self_test(&mut scratch).ok()?;
    let n = model.n_inputs().min(WIDTH);
    let mut x = [0f32; WIDTH];
    let mut q = [0i8; WIDTH];
    let mut index = 0;
    while sample(index, n, &mut x[..n]) {
        model.quantize(&x[..n], &mut q[..n]).ok()?;
        // Every entry point, classification and anomaly detection alike; a part the
        // model lacks is a typed error, not a stop.
        let c = model
            .classify(&x[..n], &mut scratch)
            .ok()
            .map(|c| c.probability);
        let i = model
            .infer_quantized(&q[..n], &mut scratch)
            .ok()
            .map(|i| i.class);
        let d = model.detect(&x[..n], &mut scratch).ok();
        let dq = model.detect_quantized(&q[..n], &mut scratch).ok();
        let s = model
            .anomaly_score(&x[..n], &mut scratch)
            .ok()
            .map(|s| s.value);
        let r = model
            .reconstruct(&x[..n], &mut scratch)
            .ok()
            .map(<[i8]>::len);
        core::hint::black_box((c, i, d, dq, s, r));
        index += 1;
    }
    Some(())
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe extern "C" {
        /// Deliberately undefined: referencing it makes any reachable panic a link error.
        fn bottleneck_runtime_can_panic() -> !;
    }
    // SAFETY: never called if the binary links at all.
    unsafe { bottleneck_runtime_can_panic() }
}
