//! Writes BENCHMARKS.md from measurements taken on this machine: `cargo xtask bench`
//! runs the criterion benchmark and builds the trainer (the shared dev profile), then
//! this.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use crate::bench::criterion::{Estimate, estimate};
use crate::bench::file_layout::FileLayout;
use crate::bench::kernel_loops::{
    CycleEstimate, LoopCount, cortex_m0plus_cycles, cortex_m4_cycles, inner_loop,
    prewidened_m4_cycles, whole_inference_cycles,
};
use crate::bench::machine::Machine;
use crate::bench::real_memory::{CmsisNnRun, CoreFigures, ReferenceLayouts};
use crate::bench::training::{TrainingRuns, time_training};
use crate::firmware::{
    Footprint, Measurements, ModelShape, Prepared, measure_parity, missing_tools, prepare,
    prepare_mlperf_ad,
};
use crate::{BOARDS, Board};

/// Where the measurements come from and where the report goes.
#[derive(Debug, Clone)]
pub struct Args {
    /// criterion's output directory (`<target>/criterion`).
    pub criterion: PathBuf,
    /// The `bottleneck` binary to time.
    pub trainer: PathBuf,
    /// The Markdown report to write.
    pub out: PathBuf,
    /// Timed training runs.
    pub runs: usize,
}

struct Host {
    runtime_1: Estimate,
    dots_1: Estimate,
    burn_1: Estimate,
    runtime_330: Estimate,
    burn_330: Estimate,
}

struct Device {
    board: Board,
    m: Measurements,
    f: Footprint,
}

fn yes(met: bool) -> &'static str {
    if met { "**met**" } else { "**not met**" }
}

/// Measures everything and writes the report.
pub fn run(args: &Args) -> Result<(), String> {
    if let Some(reason) = missing_tools() {
        return Err(format!("cannot measure the devices: {reason}"));
    }
    let machine = Machine::describe();
    let group = args.criterion.join("inference");
    let host = Host {
        runtime_1: estimate(&group, "runtime-int8/batch-1")?,
        dots_1: estimate(&group, "runtime-int8-dots-only/batch-1")?,
        burn_1: estimate(&group, "burn-ndarray-f32/batch-1")?,
        runtime_330: estimate(&group, "runtime-int8/batch-330")?,
        burn_330: estimate(&group, "burn-ndarray-f32/batch-330")?,
    };
    let batches = crate::bench::host_batch::read(&group)?;
    eprintln!("timing `bottleneck train` ({} runs)...", args.runs);
    let training = time_training(&args.trainer, args.runs)?;
    eprintln!("bottleneck train on 1,000, 10,000 and 100,000 generated rows (5 epochs)...");
    let scaling = crate::bench::training::scaling(&args.trainer, &[1_000, 10_000, 100_000])?;
    eprintln!(
        "accuracy over training seeds 1-15 on the tutorial's data, with PyTorch and Keras..."
    );
    let accuracy = crate::bench::accuracy::run(&args.trainer)?;

    eprintln!("training the seed model for the devices and running it under QEMU...");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let prepared = prepare(dir.path(), 200);
    let model = std::fs::read(&prepared.model).map_err(|e| e.to_string())?;
    let layout = FileLayout::of(&model)?;
    let shape = prepared.shape.clone();
    let devices = run_devices(&prepared)?;
    let embedded = prepared.embedded_bytes();

    let runtime = crate::workspace_root().join("runtime/src/kernels");
    let loops = Loops {
        m4: inner_loop(&runtime.join("arm_dsp_dense.rs"), "3")?,
        m0: inner_loop(&runtime.join("arm_thumb_quad.rs"), "4")?,
        rv32: inner_loop(&runtime.join("riscv32.rs"), "7")?,
        mve: inner_loop(&runtime.join("arm_mve_dense.rs"), "3")?,
        m4_cycles: cortex_m4_cycles(&runtime.join("arm_dsp_dense.rs"), "3")?,
        m0_cycles: cortex_m0plus_cycles(&runtime.join("arm_thumb_quad.rs"), "4")?,
    };
    eprintln!("training MLPerf Tiny's AD model briefly and running it under QEMU...");
    let ad_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let ad = prepare_mlperf_ad(ad_dir.path(), 5);
    let ad_devices = run_devices(&ad)?;
    eprintln!("CMSIS-NN's fully connected kernel on the AD model's layers under QEMU...");
    let cmsis_nn = cmsis_nn_runs(&ad_devices, ad_dir.path());
    let cores = core_figures(&ad_devices, &loops, &ad.shape);

    eprintln!("anomaly detection on public data, with PyTorch and scikit-learn...");
    let anomaly = crate::bench::anomaly::run(None)?;
    let mut md = render(
        &machine, &host, &training, &devices, &layout, &shape, embedded, &loops,
    );
    // The batched host figures follow the host section, ahead of training.
    if let Some(at) = md.find("\n## Training") {
        md.insert_str(at, &crate::bench::host_batch::render(&batches));
    }
    md.push_str(&crate::bench::accuracy::render(&accuracy));
    md.push_str(&render_scaling(&scaling));
    md.push_str(&render_mlperf_ad(&ad_devices, &ad, &loops));
    md.push_str(&crate::bench::real_memory::render(
        &cores,
        ad.model_bytes,
        reference_layouts(&ad_devices, &loops, &ad.shape),
        &cmsis_nn,
    ));
    md.push_str(&crate::bench::anomaly_report::render(&anomaly));
    eprintln!("the signal front end against CMSIS-DSP on every core under QEMU...");
    let front_end_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let front_end = crate::bench::front_end::run(front_end_dir.path())?;
    md.push_str(&crate::bench::front_end::render(&front_end));
    eprintln!("the Python package against the Rust it wraps...");
    let python = crate::bench::python_package::run(&args.trainer);
    md = crate::bench::python_package::replace_section(
        &md,
        &crate::bench::python_package::render(&python),
    );
    let json_path = args.out.with_file_name("benchmarks.json");
    let json = benchmarks_json(
        &[
            ("seed", &devices, &prepared.shape, prepared.samples_bytes),
            ("mlperf_ad", &ad_devices, &ad.shape, ad.samples_bytes),
        ],
        &loops,
        crate::bench::real_memory::json(&cores, ad.model_bytes, &cmsis_nn),
        crate::bench::host_batch::json(&batches),
        serde_json::json!({
            "time": training.json(),
            "accuracy": crate::bench::accuracy::json(&accuracy),
        }),
        crate::bench::python_package::json(&python),
    );
    std::fs::write(&json_path, json).map_err(|e| format!("{}: {e}", json_path.display()))?;
    eprintln!("wrote {}", json_path.display());
    // The real boards' section estimates speed from the figures just written.
    eprintln!("building the real boards' crates...");
    md.push_str(&crate::board_report::run(&json_path)?);
    std::fs::write(&args.out, md).map_err(|e| format!("{}: {e}", args.out.display()))?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// The parity firmware of `prepared` measured on every board its flash holds.
fn run_devices(prepared: &Prepared) -> Result<Vec<Device>, String> {
    BOARDS
        .into_iter()
        .filter(|&board| prepared.fits(board))
        .map(|board| {
            let (f, m) = measure_parity(board, prepared, Duration::from_secs(300))?;
            Ok(Device { board, m, f })
        })
        .collect()
}

/// CMSIS-NN's kernel on the AD model's layers, on each core it is compiled for, beside
/// that core's whole inference.
fn cmsis_nn_runs(ad_devices: &[Device], dir: &std::path::Path) -> Vec<CmsisNnRun> {
    use crate::bench::cmsis_nn;
    ad_devices
        .iter()
        .filter(|d| cmsis_nn::core_flags(d.board).is_some())
        .map(|d| CmsisNnRun {
            core: d.board.core,
            theirs: cmsis_nn::measure(d.board, &dir.join("cmsis-nn").join(d.board.name)),
            ours: d.m.instructions(),
        })
        .collect()
}

/// Each core's AD figures for the real-memory comparison: the TRM estimate where the
/// benchmark has one, else every instruction at 1 to 2 cycles.
fn core_figures(ad_devices: &[Device], loops: &Loops, shape: &ModelShape) -> Vec<CoreFigures> {
    ad_devices
        .iter()
        .map(|d| {
            let instructions = d.m.instructions();
            let (zero_wait, how) = if Loops::estimates(d) {
                (loops.whole_cycles(d, shape), "TRM loop timings")
            } else {
                let ipm = instructions / shape.macs.max(1) as f64;
                ((ipm, 2.0 * ipm), "instructions x 1-2 cycles")
            };
            CoreFigures {
                name: d.board.name,
                core: d.board.core,
                instructions,
                zero_wait,
                how,
            }
        })
        .collect()
}

/// The reference board's layouts: the M4F's zero-wait figure and the 16-bit weight layout.
fn reference_layouts(
    ad_devices: &[Device],
    loops: &Loops,
    shape: &ModelShape,
) -> Option<ReferenceLayouts> {
    let m4 = ad_devices.iter().find(|d| d.board.name == "m4f")?;
    let widened = prewidened_m4_cycles();
    Some(ReferenceLayouts {
        sram: loops.whole_cycles(m4, shape),
        prewidened: whole_inference_cycles(
            m4.m.instructions(),
            shape.macs,
            shape.m4_loop_passes,
            loops.m4,
            widened,
        ),
        prewidened_loop: (widened.best, widened.worst),
    })
}

/// The device figures as JSON, for scripts: per model, per board; the AD model's
/// real-memory comparison under `mlperf_ad.real_memory`.
fn benchmarks_json(
    models: &[(&str, &[Device], &ModelShape, usize)],
    loops: &Loops,
    real_memory: serde_json::Value,
    host_batches: serde_json::Value,
    training: serde_json::Value,
    python: serde_json::Value,
) -> String {
    let mut out = serde_json::Map::new();
    out.insert("python".to_string(), python);
    out.insert("host_batches".to_string(), host_batches);
    out.insert("training".to_string(), training);
    for (name, devices, shape, samples_bytes) in models {
        let macs = &shape.macs;
        let mut boards = serde_json::Map::new();
        for d in devices.iter() {
            let instructions = d.m.instructions();
            let inner = loops.inner_per_mac(d);
            let (best, worst) = loops.whole_cycles(d, shape);
            // Estimated only for the cores whose TRM timings the estimate uses.
            let estimated = Loops::estimates(d);
            let whole = estimated.then(|| serde_json::json!({ "best": best, "worst": worst }));
            let (best, worst) = loops.cycles(d).per_mac();
            let inner_cycles =
                estimated.then(|| serde_json::json!({ "best": best, "worst": worst }));
            boards.insert(
                d.board.name.to_string(),
                serde_json::json!({
                    "core": d.board.core,
                    "qemu_machine": d.board.machine,
                    "instructions_per_inference": instructions.round(),
                    "instructions_per_mac": instructions / *macs as f64,
                    "inner_loop_instructions_per_mac": inner,
                    // QEMU counts instructions, never cycles: an estimate from the TRM's
                    // timings (Cortex-M4; Cortex-M0+ for the Armv6-M build).
                    "estimated_cycles_per_mac": whole,
                    "inner_loop_estimated_cycles_per_mac": inner_cycles,
                    "ram_bytes": d.m.runtime_ram(),
                    // Runtime code and the model file; the test samples left out.
                    "flash_bytes": d.f.text + d.f.rodata - *samples_bytes as u64,
                }),
            );
        }
        let mut entry = serde_json::json!({ "macs_per_inference": macs, "boards": boards });
        if *name == "mlperf_ad" {
            entry["real_memory"] = real_memory.clone();
        }
        out.insert((*name).to_string(), entry);
    }
    serde_json::to_string_pretty(&serde_json::Value::Object(out)).unwrap_or_default() + "\n"
}

/// MLPerf Tiny's anomaly-detection model on the boards it fits, beside the published
/// results of that benchmark.
fn render_mlperf_ad(devices: &[Device], ad: &Prepared, loops: &Loops) -> String {
    use crate::bench::mlperf::{AD_MACS, PUBLISHED, REFERENCE_ARENA_BYTES};
    let samples = ad.samples_bytes as u64;
    let mut md = format!(
        "\n## MLPerf Tiny's anomaly-detection model\n\n\
         The DCASE 2020 ToyCar autoencoder of MLPerf Tiny (640 -> 128 x4 -> 8 -> 128 x4 -> \
         640, BatchNorm + ReLU, {AD_MACS:.0} MACs; the README's command builds it), trained \
         for 5 epochs on generated log-mel frames (`generate --recipe log-mel-frames`: \
         ToyCar audio cannot be downloaded here, so **no AUC on ToyCar is measured**; speed \
         and size do not depend on the weights' values). model.bin: {} bytes. Timed: one \
         whole `Model::detect` on a float sample — input quantization, 10 layers, score, \
         verdict. The Armv6-M build runs on the MPS2 AN385 (a Cortex-M3: QEMU's only \
         Armv6-M board, the micro:bit, has 256 KiB of flash); the same Thumb instructions \
         execute, so the count is the Cortex-M0's (the QEMU test checks both boards agree \
         on the seed model). These are **instruction** counts (cycles: see below).\n\n\
         | core (QEMU board) | instructions per inference | per MAC | runtime RAM (stack + scratch + handle) | flash: runtime code | flash: model file |\n\
         |---|---|---|---|---|---|\n",
        ad.model_bytes
    );
    for d in devices {
        let code = d.f.text + d.f.rodata - samples - ad.model_bytes as u64;
        let _ = writeln!(
            md,
            "| {} ({}) | {:.0} | {:.2} | {} B ({} + {} + {}) | {} B | {} B |",
            d.board.core,
            d.board.machine,
            d.m.instructions(),
            d.m.instructions() / AD_MACS,
            d.m.runtime_ram(),
            d.m.runtime_stack,
            d.m.scratch_bytes,
            d.m.handle_bytes,
            code,
            ad.model_bytes
        );
    }
    if let Some(line) = riscv_against_m0(devices, loops, AD_MACS) {
        let _ = writeln!(md, "\n{line}");
    }
    let _ = writeln!(
        md,
        "\nThe MLPerf Tiny reference implementation (TensorFlow Lite Micro) gives this model \
         a {} KiB tensor arena.\n\n\
         Published results of the same model, converted to cycles per MAC (clock / \
         throughput / {AD_MACS:.0}); each throughput is the median line of the cited results \
         file:\n\n\
         | engine (MLPerf Tiny round) | board, core, clock | inferences/s | cycles per MAC | source |\n\
         |---|---|---|---|---|",
        REFERENCE_ARENA_BYTES / 1024
    );
    for p in PUBLISHED {
        let _ = writeln!(
            md,
            "| {} | {} | {:.3} | {:.2} | `{}` |",
            p.engine,
            p.board,
            p.inferences_per_second,
            p.cycles_per_mac(),
            p.source
        );
    }
    let (best, worst) = loops.m4_cycles.per_mac();
    let (m0_best, _) = loops.m0_cycles.per_mac();
    let _ = writeln!(
        md,
        "\n**Cycles, estimated (not measured).** The Cortex-M4 inner loop ({} instructions, \
         {} MACs) takes {}-{} cycles by the Cortex-M4 TRM's timings (ARM DDI 0439B, table \
         3-1; zero-wait-state memory; `LDM` of N registers 1 + N; `LDRD` 3; `LDR` 2, 1 right \
         after another `LDR`; `SXTB16`, `SMLAD`, `SUBS` 1; the taken `BNE` 1 + P with a \
         pipeline refill P of 1 to 3): **{best:.2}-{worst:.2} cycles per MAC in the inner \
         loop**. The Armv6-M loop ({} instructions, {} MACs) takes {} cycles on a Cortex-M0+ \
         (ARM DDI 0484C: loads 2, `MULS` 1 with the single-cycle multiplier, taken branch 2): \
         {m0_best:.2} per MAC. For the whole inference, the inner loop's passes (counted from \
         the model's shape) take those cycles and every other instruction of the measured \
         count is assumed to take 1 (best) to 2 (worst) cycles:\n\n\
         | core | estimated cycles per MAC, whole AD inference (zero-wait-state memory) | best published on that core (cycles per MAC) |\n\
         |---|---|---|",
        loops.m4.instructions,
        loops.m4.macs,
        loops.m4_cycles.best,
        loops.m4_cycles.worst,
        loops.m0.instructions,
        loops.m0.macs,
        loops.m0_cycles.best,
    );
    for d in devices.iter().filter(|d| Loops::estimates(d)) {
        let (b, w) = loops.whole_cycles(d, &ad.shape);
        // The best published result on the core this board stands for.
        let published = PUBLISHED
            .iter()
            .filter(|p| p.emulated_as == d.board.name)
            .min_by(|a, b| a.cycles_per_mac().total_cmp(&b.cycles_per_mac()))
            .map_or("-".to_string(), |p| {
                format!("{}, {}: {:.2}", p.engine, p.board, p.cycles_per_mac())
            });
        let _ = writeln!(md, "| {} | {b:.2}-{w:.2} | {published} |", d.board.core);
    }
    let goal = |core: &str, goal: f64, target: &str| {
        devices
            .iter()
            .find(|d| d.board.target == target)
            .map(|d| {
                let v = d.m.instructions() / AD_MACS;
                format!(
                    "| {core}: <= {goal} instructions per MAC, whole AD inference | {v:.2} | {} |\n",
                    yes(v <= goal)
                )
            })
            .unwrap_or_default()
    };
    md.push_str("\n| goal (issue 13) | measured | |\n|---|---|---|\n");
    md.push_str(&goal("Cortex-M4F", 1.5, "thumbv7em-none-eabihf"));
    md.push_str(&goal("Armv6-M", 5.0, "thumbv6m-none-eabi"));
    for d in devices.iter().filter(|d| Loops::estimates(d)) {
        let (core, bound) = if Loops::is_m0(d) {
            ("Armv6-M (Cortex-M0+ timings)", 11.28)
        } else {
            ("Cortex-M4F", 2.53)
        };
        let (b, w) = loops.whole_cycles(d, &ad.shape);
        let _ = writeln!(
            md,
            "| {core}: estimated cycles per MAC below {bound} (worst case of the estimate) | {b:.2}-{w:.2} | {} |",
            yes(w < bound)
        );
    }
    for d in devices {
        let _ = writeln!(
            md,
            "| {}: runtime RAM <= 3 KiB for the AD model | {} B | {} |",
            d.board.core,
            d.m.runtime_ram(),
            yes(d.m.runtime_ram() <= 3 * 1024)
        );
    }
    md
}

/// How `bottleneck train`'s cost grows with the data (issue 13's host goals).
fn render_scaling(runs: &[crate::bench::training::ScalingRun]) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "\n## Host scaling\n\n\
         `bottleneck generate --samples N`, then `bottleneck train --data ... --label-column \
         label --epochs 5` (the shared dev profile, dependencies optimized, as the README runs \
         it), one run each; 67 % of the rows train. \"Everything else\" is the whole process \
         minus the epochs: reading the CSV, scaling, three logistic-regression fits (raw, \
         bottleneck and int8 device features), quantization and its calibration, the \
         reference inference and the reports. Peak memory: the process's resident peak.\n\n\
         | training rows | autoencoder (5 epochs) | everything else | whole process | peak memory | training data as f32 |\n\
         |---|---|---|---|---|---|"
    );
    for r in runs {
        let _ = writeln!(
            md,
            "| {} | {:.1} s | {:.1} s | {:.1} s | {:.0} MB | {:.1} MB |",
            r.train_rows,
            r.epochs_seconds,
            r.other_seconds(),
            r.total_seconds,
            r.peak_bytes as f64 / 1e6,
            r.data_bytes() as f64 / 1e6
        );
    }
    if let (Some(mid), Some(big)) = (runs.get(runs.len().wrapping_sub(2)), runs.last()) {
        let growth = (big.other_seconds() / big.train_rows as f64)
            / (mid.other_seconds() / mid.train_rows as f64);
        let _ = writeln!(
            md,
            "\n| goal (issue 13) | measured | |\n|---|---|---|\n\
             | everything but the epochs grows at most linearly ({} -> {} rows) | {:.2}x the \
             time per row | {} |\n\
             | everything but the epochs <= 3 s at {} rows | {:.1} s | {} |\n\
             | peak memory <= 3x the training data as f32 at {} rows | {:.0} MB vs {:.0} MB | {} |",
            mid.train_rows,
            big.train_rows,
            growth,
            yes(growth <= 1.1),
            big.train_rows,
            big.other_seconds(),
            yes(big.other_seconds() <= 3.0),
            big.train_rows,
            big.peak_bytes as f64 / 1e6,
            3.0 * big.data_bytes() as f64 / 1e6,
            yes(big.peak_bytes <= 3 * big.data_bytes())
        );
    }
    md
}

/// How RISC-V compares per MAC with the other core without SIMD, the Cortex-M0's Thumb-1
/// path, on the model `devices` ran
/// (`macs` per inference).
fn riscv_against_m0(devices: &[Device], loops: &Loops, macs: f64) -> Option<String> {
    let rv = devices.iter().find(|d| d.board.is_riscv())?;
    let m0 = devices.iter().find(|d| Loops::is_m0(d))?;
    let per_mac = |d: &Device| d.m.instructions() / macs;
    Some(format!(
        "{} against the {}, the other core without SIMD: {:.2} instructions per MAC against \
         {:.2} for the whole inference ({:.2}x), {:.2} against {:.2} in the inner loops. \
         RV32IMC has no multiply-accumulate and no register-plus-register addressing, so a \
         MAC is at least a byte load, a multiply and an add there; its kernel \
         (`riscv32.rs`) lets eight weight rows share each input load and unrolls eight \
         columns, so the nine pointer increments and the branch are paid once per 64 MACs. \
         The Thumb-1 loop needs the same three instructions per MAC and one shared index.",
        rv.board.core,
        m0.board.core,
        per_mac(rv),
        per_mac(m0),
        per_mac(rv) / per_mac(m0),
        loops.rv32.per_mac(),
        loops.m0.per_mac(),
    ))
}

/// Instructions per MAC of the Cortex-M and RISC-V inner loops, counted in the kernels'
/// source.
struct Loops {
    m4: LoopCount,
    m0: LoopCount,
    rv32: LoopCount,
    /// The Helium loop (Cortex-M55/M85).
    mve: LoopCount,
    /// The Cortex-M4 loop's estimated cycles (TRM timings).
    m4_cycles: CycleEstimate,
    /// The Armv6-M loop's estimated cycles on a Cortex-M0+ (TRM timings).
    m0_cycles: CycleEstimate,
}

impl Loops {
    fn is_m0(d: &Device) -> bool {
        d.board.target == "thumbv6m-none-eabi"
    }

    /// Instructions per MAC of the assembly inner loop `d` runs: the Thumb-1 one on
    /// Armv6-M, the DSP one on the other Arm cores, RV32IMC's on RISC-V.
    fn inner_per_mac(&self, d: &Device) -> Option<f64> {
        if d.board.is_riscv() {
            Some(self.rv32.per_mac())
        } else if d.board.name == "m55" {
            Some(self.mve.per_mac())
        } else if Self::is_m0(d) {
            Some(self.m0.per_mac())
        } else {
            Some(self.m4.per_mac())
        }
    }

    /// Whether cycles are estimated for `d`'s core: the Cortex-M4 (its TRM's timings) and
    /// the Armv6-M build (the Cortex-M0+'s). The Cortex-M7 (dual issue) and Cortex-M33 run
    /// the M4's kernels with other timings that are not modelled here: their instruction
    /// counts stand alone.
    fn estimates(d: &Device) -> bool {
        Self::is_m0(d) || d.board.core == "Cortex-M4F"
    }

    /// The estimated cycles of the inner loop `d` runs.
    fn cycles(&self, d: &Device) -> CycleEstimate {
        if Self::is_m0(d) {
            self.m0_cycles
        } else {
            self.m4_cycles
        }
    }

    /// Whole-inference cycles per MAC on `d`, best and worst
    /// ([`whole_inference_cycles`]).
    fn whole_cycles(&self, d: &Device, shape: &ModelShape) -> (f64, f64) {
        let (inner, passes) = if Self::is_m0(d) {
            (self.m0, shape.m0_loop_passes)
        } else {
            (self.m4, shape.m4_loop_passes)
        };
        whole_inference_cycles(
            d.m.instructions(),
            shape.macs,
            passes,
            inner,
            self.cycles(d),
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn render(
    machine: &Machine,
    host: &Host,
    training: &TrainingRuns,
    devices: &[Device],
    layout: &FileLayout,
    shape: &ModelShape,
    embedded: u64,
    loops: &Loops,
) -> String {
    let mut md = String::new();
    let us = |e: &Estimate, n: f64| e.median_ns / n / 1000.0;
    let rt1 = us(&host.runtime_1, 1.0);
    let dots1 = us(&host.dots_1, 1.0);
    let burn1 = us(&host.burn_1, 1.0);
    let rt330 = us(&host.runtime_330, 330.0);
    let burn330 = us(&host.burn_330, 330.0);
    let report = &training.report;
    let device_metrics = report.device.as_ref();
    // The seed model classifies: its report always has the accuracies.
    let accuracy = report
        .accuracy
        .clone()
        .unwrap_or(bottleneck_trainer::report::Accuracies {
            raw_features: f64::NAN,
            bottleneck_features: f64::NAN,
            unseen_label_rows: 0,
        });
    let train_s = training.median_seconds();
    let (seed_model, macs, rows) = (&shape.description, shape.macs, shape.rows);

    let _ = writeln!(
        md,
        "# Benchmarks\n\n\
         Generated by `cargo xtask bench` on {date}; do not edit by hand (rerun the command).\n\n\
         **Machine:** {cpu}, {cpus} logical CPUs, {mem:.0} GiB RAM, {os}. \
         **Tools:** {rustc}; {qemu}.\n\n\
         Seed model: the default `bottleneck train` problem and settings ({seed_model}), \
         {macs} multiply-accumulates (MACs) and {rows} output rows per inference.\n",
        date = machine.date,
        cpu = machine.cpu,
        cpus = machine.cpus,
        mem = machine.memory_gib,
        os = machine.os,
        rustc = machine.rustc,
        qemu = machine.qemu,
    );

    // ---- goals
    let devices_by = |core: &str| devices.iter().find(|d| d.board.core == core);
    let per_mac = |d: &Device| d.m.instructions() / macs as f64;
    let _ = writeln!(md, "## Goals\n\n| goal | measured | |\n|---|---|---|");
    let ratio1 = burn1 / rt1;
    let _ = writeln!(
        md,
        "| host: >= 50x burn-ndarray batch-1 throughput | {ratio1:.1}x ({rt1:.2} us vs {burn1:.2} us) | {} |",
        yes(ratio1 >= 50.0)
    );
    for (core, goal, lp) in [
        ("Cortex-M4F", 1.5, loops.m4.per_mac()),
        ("Cortex-M0", 6.0, loops.m0.per_mac()),
    ] {
        if let Some(d) = devices_by(core) {
            let _ = writeln!(
                md,
                "| {core}: <= {goal} instructions per MAC | {:.2} per MAC over the whole inference (inner loop {lp:.2}) | {} |",
                per_mac(d),
                yes(per_mac(d) <= goal)
            );
        }
    }
    // Like for like: the autoencoder's 200 epochs against PyTorch's, same machine, same run.
    let epochs_s = report.autoencoder.training_seconds;
    let autodiff_s = training.autodiff_epochs_seconds;
    match training.pytorch_seconds {
        Some(py) => {
            let _ = writeln!(
                md,
                "| training at <= 0.25x PyTorch's wall time (issue 28; 200 epochs, same run) | {epochs_s:.1} s vs {py:.1} s = {:.2}x (burn's autodiff engine: {autodiff_s:.1} s = {:.2}x), bottleneck-feature accuracy {:.3} | {} |",
                epochs_s / py,
                autodiff_s / py,
                accuracy.bottleneck_features,
                yes(epochs_s <= 0.25 * py)
            );
        }
        None => {
            let _ = writeln!(
                md,
                "| training at <= 0.25x PyTorch's wall time (issue 28; 200 epochs, same run) | {epochs_s:.1} s (burn's autodiff engine: {autodiff_s:.1} s); PyTorch is not installed here (`pip install torch`), so no ratio: another machine's seconds are not a comparison | — |"
            );
        }
    }
    let peak = training.peak_bytes.iter().copied().max().unwrap_or(0);
    match training.pytorch_peak_bytes {
        Some(py) => {
            let _ = writeln!(
                md,
                "| peak memory at most PyTorch's (whole process, same run) | {:.0} MB vs {:.0} MB = {:.2}x | {} |",
                peak as f64 / 1e6,
                py as f64 / 1e6,
                peak as f64 / py as f64,
                yes(peak <= py)
            );
        }
        None => {
            let _ = writeln!(
                md,
                "| peak memory at most PyTorch's (whole process, same run) | {:.0} MB; PyTorch is not installed here, so no ratio | — |",
                peak as f64 / 1e6
            );
        }
    }
    let _ = writeln!(
        md,
        "| model file <= 1.1 x parameter count | {:.3} x ({} bytes, {} parameters) | {} |",
        layout.ratio(),
        layout.total,
        layout.parameters,
        yes(layout.ratio() <= 1.1)
    );
    for d in devices {
        let ram = d.m.runtime_ram();
        let _ = writeln!(
            md,
            "| runtime RAM <= 2 KiB incl. stack ({}) | {ram} bytes | {} |",
            d.board.core,
            yes(ram <= 2048)
        );
    }

    // ---- reasons for goals not met
    let mut reasons = String::new();
    if ratio1 < 50.0 {
        let needed_us = burn1 / 50.0;
        let _ = writeln!(
            reasons,
            "- **Host, 50x burn.** burn-ndarray's batch-1 forward pass already takes only \
             {burn1:.1} us here (its matrixmultiply kernels use the CPU's FMA units even for one \
             row), so 50x would mean {needed_us:.2} us per sample: {:.0} G MACs per second on \
             one core. The runtime's dot products alone, with nothing else, run at {:.1} G \
             MACs/s ({dots1:.2} us per sample): AVX2 has no int8 x int8 dot instruction, so \
             every 16 MACs take a sign-extending load, a `vpmaddwd` and an add. 50x is out of \
             reach of the dot products by themselves, before any requantization.",
            macs as f64 / (needed_us * 1000.0),
            macs as f64 / (dots1 * 1000.0),
        );
    }
    for (core, goal, lp) in [
        ("Cortex-M4F", 1.5, loops.m4.per_mac()),
        ("Cortex-M0", 6.0, loops.m0.per_mac()),
    ] {
        let Some(d) = devices_by(core) else { continue };
        if per_mac(d) <= goal {
            continue;
        }
        let inner = lp * macs as f64;
        let rest = d.m.instructions() - inner;
        let _ = writeln!(
            reasons,
            "- **{core}, {goal} per MAC.** The inner loop meets it: {lp:.2} instructions per MAC, \
             about {inner:.0} instructions for the {macs} MACs. The other ~{rest:.0} \
             instructions (~{:.0} per output row) are per-row work (requantization, the channel \
             record, loop bookkeeping) and the 100 float input quantizations; {goal} overall \
             leaves under {:.0} instructions per row for all of that. This model's rows are \
             short (100 to 200 inputs), so the fixed per-row cost weighs more than on MLPerf \
             Tiny's model below.",
            rest / rows as f64,
            ((goal - lp) * macs as f64 / rows as f64).max(0.0)
        );
    }
    if let Some(py) = training.pytorch_seconds.filter(|&py| epochs_s > 0.25 * py) {
        let _ = writeln!(
            reasons,
            "- **Training.** The autoencoder's 200 epochs take {epochs_s:.1} s, PyTorch's \
             {py:.1} s on this machine in the same run: {:.2}x, above the 0.25x goal.",
            epochs_s / py
        );
    }
    if layout.ratio() > 1.1 {
        let min = layout.scheme_minimum();
        let _ = writeln!(
            reasons,
            "- **Model file, 1.1x.** Weights, biases and per-channel requantization alone take \
             {min} bytes = {:.3}x the parameter count; the per-feature input affine ({} bytes), \
             the training columns' names ({} bytes, which `eval` and `predict` match columns \
             by), the rows' word padding ({} bytes), the {} golden vectors ({} bytes) and the \
             rest ({} bytes) come on top.",
            min as f64 / layout.parameters as f64,
            layout.input_affine_bytes,
            layout.name_bytes,
            layout.row_padding_bytes,
            layout.golden_count,
            layout.golden_bytes,
            layout.other_bytes,
        );
    }
    for d in devices {
        if d.m.runtime_ram() > 2048 {
            let _ = writeln!(
                reasons,
                "- **RAM ({}).** {} bytes exceed 2 KiB.",
                d.board.core,
                d.m.runtime_ram()
            );
        }
    }
    if !reasons.is_empty() {
        let _ = writeln!(md, "\n### Goals not met, and why\n\n{reasons}");
    }

    // ---- host inference
    let _ = writeln!(
        md,
        "\n## Host inference\n\n\
         `cargo bench --profile dev -p xtask --bench inference` (criterion, the shared dev profile, \
         in which the runtime is optimised and built without overflow checks as in release; one \
         thread). Both sides classify raw (unscaled) test rows of the seed model: the runtime \
         quantizes the f32 input and runs the int8 encoder and head (`Model::infer`, AVX2 \
         kernels chosen at run time; batched below); burn-ndarray runs the float scaler, encoder and logistic \
         regression as one burn graph (`Encoder::forward` + matmul) and reads the logits back. \
         Batch 330 is the whole test split: one burn call on a 330-row tensor, 330 runtime \
         calls. The bench checks that both agree on at least 95% of the classes before timing.\n\n\
         | batch | runtime int8: median per sample | samples/s | burn-ndarray f32: median per sample | samples/s | runtime / burn throughput |\n\
         |---|---|---|---|---|---|"
    );
    let dots_table = format!(
        "\nOf the runtime's batch-1 time, the dot products alone (`runtime-int8-dots-only`: the \
         same backend on the same weights, no requantization or input quantization) take \
         {dots1:.3} us, {:.1} G MACs/s.\n",
        macs as f64 / (dots1 * 1000.0)
    );
    for (batch, rt, burn, e_rt, e_burn) in [
        (1, rt1, burn1, &host.runtime_1, &host.burn_1),
        (330, rt330, burn330, &host.runtime_330, &host.burn_330),
    ] {
        let _ = writeln!(
            md,
            "| {batch} | {rt:.3} us (MAD {:.3}) | {:.0} | {burn:.3} us (MAD {:.3}) | {:.0} | {:.1}x |",
            e_rt.mad_ns / batch as f64 / 1000.0,
            1e6 / rt,
            e_burn.mad_ns / batch as f64 / 1000.0,
            1e6 / burn,
            burn / rt
        );
    }

    md.push_str(&dots_table);

    // ---- training
    let times: Vec<String> = training.seconds.iter().map(|s| format!("{s:.2}")).collect();
    let _ = writeln!(
        md,
        "\n## Training\n\n\
         `bottleneck train --out <tmp> -q` built in the shared dev profile (dependencies and the \
         trainer optimised, no debug assertions), default problem and settings \
         (200 epochs, batch 16, Adam; then both logistic regressions, quantization, export and \
         plots), timed wall-clock end to end, {} runs: {} s.\n\n\
         | | seconds, 200 epochs |\n|---|---|\n\
         | `bottleneck train` (median, whole command) | {train_s:.1} |\n\
         | of which the autoencoder's 200 epochs, in the last run ({:.1} s in all) | {:.1} |\n\
         | the same 200 epochs with `--engine autodiff` (burn's autodiff and Adam; one run) | {:.1} |\n\
         | the same model in PyTorch (`scripts/pytorch_reference.py`, this machine, this run) | {} |\n\n\
         Peak resident memory of the whole process (`wait4`'s `ru_maxrss`): `bottleneck train` \
         {:.0} MB (largest of the runs); the PyTorch reference {}.\n",
        times.len(),
        times.join(", "),
        training.seconds.last().copied().unwrap_or(f64::NAN),
        report.autoencoder.training_seconds,
        training.autodiff_epochs_seconds,
        training.pytorch_seconds.map_or(
            "not installed here (`pip install torch`)".to_string(),
            |s| format!("{s:.1}")
        ),
        training.peak_bytes.iter().copied().max().unwrap_or(0) as f64 / 1e6,
        training
            .pytorch_peak_bytes
            .map_or("not measured (torch not installed)".to_string(), |b| {
                format!("{:.0} MB", b as f64 / 1e6)
            }),
    );
    let _ = writeln!(
        md,
        "Accuracy of the last run on the 330 test rows: logistic regression on raw features \
         {:.3}, on bottleneck features {:.3}{}.",
        accuracy.raw_features,
        accuracy.bottleneck_features,
        device_metrics
            .map(|d| format!(", int8 model on the device path {:.3}", d.device_accuracy))
            .unwrap_or_default()
    );

    // ---- device
    let _ = writeln!(
        md,
        "\n## Device (QEMU)\n\n\
         The seed model (200 epochs) and 20 test samples are built into `examples/firmware` \
         (release) and run under `qemu-system-arm -icount shift=0`; the firmware times one \
         `infer_quantized` with SysTick and converts ticks to instructions with a calibration \
         loop of known length. The QEMU parity test checks the same firmware's outputs bit for \
         bit against the host. Inner-loop figures are counted from the assembly in \
         `runtime/src/kernels/arm_dsp_dense.rs` (Cortex-M4: {} instructions per {} MACs; CMSIS-NN's \
         int8 fully-connected loop does 8 MACs with 4 `SMLAD`), `arm_thumb_quad.rs` (Cortex-M0: \
         {} per {} MACs) and `riscv32.rs` (RV32IMC: {} per {} MACs).\n\n\
         | core (QEMU board) | instructions per inference | per MAC | inner loop per MAC |\n\
         |---|---|---|---|",
        loops.m4.instructions,
        loops.m4.macs,
        loops.m0.instructions,
        loops.m0.macs,
        loops.rv32.instructions,
        loops.rv32.macs,
    );
    for d in devices {
        let lp = loops
            .inner_per_mac(d)
            .map_or("- (portable loop)".to_string(), |v| format!("{v:.2}"));
        let _ = writeln!(
            md,
            "| {} ({}) | {:.0} | {:.2} | {lp} |",
            d.board.core,
            d.board.machine,
            d.m.instructions(),
            per_mac(d)
        );
    }
    if let Some(line) = riscv_against_m0(devices, loops, shape.macs as f64) {
        let _ = writeln!(md, "\n{line}");
    }

    // ---- memory
    let _ = writeln!(
        md,
        "\n## Memory\n\n\
         ### Model file\n\n\
         | part | bytes |\n|---|---|\n\
         | int8 weights | {} |\n| int32 biases | {} |\n\
         | requantization (multiplier + shift per channel; LeakyReLU slope per layer) | {} |\n\
         | input affine (scaler folded into input quantization, 2 x f32 per feature) | {} |\n\
         | training columns' names (format version 3) | {} |\n\
         | zero padding of weight rows to whole words (version 3) | {} |\n\
         | golden vectors ({}) | {} |\n\
         | header, CRC, dimensions, labels, length prefixes | {} |\n\
         | **total** | **{}** = {:.3} x {} parameters |\n",
        layout.weight_bytes,
        layout.bias_bytes,
        layout.requant_bytes,
        layout.input_affine_bytes,
        layout.name_bytes,
        layout.row_padding_bytes,
        layout.golden_count,
        layout.golden_bytes,
        layout.other_bytes,
        layout.total,
        layout.ratio(),
        layout.parameters
    );
    let _ = writeln!(
        md,
        "### RAM and flash on the devices\n\n\
         Runtime RAM = the stack one `infer_quantized` call uses below its caller (stack \
         painting) + `Scratch<200>` (three int8 buffers on the Cortex-M0 and RISC-V; one int8 \
         buffer and the input widened to halfwords on the DSP cores) + the \
         `Model` handle; the weights stay in flash. The demo firmware's own peak stack \
         (sample buffers, semihosting output) is shown for comparison.\n\n\
         | core | runtime stack | scratch | model handle | runtime RAM | flash (.text + .rodata) | flash without model and samples | static RAM | demo peak stack |\n\
         |---|---|---|---|---|---|---|---|---|"
    );
    for d in devices {
        let flash = d.f.text + d.f.rodata;
        let _ = writeln!(
            md,
            "| {} | {} B | {} B | {} B | **{} B** | {} B | {} B | {} B | {} B |",
            d.board.core,
            d.m.runtime_stack,
            d.m.scratch_bytes,
            d.m.handle_bytes,
            d.m.runtime_ram(),
            flash,
            flash.saturating_sub(embedded),
            d.f.data + d.f.bss,
            d.m.peak_stack
        );
    }
    md
}
