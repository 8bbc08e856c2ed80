//! BENCHMARKS.md's batched host inference: the int8 runtime one sample at a time and
//! batched (`bottleneck_runtime::batch`, both kernels), burn-ndarray f32 and ONNX
//! Runtime's int8 path, per batch size, from one run of the criterion bench.

use std::fmt::Write as _;
use std::path::Path;

use crate::bench::criterion::{Estimate, estimate};
use crate::bench::onnx_runtime::BATCHES;

/// One batch size's medians, nanoseconds per sample.
#[derive(Debug, Clone)]
pub struct Row {
    /// Samples per call.
    pub batch: usize,
    /// `Model::infer` sample after sample.
    pub one_by_one: f64,
    /// `Batch` with the CPU's widest kernel.
    pub batched: f64,
    /// `Batch` with the AVX2 kernel.
    pub batched_avx2: f64,
    /// burn-ndarray, one call on the whole batch.
    pub burn: f64,
    /// ONNX Runtime's int8 path, or why it was not measured.
    pub onnx: Result<f64, String>,
}

/// The batched figures and which kernel the widest one is.
#[derive(Debug, Clone)]
pub struct HostBatches {
    /// Per batch size, in [`BATCHES`] order.
    pub rows: Vec<Row>,
    /// ONNX Runtime's version.
    pub onnx_version: Option<String>,
    /// The kernel `Batch::new` chose on this machine.
    pub widest: String,
}

fn per_sample(e: Estimate, batch: usize) -> f64 {
    e.median_ns / batch as f64
}

/// Reads criterion's estimates in `group` and the ONNX Runtime answer the bench left
/// beside them.
pub fn read(group: &Path) -> Result<HostBatches, String> {
    let text = std::fs::read_to_string(group.join("onnxruntime.json"))
        .map_err(|e| format!("{}: {e}", group.join("onnxruntime.json").display()))?;
    let ort: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    for batch in BATCHES {
        let e = |name: &str| estimate(group, &format!("{name}/batch-{batch}"));
        // At batch 1 the one-sample path is `runtime-int8/batch-1` and burn's too.
        let onnx = match ort["ns_per_sample"][batch.to_string()].as_f64() {
            Some(ns) => Ok(ns),
            None => Err(ort["error"].as_str().unwrap_or("no figure").to_string()),
        };
        rows.push(Row {
            batch,
            one_by_one: per_sample(e("runtime-int8")?, batch),
            batched: per_sample(e("runtime-int8-batched")?, batch),
            batched_avx2: per_sample(e("runtime-int8-batched-avx2")?, batch),
            burn: per_sample(e("burn-ndarray-f32")?, batch),
            onnx,
        });
    }
    Ok(HostBatches {
        rows,
        onnx_version: ort["onnxruntime"].as_str().map(str::to_string),
        widest: bottleneck_runtime::batch::Isa::detect().name().to_string(),
    })
}

/// The section and issue 28's host goals.
pub fn render(h: &HostBatches) -> String {
    let us = |ns: f64| ns / 1000.0;
    let ort = h
        .onnx_version
        .as_deref()
        .map_or("ONNX Runtime: **not measured**".to_string(), |v| {
            format!("ONNX Runtime {v}")
        });
    let mut md = format!(
        "\n### Batched host inference\n\n\
         The same bench, per batch size (the test split's rows, repeated to 10,000), \
         microseconds per sample (criterion's medians; ONNX Runtime's the script's median of \
         repeated runs over a second): the runtime sample after sample (`Model::infer`), \
         batched (`bottleneck_runtime::batch::Batch`, which `bottleneck eval` and `predict` \
         run: weights repacked once so each weight load serves eight samples; the widest \
         kernel this CPU has is {widest}, and the AVX2 one is timed too), burn-ndarray's \
         float graph on the whole batch, and {ort} on the same int8 weights \
         (`scripts/onnx_int8_bench.py`: `MatMulInteger` per layer with float requantization, \
         one thread, all graph optimisations). The bench checks before timing that both \
         batched kernels give the one-sample classes on all 10,000 rows, and that ONNX \
         Runtime agrees on at least 95 % of them.\n\n\
         | batch | runtime, one by one | batched ({widest}) | batched (AVX2) | burn-ndarray f32 | ONNX Runtime int8 | batched / burn throughput | batched / ONNX Runtime |\n\
         |---|---|---|---|---|---|---|---|\n",
        widest = h.widest,
    );
    for r in &h.rows {
        let (onnx, vs_onnx) = match &r.onnx {
            Ok(ns) => (format!("{:.3}", us(*ns)), format!("{:.1}x", ns / r.batched)),
            Err(_) => ("not measured".into(), "-".into()),
        };
        let _ = writeln!(
            md,
            "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {onnx} | {:.1}x | {vs_onnx} |",
            r.batch,
            us(r.one_by_one),
            us(r.batched),
            us(r.batched_avx2),
            us(r.burn),
            r.burn / r.batched,
        );
    }
    if let Some(Err(e)) = h.rows.first().map(|r| &r.onnx) {
        let _ = writeln!(md, "\nONNX Runtime was not measured: {e}.");
    }
    let yes = |met: bool| if met { "**met**" } else { "**not met**" };
    md.push_str("\n| goal (issue 28) | measured | |\n|---|---|---|\n");
    for r in h.rows.iter().filter(|r| r.batch >= 330) {
        let vs_burn = r.burn / r.batched;
        let _ = writeln!(
            md,
            "| batch {}: batched >= 3x burn-ndarray's throughput | {vs_burn:.1}x | {} |",
            r.batch,
            yes(vs_burn >= 3.0)
        );
        let (text, met) = match &r.onnx {
            Ok(ns) => (format!("{:.1}x", ns / r.batched), ns / r.batched >= 1.0),
            Err(_) => ("not measured".to_string(), false),
        };
        let _ = writeln!(
            md,
            "| batch {}: batched >= 1x ONNX Runtime int8's throughput | {text} | {} |",
            r.batch,
            yes(met)
        );
    }
    if let Some(r) = h.rows.iter().find(|r| r.batch == 1) {
        let best = r.one_by_one.min(r.batched);
        let _ = writeln!(
            md,
            "| batch 1: keep >= 12x burn-ndarray's throughput | {:.1}x one by one, {:.1}x batched | {} |",
            r.burn / r.one_by_one,
            r.burn / r.batched,
            yes(r.burn / best >= 12.0)
        );
    }
    md
}

/// The same figures for `benchmarks.json`.
pub fn json(h: &HostBatches) -> serde_json::Value {
    serde_json::json!({
        "widest_kernel": h.widest,
        "onnxruntime": h.onnx_version,
        "us_per_sample": h.rows.iter().map(|r| serde_json::json!({
            "batch": r.batch,
            "runtime_one_by_one": r.one_by_one / 1000.0,
            "runtime_batched": r.batched / 1000.0,
            "runtime_batched_avx2": r.batched_avx2 / 1000.0,
            "burn_ndarray_f32": r.burn / 1000.0,
            "onnxruntime_int8": r.onnx.as_ref().ok().map(|ns| ns / 1000.0),
        })).collect::<Vec<_>>(),
    })
}
