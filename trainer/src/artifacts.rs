//! Writing artefacts so that a failed or interrupted run never leaves a partial file.

use std::io::Write;
use std::path::Path;

use crate::error::{Result, TrainError};

fn write_error(path: &Path, e: impl std::fmt::Display) -> TrainError {
    TrainError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory, flushed to
/// disk and then renamed over `path`: readers see the old file or the new one, never half.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| write_error(path, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".bottleneck-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| write_error(path, e))?;
    tmp.write_all(bytes).map_err(|e| write_error(path, e))?;
    // Temporary files are created private (0600); artefacts are ordinary files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o644);
        tmp.as_file()
            .set_permissions(mode)
            .map_err(|e| write_error(path, e))?;
    }
    tmp.as_file().sync_all().map_err(|e| write_error(path, e))?;
    tmp.persist(path).map_err(|e| write_error(path, e.error))?;
    Ok(())
}
