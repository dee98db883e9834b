//! Output that appears only when complete: written under `<name>.tmp-<pid>-<random>`, renamed on
//! commit, removed if dropped uncommitted (an error or a panic part-way leaves no partial dataset).
//!
//! What may be replaced (its TS twin: `src/write/ts/pending.ts`; README "Output safety"):
//! - a file output replaces an existing file, never a directory;
//! - a directory output (npy, bin) goes into a missing or empty directory, or into one that a previous
//!   tokenshift run wrote (its `<dir>.meta.json` lists the files), whose listed files are replaced;
//!   any other non-empty directory is refused unless `overwrite`, and even then only files of the same
//!   names as the new ones are replaced. Nothing else in the directory is ever touched.
//! - only a regular file (or nothing) is ever replaced: a device, FIFO or socket at the output path, or
//!   a link to one, is refused (renaming over `/dev/null` as root would replace the system's device);
//! - temporary outputs of dead processes next to the output are removed only when provably ours: the
//!   exact name `<name>.tmp-<pid>-<16 hex digits>`, a regular file, or a directory holding the marker
//!   file `.tokenshift-pending` (never a link, never anything else of the user's).

use std::fs;
use std::path::{Path, PathBuf};

use super::io_error;
use super::temporaries::{random_token, remove_stale_temporaries, temporary_name, PENDING_MARKER};
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
        let temporary =
            target.with_file_name(temporary_name(name, std::process::id(), &random_token()));
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
        }
        remove_stale_temporaries(target);
        // Refuse before any work, not after hours of it.
        refuse_special_file(target)?;
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
            fs::create_dir(&temporary).map_err(|e| io_error(&temporary, e))?;
            // What proves the directory ours to a later run's clean-up.
            fs::write(temporary.join(PENDING_MARKER), b"").map_err(|e| io_error(&temporary, e))?;
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
        // Checked again: something may have appeared at the path during the run.
        refuse_special_file(&self.target)?;
        if self.is_dir {
            let marker = self.temporary.join(PENDING_MARKER);
            fs::remove_file(&marker).map_err(|e| io_error(&marker, e))?;
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

/// Refuses an output path that holds (or links to) anything but a regular file or a directory.
fn refuse_special_file(target: &Path) -> Result<()> {
    let Ok(meta) = fs::metadata(target) else {
        return Ok(());
    };
    let kind = meta.file_type();
    if kind.is_file() || kind.is_dir() {
        return Ok(());
    }
    Err(refused(
        target,
        &format!(
            "is a {}, not a regular file: outputs are written to a temporary file renamed over the \
             path, which would replace it. Write to a regular file, or to stdout with --output - \
             (API: a stream) and redirect",
            special_kind(&kind)
        ),
    ))
}

#[cfg(unix)]
fn special_kind(kind: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_char_device() {
        "character device"
    } else if kind.is_block_device() {
        "block device"
    } else if kind.is_fifo() {
        "FIFO (named pipe)"
    } else if kind.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_kind: &fs::FileType) -> &'static str {
    "special file"
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::temporaries::temporary_name;

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
        let token = "0123456789abcdef";
        let dead = dir.join(temporary_name("out.jsonl".as_ref(), (1 << 22) + 17, token));
        let alive = dir.join(temporary_name("out.jsonl".as_ref(), 1, token));
        fs::write(&dead, "stale").expect("write");
        fs::write(&alive, "in use").expect("write");
        let pending = PendingPath::file(&dir.join("out.jsonl")).expect("pending");
        drop(pending);
        assert!(!dead.exists());
        assert!(alive.exists(), "pid 1 runs: its file stays");
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn never_removes_a_users_folder_that_only_looks_like_a_temporary() {
        let dir = scratch("lookalike");
        // A dated folder (its "pid" above pid_max), a folder with the exact temporary name but no
        // marker, and a link with the exact name: none is provably tokenshift's.
        let dated = dir.join("out.jsonl.tmp-20261128");
        let exact = dir.join(temporary_name(
            "out.jsonl".as_ref(),
            (1 << 22) + 3,
            "0123456789abcdef",
        ));
        for folder in [&dated, &exact] {
            fs::create_dir(folder).expect("mkdir");
            fs::write(folder.join("notes.txt"), "mine").expect("write");
        }
        let ours = dir.join(temporary_name(
            "out.jsonl".as_ref(),
            (1 << 22) + 5,
            "fedcba9876543210",
        ));
        fs::create_dir(&ours).expect("mkdir");
        fs::write(ours.join(PENDING_MARKER), "").expect("marker");
        drop(PendingPath::file(&dir.join("out.jsonl")).expect("pending"));
        assert!(dated.join("notes.txt").exists());
        assert!(exact.join("notes.txt").exists());
        assert!(
            !ours.exists(),
            "a killed run's directory with the marker goes"
        );
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices_and_fifos_and_links_to_them() {
        let dir = scratch("devices");
        let fifo = dir.join("pipe");
        let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("path");
        // SAFETY: mkfifo on a path this test owns.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // A link to the FIFO stands for a link to a device: the system's /dev/null is never a target
        // here, so a regression cannot replace it.
        let link = dir.join("pipe-link");
        std::os::unix::fs::symlink(&fifo, &link).expect("symlink");
        for target in [&fifo, &link] {
            let err = PendingPath::file(target).err().expect("refused");
            assert!(err.to_string().contains("not a regular file"), "{err}");
        }
        assert!(fs::symlink_metadata(&fifo).is_ok_and(|m| !m.is_file()));
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
