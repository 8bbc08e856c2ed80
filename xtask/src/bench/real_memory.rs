//! BENCHMARKS.md's comparison with MLPerf Tiny's published AD results on real memory:
//! every published row beside our estimate for the same core at the same clock with the
//! weights where a deployment on that chip keeps them (`cycle_model.rs`), the layouts of
//! the reference board, and CMSIS-NN's kernel on the same layers under the same QEMU.

use std::fmt::Write as _;

use crate::bench::cycle_model::{WeightStore, inferences_per_second, with_memory};
use crate::bench::mlperf::{AD_MACS, PUBLISHED, STM32L4R5_FLASH};

/// One QEMU board's figures for the AD model.
#[derive(Debug, Clone)]
pub struct CoreFigures {
    /// The `BOARDS` name.
    pub name: &'static str,
    /// The core, for tables.
    pub core: &'static str,
    /// Measured instructions per inference.
    pub instructions: f64,
    /// Cycles per MAC with zero-wait-state memory, best and worst.
    pub zero_wait: (f64, f64),
    /// How `zero_wait` was estimated.
    pub how: &'static str,
}

/// CMSIS-NN's kernel on the AD model's layers beside our whole inference, on one core.
#[derive(Debug, Clone)]
pub struct CmsisNnRun {
    /// The core, for tables.
    pub core: &'static str,
    /// Instructions of CMSIS-NN's ten layers, or why they were not measured.
    pub theirs: Result<u64, String>,
    /// Instructions of our whole inference on the same QEMU board.
    pub ours: f64,
}

/// The reference board's layouts: the model in flash (dual- and single-bank reads), copied
/// to SRAM, and the 16-bit layout the estimate says would close the gap.
#[derive(Debug, Clone, Copy)]
pub struct ReferenceLayouts {
    /// The Cortex-M4F's zero-wait figure (the SRAM copy), best and worst.
    pub sram: (f64, f64),
    /// With weights stored as sign-extended halfword pairs in SRAM (not implemented).
    pub prewidened: (f64, f64),
    /// That loop's cycles per 64 MACs, best and worst.
    pub prewidened_loop: (u32, u32),
}

/// Bytes of the model file, read once per inference in the memory model.
fn streamed(model_bytes: usize) -> f64 {
    model_bytes as f64
}

/// The section.
pub fn render(
    cores: &[CoreFigures],
    model_bytes: usize,
    layouts: Option<ReferenceLayouts>,
    cmsis: &[CmsisNnRun],
) -> String {
    let bytes = streamed(model_bytes);
    let mut md = format!(
        "\n### Cycles on real memory (estimated, not measured)\n\n\
         QEMU counts instructions; a board's cycles also depend on where the weights live. \
         The estimate per core: the inner loop at its Technical Reference Manual timings \
         where the benchmark models them (Cortex-M4 and M0+, above) and every other measured \
         instruction at 1 to 2 cycles; on the other cores every instruction at 1 to 2 cycles \
         (the M7's dual issue and the Helium cores' overlapped beats can only lower that). \
         Then the memory: every byte of the model file ({model_bytes} bytes, an upper bound: \
         the names are never read) is read once per inference in fetches of the memory's \
         width, each stalling the core for the memory's wait states, since a load waits for \
         its data and no cache holds a weight twice. Instruction fetches are not charged \
         (the kernels' loops fit the smallest instruction cache here, the ART's 1 KiB). The \
         error bars are the spread between the best and the worst case of both parts.\n\n\
         Where the weights live, per chip: flash where the chip's SRAM cannot hold the \
         model or the row is MLPerf Tiny's reference board (a deployment there reads the \
         model in place); otherwise SRAM (the chip holds a copy).\n\n"
    );
    let mut seen = Vec::new();
    for p in PUBLISHED {
        if let WeightStore::Flash(t) = p.weights
            && !seen.contains(&t.basis)
        {
            seen.push(t.basis);
            let _ = writeln!(md, "- {}: {}.", p.board, t.basis);
        }
    }
    let _ = writeln!(
        md,
        "\nEvery published row beside our estimate for the same core at the same clock \
         (the row's own clock over {AD_MACS:.0} MACs times our cycles per MAC):\n\n\
         | engine (MLPerf Tiny round) | board, core, clock | published inferences/s | published cycles per MAC | weights in | Bottleneck: estimated cycles per MAC | Bottleneck: estimated inferences/s | estimate from | measured on hardware |\n\
         |---|---|---|---|---|---|---|---|---|"
    );
    for p in PUBLISHED {
        let Some(c) = cores.iter().find(|c| c.name == p.emulated_as) else {
            continue;
        };
        let (best, worst) = with_memory(c.zero_wait, &p.weights, bytes, AD_MACS);
        let rate = |cpm: f64| inferences_per_second(p.clock_hz, cpm, AD_MACS);
        let measured = match p.hardware {
            Some(h) => format!("not yet (`boards/{h}`, `bottleneck device`)"),
            None => "no board crate".into(),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {:.3} | {:.2} | {} | {best:.2}-{worst:.2} | {:.0}-{:.0} | {} ({}) | {measured} |",
            p.engine,
            p.board,
            p.inferences_per_second,
            p.cycles_per_mac(),
            p.weights.label(),
            rate(worst),
            rate(best),
            c.name,
            c.how,
        );
    }
    if let (Some(l), Some(m4)) = (layouts, cores.iter().find(|c| c.name == "m4f")) {
        md.push_str(&render_reference(l, m4, bytes));
    }
    md.push_str(&render_cmsis_nn(cmsis));
    md
}

/// The reference board's layouts and the goal.
fn render_reference(l: ReferenceLayouts, m4: &CoreFigures, bytes: f64) -> String {
    let plumerai = PUBLISHED
        .iter()
        .filter(|p| p.hardware == Some("nucleo-l4r5zi"))
        .map(|p| p.cycles_per_mac())
        .fold(f64::INFINITY, f64::min);
    let flash = with_memory(m4.zero_wait, &STM32L4R5_FLASH, bytes, AD_MACS);
    let (single, dual) = STM32L4R5_FLASH.stalls_per_mac(bytes, AD_MACS);
    let rate = |cpm: f64| inferences_per_second(120e6, cpm, AD_MACS);
    let mut md = format!(
        "\nThe Cortex-M4F on MLPerf Tiny's reference board (NUCLEO-L4R5ZI, 120 MHz) by where \
         the weights live. The flash costs {single:.2} (single-bank, 128-bit reads) to \
         {dual:.2} (dual-bank, 64-bit reads) cycles per MAC on top of the core. The last \
         row is a layout this project does not have: weights stored as sign-extended \
         halfword pairs in SRAM (twice the bytes: {:.0} KB of the chip's 640 KiB), which \
         drops the loop's `SXTB16`s: per 8 inputs of two rows one `LDM` of four input \
         words and one of four weight words per row (5 cycles each) and 8 `SMLAD`, so \
         {}-{} cycles per 64 MACs instead of the loop above; the other instructions as \
         measured.\n\n\
         | weights in | estimated cycles per MAC | estimated inferences/s at 120 MHz |\n\
         |---|---|---|\n",
        2.0 * AD_MACS / 1000.0,
        l.prewidened_loop.0,
        l.prewidened_loop.1,
    );
    for (place, (best, worst)) in [
        ("flash, as deployed (read in place)", flash),
        (
            "SRAM (the model copied at start-up: 296 KB of 640 KiB)",
            l.sram,
        ),
        (
            "SRAM, weights widened to 16 bits (not implemented)",
            l.prewidened,
        ),
    ] {
        let _ = writeln!(
            md,
            "| {place} | {best:.2}-{worst:.2} | {:.0}-{:.0} |",
            rate(worst),
            rate(best)
        );
    }
    let met = |worst: f64| {
        if worst < plumerai {
            "**met**"
        } else {
            "**not met**"
        }
    };
    let _ = writeln!(
        md,
        "\n| goal (issue 28) | estimated | |\n|---|---|---|\n\
         | Cortex-M4F, NUCLEO-L4R5ZI, weights in flash: below {plumerai:.2} cycles per MAC (Plumerai v1.1; worst case of the estimate) | {:.2}-{:.2} | {} |\n\
         | the same with the model copied to SRAM | {:.2}-{:.2} | {} |",
        flash.0,
        flash.1,
        met(flash.1),
        l.sram.0,
        l.sram.1,
        met(l.sram.1),
    );
    let verdict = |(best, worst): (f64, f64)| {
        if worst < plumerai {
            "beats it even in the worst case"
        } else if best < plumerai {
            "beats it in the best case, not in the worst"
        } else {
            "does not beat it"
        }
    };
    let _ = writeln!(
        md,
        "\nThe model's verdict on the reference board: with the weights read in place, this \
         runtime {} ({:.2}-{:.2} cycles per MAC against {plumerai:.2}); the flash's wait \
         states cost {single:.2}-{dual:.2} of that. Copied to SRAM, it {} ({:.2}-{:.2}): \
         the `SXTB16` + `SMLAD` loop itself is the gap. Widening the weights to 16 bits in \
         SRAM {} ({:.2}-{:.2}). Measuring a board would narrow the error bars.",
        verdict(flash),
        flash.0,
        flash.1,
        verdict(l.sram),
        l.sram.0,
        l.sram.1,
        verdict(l.prewidened),
        l.prewidened.0,
        l.prewidened.1,
    );
    md
}

/// CMSIS-NN's kernel on the same layers.
fn render_cmsis_nn(runs: &[CmsisNnRun]) -> String {
    let mut md = format!(
        "\n### CMSIS-NN on the same layers\n\n\
         CMSIS-NN's fully connected kernel `arm_nn_vec_mat_mult_t_s8` (commit {}, what \
         `arm_fully_connected_s8` calls; `xtask/cmsis-nn-bench/bench.c`) on the AD model's \
         ten layer sizes with per-tensor requantization, compiled with `arm-none-eabi-gcc \
         -O3` for each core and counted under the same QEMU: its Helium path on the \
         Cortex-M55, its DSP path on the M4F. Its figure is the ten layers alone; ours is \
         the whole `Model::detect` (input quantization and score included).\n\n\
         | core | CMSIS-NN, ten layers: instructions | per MAC | Bottleneck, whole inference | per MAC | Bottleneck / CMSIS-NN |\n\
         |---|---|---|---|---|---|\n",
        &crate::bench::cmsis_nn::CMSIS_NN_COMMIT[..8]
    );
    for r in runs {
        match &r.theirs {
            Ok(theirs) => {
                let theirs = *theirs as f64;
                let _ = writeln!(
                    md,
                    "| {} | {theirs:.0} | {:.2} | {:.0} | {:.2} | {:.2}x |",
                    r.core,
                    theirs / AD_MACS,
                    r.ours,
                    r.ours / AD_MACS,
                    r.ours / theirs
                );
            }
            Err(e) => {
                let _ = writeln!(
                    md,
                    "| {} | **not measured**: {e} | | {:.0} | | |",
                    r.core, r.ours
                );
            }
        }
    }
    md
}

/// The same figures for `benchmarks.json`.
pub fn json(cores: &[CoreFigures], model_bytes: usize, cmsis: &[CmsisNnRun]) -> serde_json::Value {
    let bytes = streamed(model_bytes);
    let published: Vec<serde_json::Value> = PUBLISHED
        .iter()
        .filter_map(|p| {
            let c = cores.iter().find(|c| c.name == p.emulated_as)?;
            let (best, worst) = with_memory(c.zero_wait, &p.weights, bytes, AD_MACS);
            Some(serde_json::json!({
                "engine": p.engine,
                "board": p.board,
                "published_cycles_per_mac": p.cycles_per_mac(),
                "weights_in": p.weights.label(),
                "estimated_cycles_per_mac": { "best": best, "worst": worst },
                "estimated_inferences_per_second": {
                    "low": inferences_per_second(p.clock_hz, worst, AD_MACS),
                    "high": inferences_per_second(p.clock_hz, best, AD_MACS),
                },
                "estimate_from": c.name,
            }))
        })
        .collect();
    let cmsis: Vec<serde_json::Value> = cmsis
        .iter()
        .map(|r| {
            serde_json::json!({
                "core": r.core,
                "cmsis_nn_layer_instructions": r.theirs.as_ref().ok(),
                "bottleneck_inference_instructions": r.ours,
            })
        })
        .collect();
    serde_json::json!({ "published": published, "cmsis_nn": cmsis })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(name: &'static str, zero_wait: (f64, f64)) -> CoreFigures {
        CoreFigures {
            name,
            core: name,
            instructions: 1.0,
            zero_wait,
            how: "test",
        }
    }

    #[test]
    fn every_published_row_gets_an_estimate_with_its_memory() {
        let cores: Vec<CoreFigures> = ["m4f", "m33", "m7", "m0-an385", "rv32", "m55"]
            .into_iter()
            .map(|n| figures(n, (2.0, 2.5)))
            .collect();
        let layouts = ReferenceLayouts {
            sram: (2.0, 2.5),
            prewidened: (1.7, 1.9),
            prewidened_loop: (95, 97),
        };
        let md = render(&cores, 264_192, Some(layouts), &[]);
        let rows = md
            .lines()
            .filter(|l| l.contains("| flash |") || l.contains("| SRAM |"));
        assert_eq!(rows.count(), PUBLISHED.len(), "{md}");
        // 264,192 bytes over 264,192 MACs: one byte per MAC, 5 wait states per 16 or 8.
        let l4r5 = format!("| flash | {:.2}-{:.2} |", 2.0 + 5.0 / 16.0, 2.5 + 5.0 / 8.0);
        assert!(md.contains(&l4r5), "{md}");
        assert!(md.contains("weights in flash: below 1.84"), "{md}");
        assert!(md.contains("not yet (`boards/nucleo-l4r5zi`"), "{md}");
        // The zero-wait SRAM rows carry the core's figure unchanged.
        assert!(md.contains("| SRAM | 2.00-2.50 |"), "{md}");
    }
}
