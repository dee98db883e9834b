//! Output that appears only when complete: written under `<name>.tmp-<pid>`, renamed on commit,
//! removed if dropped uncommitted (an error or a panic part-way leaves no partial dataset).

use std::fs;
use std::path::{Path, PathBuf};

use super::io_error;
use crate::error::Result;

pub struct PendingPath {
    target: PathBuf,
    temporary: PathBuf,
    is_dir: bool,
    committed: bool,
}

impl PendingPath {
    pub fn file(target: &Path) -> Result<Self> {
        Self::new(target, false)
    }

    pub fn dir(target: &Path) -> Result<Self> {
        Self::new(target, true)
    }

    fn new(target: &Path, is_dir: bool) -> Result<Self> {
        let mut name = target
            .file_name()
            .ok_or_else(|| io_error(target, "the output path names no file"))?
            .to_os_string();
        name.push(format!(".tmp-{}", std::process::id()));
        let temporary = target.with_file_name(name);
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
        }
        if is_dir {
            // A leftover from a crashed run of the same pid would otherwise mix into this one.
            let _ = fs::remove_dir_all(&temporary);
            fs::create_dir(&temporary).map_err(|e| io_error(&temporary, e))?;
        }
        Ok(Self {
            target: target.to_path_buf(),
            temporary,
            is_dir,
            committed: false,
        })
    }

    /// Where to write until `commit`.
    pub fn path(&self) -> &Path {
        &self.temporary
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    pub fn commit(mut self) -> Result<()> {
        if self.is_dir && self.target.exists() {
            // rename(2) cannot replace a non-empty directory.
            fs::remove_dir_all(&self.target).map_err(|e| io_error(&self.target, e))?;
        }
        fs::rename(&self.temporary, &self.target).map_err(|e| io_error(&self.target, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PendingPath {
    fn drop(&mut self) {
        if !self.committed {
            let _ = if self.is_dir {
                fs::remove_dir_all(&self.temporary)
            } else {
                fs::remove_file(&self.temporary)
            };
        }
    }
}
