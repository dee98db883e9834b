//! Output that appears only when complete: written under `<name>.tmp-<pid>`, renamed on commit,
//! removed if dropped uncommitted (an error or a panic part-way leaves no partial dataset).
//!
//! What may be replaced (its TS twin: `src/write/ts/pending.ts`; README "Output safety"):
//! - a file output replaces an existing file, never a directory;
//! - a directory output (npy, bin) goes into a missing or empty directory, or into one that a previous
//!   tokenshift run wrote (its `<dir>.meta.json` lists the files), whose listed files are replaced;
//!   any other non-empty directory is refused unless `overwrite`, and even then only files of the same
//!   names as the new ones are replaced. Nothing else in the directory is ever touched.
//! - temporary outputs of dead processes (`<name>.tmp-<pid>`) next to the output are removed.

use std::fs;
use std::path::{Path, PathBuf};

use super::io_error;
use crate::error::{Error, Result};

pub struct PendingPath {
    target: PathBuf,
    temporary: PathBuf,
    is_dir: bool,
    overwrite: bool,
    committed: bool,
}

impl PendingPath {
    pub fn file(target: &Path) -> Result<Self> {
        Self::new(target, false, false)
    }

    /// `overwrite`: may write into a non-empty directory that no tokenshift run wrote.
    pub fn dir(target: &Path, overwrite: bool) -> Result<Self> {
        Self::new(target, true, overwrite)
    }

    fn new(target: &Path, is_dir: bool, overwrite: bool) -> Result<Self> {
        let name = target
            .file_name()
            .ok_or_else(|| io_error(target, "the output path names no file"))?;
        let temporary = target.with_file_name(temporary_name(name, std::process::id()));
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
        }
        remove_stale_temporaries(target);
        // Refuse before any work, not after hours of it.
        if is_dir {
            owned_files(target, overwrite)?;
        } else if target.is_dir() {
            return Err(refused(
                target,
                "is a directory; name a file for this output format",
            ));
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
            overwrite,
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
        if self.is_dir {
            self.commit_dir()?;
        } else {
            if self.target.is_dir() {
                return Err(refused(
                    &self.target,
                    "is a directory; name a file for this output format",
                ));
            }
            fs::rename(&self.temporary, &self.target).map_err(|e| io_error(&self.target, e))?;
        }
        self.committed = true;
        Ok(())
    }

    fn commit_dir(&self) -> Result<()> {
        // Checked again: the directory may have changed during the run.
        let Some(previous) = owned_files(&self.target, self.overwrite)? else {
            // Missing or empty: rename(2) replaces an empty directory.
            return fs::rename(&self.temporary, &self.target)
                .map_err(|e| io_error(&self.target, e));
        };
        for name in previous {
            let old = self.target.join(&name);
            if old.symlink_metadata().is_ok_and(|m| m.is_file()) {
                fs::remove_file(&old).map_err(|e| io_error(&old, e))?;
            }
        }
        let entries = fs::read_dir(&self.temporary).map_err(|e| io_error(&self.temporary, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_error(&self.temporary, e))?;
            let to = self.target.join(entry.file_name());
            fs::rename(entry.path(), &to).map_err(|e| io_error(&to, e))?;
        }
        fs::remove_dir(&self.temporary).map_err(|e| io_error(&self.temporary, e))
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

fn temporary_name(name: &std::ffi::OsStr, pid: u32) -> std::ffi::OsString {
    let mut out = name.to_os_string();
    out.push(format!(".tmp-{pid}"));
    out
}

fn refused(target: &Path, why: &str) -> Error {
    Error::InvalidOption {
        option: "output".into(),
        message: format!("{} {why}", target.display()),
    }
}

/// For a directory output: `None` when the target is missing or an empty directory (plain rename),
/// else the files a previous run listed in its sidecar (to be replaced), or an empty list under
/// `overwrite`. Errors when the target must not be written into.
fn owned_files(target: &Path, overwrite: bool) -> Result<Option<Vec<String>>> {
    let Ok(meta) = target.symlink_metadata() else {
        return Ok(None);
    };
    if !meta.is_dir() {
        return Err(refused(
            target,
            "exists and is not a directory; npy and bin outputs are directories: choose another --output",
        ));
    }
    let mut entries = fs::read_dir(target).map_err(|e| io_error(target, e))?;
    if entries.next().is_none() {
        return Ok(None);
    }
    if let Some(files) = files_listed_by_sidecar(target) {
        return Ok(Some(files));
    }
    if overwrite {
        return Ok(Some(Vec::new()));
    }
    Err(refused(
        target,
        "is a non-empty directory that no tokenshift run wrote (it has no .meta.json sidecar): choose another \
         output, or pass --overwrite (API: overwrite: true) to write into it; only files of the same names are replaced",
    ))
}

/// The plain file names a previous tokenshift output lists in `<target>.meta.json` (`output.files`).
fn files_listed_by_sidecar(target: &Path) -> Option<Vec<String>> {
    let text = fs::read_to_string(super::sidecar::sidecar_path(target)).ok()?;
    let meta: serde_json::Value = serde_json::from_str(&text).ok()?;
    let files = meta.get("output")?.get("files")?.as_array()?;
    Some(
        files
            .iter()
            .filter_map(serde_json::Value::as_str)
            // Only names inside the directory: a doctored sidecar cannot point elsewhere.
            .filter(|name| is_plain_name(name))
            .map(str::to_owned)
            .collect(),
    )
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\'])
}

/// Removes `<name>.tmp-<pid>` entries next to `target` whose process no longer runs (killed runs).
fn remove_stale_temporaries(target: &Path) {
    let (Some(name), Some(dir)) = (target.file_name().and_then(|n| n.to_str()), target.parent())
    else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{name}.tmp-");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            let path = entry.path();
            let _ = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
        }
    }
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // Signal 0 only checks: EPERM means the process exists but belongs to someone else.
    // SAFETY: kill(2) with signal 0 sends nothing and touches no memory.
    let signalled = unsafe { libc::kill(pid, 0) == 0 };
    signalled || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    // No cheap check here: keep whatever might still be in use.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("tokenshift-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    #[test]
    fn refuses_a_foreign_non_empty_directory_and_keeps_its_files() {
        let dir = scratch("foreign");
        let out = dir.join("out");
        fs::create_dir(&out).expect("mkdir");
        fs::write(out.join("precious.txt"), "keep").expect("write");
        assert!(PendingPath::dir(&out, false).is_err());
        let pending = PendingPath::dir(&out, true).expect("overwrite allowed");
        fs::write(pending.path().join("input_ids.npy"), "new").expect("write");
        pending.commit().expect("commit");
        assert_eq!(
            fs::read_to_string(out.join("precious.txt")).expect("kept"),
            "keep"
        );
        assert_eq!(
            fs::read_to_string(out.join("input_ids.npy")).expect("new"),
            "new"
        );
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn replaces_only_the_files_a_previous_run_listed() {
        let dir = scratch("previous");
        let out = dir.join("out");
        fs::create_dir(&out).expect("mkdir");
        fs::write(out.join("train_0.bin"), "old").expect("write");
        fs::write(out.join("train_1.bin"), "old").expect("write");
        fs::write(out.join("notes.txt"), "mine").expect("write");
        fs::write(
            dir.join("out.meta.json"),
            r#"{"output":{"files":["train_0.bin","train_1.bin","../escape"]}}"#,
        )
        .expect("sidecar");
        let pending = PendingPath::dir(&out, false).expect("previous output may be replaced");
        fs::write(pending.path().join("train_0.bin"), "new").expect("write");
        pending.commit().expect("commit");
        assert_eq!(
            fs::read_to_string(out.join("train_0.bin")).expect("new"),
            "new"
        );
        assert!(!out.join("train_1.bin").exists());
        assert_eq!(
            fs::read_to_string(out.join("notes.txt")).expect("kept"),
            "mine"
        );
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn never_turns_a_file_into_a_directory_or_the_reverse() {
        let dir = scratch("kinds");
        fs::write(dir.join("file"), "x").expect("write");
        fs::create_dir(dir.join("folder")).expect("mkdir");
        assert!(PendingPath::dir(&dir.join("file"), true).is_err());
        assert!(PendingPath::file(&dir.join("folder")).is_err());
        assert_eq!(fs::read_to_string(dir.join("file")).expect("kept"), "x");
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn removes_temporaries_of_dead_processes_only() {
        let dir = scratch("stale");
        // Above Linux's largest pid_max (2^22): no such process.
        let dead = dir.join(temporary_name("out.jsonl".as_ref(), (1 << 22) + 17));
        let alive = dir.join(temporary_name("out.jsonl".as_ref(), 1));
        fs::write(&dead, "stale").expect("write");
        fs::write(&alive, "in use").expect("write");
        let pending = PendingPath::file(&dir.join("out.jsonl")).expect("pending");
        drop(pending);
        assert!(!dead.exists());
        assert!(alive.exists(), "pid 1 runs: its file stays");
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
