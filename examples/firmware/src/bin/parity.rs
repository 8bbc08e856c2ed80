//! Runs the model's self-test, then runs every embedded sample and prints, per sample,
//! the class, int8 input, features and logits (a model with a head), and the integer
//! anomaly score, verdict and int8 reconstruction (a model with an anomaly section) —
//! the lines the host test recomputes with the runtime on the host. Then prints
//! footprint and timing.
#![no_std]
#![no_main]

use bottleneck_firmware::{
    Hex, Ints, MODEL, WIDTH, calibration_loop, elapsed, entry, exit, finish, hprintln, now,
    paint_stack, peak_stack, sample, stack_used_by, start_timer,
};
use bottleneck_runtime::{Error, Model, Scratch};

const CALIBRATION_ITERATIONS: u32 = 100_000;

#[entry]
fn main() -> ! {
    paint_stack();
    start_timer();
    finish(run())
}

fn run() -> Result<(), Error> {
    let model = Model::from_bytes(MODEL)?;
    let mut scratch = Scratch::<WIDTH>::new();
    let passed = model.self_test(&mut scratch)?;
    hprintln!("self-test: {} vectors ok", passed);

    let n = model.n_inputs();
    let mut x = [0f32; WIDTH];
    let mut q = [0i8; WIDTH];
    let (mut count, mut ticks_min, mut ticks_max) = (0usize, u32::MAX, 0u32);
    let classifies = model.view().head().is_some();
    let detects = model.view().anomaly().is_some();
    while sample(count, n, &mut x[..n]) {
        model.quantize(&x[..n], &mut q[..n])?;
        if classifies {
            let start = now();
            let out = model.infer_quantized(&q[..n], &mut scratch)?;
            let ticks = elapsed(start, now());
            ticks_min = ticks_min.min(ticks);
            ticks_max = ticks_max.max(ticks);
            hprintln!(
                "sample {}: class {} q {} f {} l {}",
                count,
                out.class,
                Hex(&q[..n]),
                Hex(out.features),
                Ints(&out.logits)
            );
        }
        if detects {
            // Without a head, the timed call is the whole float inference of an anomaly
            // detector: input quantization, every layer, score and verdict.
            let start = now();
            let d = model.detect(&x[..n], &mut scratch)?;
            let ticks = elapsed(start, now());
            if !classifies {
                ticks_min = ticks_min.min(ticks);
                ticks_max = ticks_max.max(ticks);
            }
            if model.detect_quantized(&q[..n], &mut scratch)? != d {
                return Err(Error::SelfTestFailed {
                    vector: count,
                    part: "float and int8 detection",
                });
            }
            let r = model.reconstruct_quantized(&q[..n], &mut scratch)?;
            hprintln!(
                "sample {}: score {} anomaly {} r {}",
                count,
                d.score,
                d.is_anomaly,
                Hex(r)
            );
        }
        count += 1;
    }
    hprintln!("total: {} samples", count);

    let start = now();
    calibration_loop(CALIBRATION_ITERATIONS);
    let calibration = elapsed(start, now());
    hprintln!(
        "timing: {} {}..={} ticks; calibration {} instructions in {} ticks",
        if classifies {
            "infer_quantized"
        } else {
            "detect"
        },
        ticks_min,
        ticks_max,
        2 * CALIBRATION_ITERATIONS,
        calibration
    );
    let peak = peak_stack();

    // The runtime's own RAM: its stack for one inference, the scratch buffers and the
    // model handle (everything else above is this demo's: samples, formatting, output).
    let mut result = Ok(0);
    let runtime_stack = stack_used_by(|| {
        result = if classifies {
            model
                .infer_quantized(&q[..n], &mut scratch)
                .map(|out| out.class)
        } else {
            model
                .detect_quantized(&q[..n], &mut scratch)
                .map(|d| usize::from(d.is_anomaly))
        };
    });
    result?;
    // Checks the method: a known 1 KiB local must measure at least 1 KiB.
    let probe = stack_used_by(|| {
        let mut local = [0u8; 1024];
        core::hint::black_box(&mut local);
    });
    hprintln!("stack probe: {} bytes for a 1024-byte local", probe);
    hprintln!(
        "memory: runtime stack {} bytes, scratch {} bytes, model handle {} bytes",
        runtime_stack,
        core::mem::size_of::<Scratch<WIDTH>>(),
        core::mem::size_of::<Model<'static>>()
    );
    hprintln!("stack: peak {} bytes", peak);
    Ok(())
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    exit(false)
}
