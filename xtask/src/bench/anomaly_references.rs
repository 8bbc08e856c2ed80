//! The anomaly baselines of other tools, run by `scripts/anomaly_baselines.py` (PyTorch,
//! scikit-learn) on the split files the benchmark writes, in a child process while the
//! benchmark trains its own models.

use std::process::{Child, Command, Stdio};

use super::anomaly::SplitFiles;
use super::python::python_version;

/// The script, relative to the workspace root.
pub const SCRIPT: &str = "scripts/anomaly_baselines.py";

/// The baselines' AUCs, per seed `1 + index`.
#[derive(Debug, Clone, Default)]
pub struct References {
    /// The versions that ran.
    pub versions: String,
    /// The PyTorch autoencoder (the trainer's architecture and settings).
    pub pytorch: Vec<f64>,
    /// scikit-learn's `IsolationForest(random_state=seed)`.
    pub isolation_forest: Vec<f64>,
    /// scikit-learn's `PCA` with as many components as the bottleneck.
    pub pca: Vec<f64>,
}

impl References {
    /// Each reference's name in the tables and its AUC per seed.
    pub fn named(&self) -> [(&'static str, &[f64]); 3] {
        [
            ("PyTorch autoencoder", &self.pytorch),
            ("isolation forest", &self.isolation_forest),
            ("PCA", &self.pca),
        ]
    }
}

/// The running script, or why it could not start.
pub struct Running {
    child: Child,
    versions: String,
    seeds: usize,
}

/// Starts the script on every seed's split `files`, with `bottleneck` components.
pub fn spawn_references(files: &[SplitFiles], bottleneck: usize) -> Result<Running, String> {
    let versions = python_version(
        "import torch, sklearn; print('PyTorch', torch.__version__.split('+')[0], \
         'and scikit-learn', sklearn.__version__)",
        &[],
        "PyTorch or scikit-learn",
    )?;
    let mut command = Command::new("python3");
    command.arg(crate::workspace_root().join(SCRIPT));
    for (seed, f) in (1..).zip(files) {
        command
            .arg(&f.train)
            .arg(&f.test)
            .arg(seed.to_string())
            .arg(bottleneck.to_string());
    }
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("python3 {SCRIPT}: {e}"))?;
    Ok(Running {
        child,
        versions,
        seeds: files.len(),
    })
}

impl Running {
    /// Waits for the script and reads its lines.
    pub fn wait(self) -> Result<References, String> {
        let out = self
            .child
            .wait_with_output()
            .map_err(|e| format!("{SCRIPT}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{SCRIPT} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let mut refs = parse(&String::from_utf8_lossy(&out.stdout), self.seeds)?;
        refs.versions = self.versions;
        Ok(refs)
    }
}

/// Reads the script's `pytorch <auc> iforest <auc> pca <auc>` lines, one per seed.
pub fn parse(text: &str, seeds: usize) -> Result<References, String> {
    let mut refs = References::default();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let value = |name: &str| {
            words
                .iter()
                .position(|w| *w == name)
                .and_then(|k| words.get(k + 1))
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| format!("{SCRIPT}: no {name} AUC in {line:?}"))
        };
        refs.pytorch.push(value("pytorch")?);
        refs.isolation_forest.push(value("iforest")?);
        refs.pca.push(value("pca")?);
    }
    if refs.pytorch.len() != seeds {
        return Err(format!(
            "{SCRIPT}: {} seeds reported, {seeds} asked",
            refs.pytorch.len()
        ));
    }
    Ok(refs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_line_per_seed_and_refuses_a_short_or_garbled_answer() {
        let text = "pytorch 0.95 iforest 0.94 pca 0.93\npytorch 0.9 iforest 0.8 pca 0.7\n";
        let r = parse(text, 2).expect("two seeds");
        assert_eq!(
            (r.pytorch, r.isolation_forest, r.pca),
            (vec![0.95, 0.9], vec![0.94, 0.8], vec![0.93, 0.7])
        );
        assert!(
            parse(text, 3)
                .unwrap_err()
                .contains("2 seeds reported, 3 asked")
        );
        assert!(
            parse("pytorch 0.9 iforest x pca 0.7", 1)
                .unwrap_err()
                .contains("no iforest AUC")
        );
    }
}
