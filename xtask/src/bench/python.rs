//! The benchmark's Python references: whether this machine's `python3` has what a
//! reference script needs, and at which versions.

use std::process::Command;

/// Runs `code` (which imports the script's modules and prints their versions) with `env`
/// set; its output, or why the reference is not run: no `python3`, or a module missing
/// (`lacks` names what, in the message).
pub fn python_version(code: &str, env: &[(&str, &str)], lacks: &str) -> Result<String, String> {
    let out = Command::new("python3")
        .args(["-c", code])
        .envs(env.iter().copied())
        .output()
        .map_err(|e| format!("not run: python3: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "not run: this machine's python3 lacks {lacks} ({})",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}
