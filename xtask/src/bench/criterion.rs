//! Reading criterion's estimates (`<target>/criterion/<group>/<bench>/new/estimates.json`).

use std::path::Path;

/// Median and its spread for one benchmark, in nanoseconds per iteration.
#[derive(Debug, Clone, Copy)]
pub struct Estimate {
    /// Median time per iteration.
    pub median_ns: f64,
    /// Median absolute deviation.
    pub mad_ns: f64,
}

fn point(json: &serde_json::Value, key: &str) -> Option<f64> {
    json.get(key)?.get("point_estimate")?.as_f64()
}

/// The estimate criterion saved for `group/function/parameter`.
pub fn estimate(criterion_dir: &Path, id: &str) -> Result<Estimate, String> {
    let path = criterion_dir.join(id).join("new/estimates.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e} (run the criterion bench first)", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Estimate {
        median_ns: point(&json, "median").ok_or(format!("{}: no median", path.display()))?,
        mad_ns: point(&json, "median_abs_dev").unwrap_or(f64::NAN),
    })
}
