//! Writing artefacts so that a failed or interrupted run never leaves a partial file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Result, TrainError};

fn write_error(path: &Path, e: impl std::fmt::Display) -> TrainError {
    TrainError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `bytes` into a flushed temporary file beside `path`, not yet renamed.
fn stage(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
    let dir = parent(path);
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
    Ok(tmp)
}

/// Writes `bytes` to `path` through a temporary file in the same directory, flushed to
/// disk and then renamed over `path`: readers see the old file or the new one, never half.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = stage(path, bytes)?;
    tmp.persist(path).map_err(|e| write_error(path, e.error))?;
    Ok(())
}

/// Writes a set of files in two phases: every file is first written and flushed to a
/// temporary file beside its target; only when all of them succeeded are they renamed
/// into place. A failure while writing (disk full, I/O error, interruption) therefore
/// leaves every previous file untouched, and the temporary files are removed.
pub fn write_all_atomically(files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    let staged = files
        .iter()
        .map(|(path, bytes)| stage(path, bytes).map(|tmp| (path, tmp)))
        .collect::<Result<Vec<_>>>()?;
    for (path, tmp) in staged {
        tmp.persist(path).map_err(|e| write_error(path, e.error))?;
    }
    Ok(())
}
