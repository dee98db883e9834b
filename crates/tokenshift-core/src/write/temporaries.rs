//! Temporary outputs: their names (`<name>.tmp-<pid>-<16 hex>`, a marker file inside a directory) and
//! the clean-up of those a killed run left, which removes only what is provably tokenshift's.

use std::fs;
use std::path::Path;

/// Inside a temporary output directory until commit: the proof that a leftover one is tokenshift's.
pub(super) const PENDING_MARKER: &str = ".tokenshift-pending";

pub(super) fn temporary_name(name: &std::ffi::OsStr, pid: u32, token: &str) -> std::ffi::OsString {
    let mut out = name.to_os_string();
    out.push(format!(".tmp-{pid}-{token}"));
    out
}

/// 16 hex digits, different for every temporary (std's randomly keyed hasher, no extra crate).
pub(super) fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", hasher.finish())
}

/// The pid in `<prefix><pid>-<16 hex>`, when `name` is exactly that.
fn temporary_pid(name: &str, prefix: &str) -> Option<u32> {
    let (pid, token) = name.strip_prefix(prefix)?.split_once('-')?;
    let is_token = token.len() == 16 && token.bytes().all(|b| b.is_ascii_hexdigit());
    let is_pid = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    (is_token && is_pid).then(|| pid.parse().ok()).flatten()
}

/// Removes temporaries of killed runs next to `target`: the exact temporary name of a process that no
/// longer runs, and only a regular file or a directory holding the pending marker (links and anything
/// else are left alone).
pub(super) fn remove_stale_temporaries(target: &Path) {
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
        let Some(pid) = file_name.to_str().and_then(|n| temporary_pid(n, &prefix)) else {
            continue;
        };
        if pid == std::process::id() || process_alive(pid) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = path.symlink_metadata() else {
            continue;
        };
        if meta.is_file() {
            let _ = fs::remove_file(&path);
        } else if meta.is_dir()
            && path
                .join(PENDING_MARKER)
                .symlink_metadata()
                .is_ok_and(|m| m.is_file())
        {
            let _ = fs::remove_dir_all(&path);
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
