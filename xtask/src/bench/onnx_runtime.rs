//! ONNX Runtime's int8 path on the host benchmark's model (`scripts/onnx_int8_bench.py`):
//! the model's int8 parameters and the samples as JSON for the script, and its answer.

use std::path::Path;
use std::process::Command;

use bottleneck_runtime::Model;
use bottleneck_runtime::format::Activation;

/// The batch sizes the host benchmark times.
pub const BATCHES: [usize; 4] = [1, 32, 330, 10_000];

/// What the script measured.
#[derive(Debug, Clone, PartialEq)]
pub struct OrtRun {
    /// `onnxruntime.__version__`.
    pub version: String,
    /// Median nanoseconds per sample, per batch size in [`BATCHES`] order.
    pub ns_per_sample: Vec<f64>,
    /// Its class for each of the samples.
    pub classes: Vec<usize>,
}

/// The script's input: the encoder and head of `model` with their int8 weights, folded
/// biases and per-channel scales (multiplier times 2^-(31 + shift)), and `rows` (flat
/// samples) with the batch sizes.
pub fn model_json(model: &Model<'_>, rows: &[f32]) -> Result<serde_json::Value, String> {
    let view = model.view();
    let real = |r: bottleneck_runtime::format::Requant| {
        f64::from(r.multiplier) * 2f64.powi(-(31 + i32::from(r.shift)))
    };
    let mut layers = Vec::new();
    for layer in view.encoder() {
        let d = layer.as_dense().ok_or("a layer that is not dense")?;
        let (n_in, n_out) = (d.n_in(), d.n_out());
        let weights: Vec<i8> = (0..n_out)
            .flat_map(|c| (0..n_in).map(move |j| d.weight(c, j).unwrap_or(0)))
            .collect();
        let channels: Vec<_> = (0..n_out).filter_map(|c| d.channel(c)).collect();
        let scale: Vec<f64> = channels.iter().map(|ch| real(ch.requant(0))).collect();
        let (activation, alpha) = match d.activation() {
            Activation::Relu => ("relu", 0.0),
            Activation::Linear => ("linear", 1.0),
            _ => {
                // The negative side over the positive one: LeakyReLU's slope.
                let ch = channels.first().ok_or("a layer without channels")?;
                (
                    "leaky_relu",
                    real(ch.requant(-1)) / real(ch.requant(0)).max(f64::MIN_POSITIVE),
                )
            }
        };
        layers.push(serde_json::json!({
            "n_in": n_in,
            "n_out": n_out,
            "weights": weights,
            "bias": channels.iter().map(|ch| ch.bias()).collect::<Vec<_>>(),
            "scale": scale,
            "activation": activation,
            "alpha": alpha,
            "zero_point": d.output_zero_point(),
        }));
    }
    let head = view.head().ok_or("the benchmark's model has a head")?;
    let stride = head.row_stride();
    let head_weights: Vec<i8> = (0..head.n_logits())
        .flat_map(|c| (0..head.n_in()).map(move |j| head.weights()[c * stride + j] as i8))
        .collect();
    let affine: Vec<[f32; 2]> = view
        .input_affine_bytes()
        .chunks_exact(8)
        .map(|ab| {
            let f = |b: &[u8]| f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            [f(&ab[..4]), f(&ab[4..])]
        })
        .collect();
    Ok(serde_json::json!({
        "affine": affine,
        "encoder_len": layers.len(),
        "layers": layers,
        "head": {
            "n_in": head.n_in(),
            "n_out": head.n_logits(),
            "weights": head_weights,
            "bias": head.channels().map(|c| c.bias).collect::<Vec<_>>(),
            "scale": head.channels().map(|c| real(c.requant)).collect::<Vec<_>>(),
        },
        "rows": rows,
        "batches": BATCHES,
    }))
}

/// Runs the script on `input` (written by [`model_json`]), its answer in `output`; `Err`
/// says why it did not run (no `python3`, no `onnxruntime`) or failed.
pub fn run(input: &Path, output: &Path) -> Result<OrtRun, String> {
    crate::bench::python::python_version(
        "import onnx, onnxruntime; print(onnxruntime.__version__)",
        &[],
        "onnx or onnxruntime (pip install onnx onnxruntime)",
    )?;
    let script = crate::workspace_root().join("scripts/onnx_int8_bench.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(input)
        .arg(output)
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = std::fs::read_to_string(output).map_err(|e| format!("{}: {e}", output.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let ns_per_sample = BATCHES
        .iter()
        .map(|b| {
            v["ns_per_sample"][b.to_string()]
                .as_f64()
                .ok_or("no timing")
        })
        .collect::<Result<_, _>>()?;
    let classes = v["classes"]
        .as_array()
        .ok_or("no classes")?
        .iter()
        .map(|c| {
            c.as_u64()
                .map(|c| c as usize)
                .ok_or("a class that is not a number")
        })
        .collect::<Result<_, _>>()?;
    Ok(OrtRun {
        version: v["onnxruntime"].as_str().unwrap_or("?").to_string(),
        ns_per_sample,
        classes,
    })
}
