//! The metadata sidecar next to every output (`<output>.meta.json`): tool version, tokenizer hash,
//! convention, options and counters, so a dataset says how it was made.

use std::fs;
use std::path::{Path, PathBuf};

use super::atomic::PendingPath;
use super::io_error;
use crate::error::Result;

pub fn sidecar_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_os_string();
    name.push(".meta.json");
    PathBuf::from(name)
}

/// Writes `metadata` (pretty JSON) to `<output>.meta.json`, atomically.
pub fn write_sidecar(output: &Path, metadata: &serde_json::Value) -> Result<PathBuf> {
    let path = sidecar_path(output);
    let pending = PendingPath::file(&path)?;
    let mut text = serde_json::to_string_pretty(metadata).map_err(|e| io_error(&path, e))?;
    text.push('\n');
    fs::write(pending.path(), text).map_err(|e| io_error(pending.path(), e))?;
    pending.commit()?;
    Ok(path)
}
