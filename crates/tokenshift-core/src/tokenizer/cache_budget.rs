//! Keeps the admission cache bounded. Every tokenshift release and every edited tokenizer file gives new
//! keys, and a canonical config is about the size of its tokenizer.json (5-15 MB), so entries that are
//! never read again would pile up without limit. After each store, the least recently used entries go
//! until the cache fits `BUDGET_BYTES`; a read refreshes an entry's time. Pieces a killed process left
//! aside (unfinished `.tmp` writes) go once they are an hour old. Removing an entry only costs time: it
//! is a miss, rebuilt and written again.

use std::fs::{DirEntry, File};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Room for the verdicts and configs of a few dozen tokenizers at a time.
pub(super) const BUDGET_BYTES: u64 = 512 << 20;

/// An unfinished write this old belongs to a process that is gone.
const ABANDONED_AFTER: Duration = Duration::from_secs(3600);

/// Marks the entry at `path` as just used (failures ignored: a read-only cache is still read).
pub(super) fn touch(path: &Path) {
    if let Ok(file) = File::options().append(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// One file of the cache: its size, when it was last used, and whether it is an unfinished write.
struct Entry {
    file: DirEntry,
    bytes: u64,
    used: SystemTime,
    aside: bool,
}

/// Removes least recently used entries of `dir` until they fit `budget` bytes, never `keep` (the entry
/// just stored), plus abandoned unfinished writes. Failures are ignored.
pub(super) fn prune(dir: &Path, keep: &str, budget: u64) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    let mut entries: Vec<Entry> = listing
        .filter_map(|file| {
            let file = file.ok()?;
            let name = file.file_name().into_string().ok()?;
            let is_entry = (name.starts_with("admission-") || name.starts_with("canonical-"))
                && name.ends_with(".json");
            let aside = name.starts_with('.') && name.ends_with(".tmp");
            if !(is_entry || aside) || name == keep {
                return None;
            }
            let meta = file.metadata().ok().filter(|meta| meta.is_file())?;
            Some(Entry {
                bytes: meta.len(),
                used: meta.modified().ok()?,
                aside,
                file,
            })
        })
        .collect();
    entries.retain(|entry| {
        let abandoned = entry.aside
            && now
                .duration_since(entry.used)
                .is_ok_and(|age| age > ABANDONED_AFTER);
        if abandoned {
            let _ = std::fs::remove_file(entry.file.path());
        }
        !entry.aside
    });
    let kept_bytes = std::fs::metadata(dir.join(keep)).map_or(0, |meta| meta.len());
    let mut total = kept_bytes + entries.iter().map(|entry| entry.bytes).sum::<u64>();
    // Oldest first; ties by name, so every process removes the same ones.
    entries.sort_by_key(|entry| (entry.used, entry.file.file_name()));
    for entry in entries {
        if total <= budget {
            break;
        }
        if std::fs::remove_file(entry.file.path()).is_ok() {
            total -= entry.bytes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::admission_cache::temp_dir;

    /// A new, empty directory for one test.
    fn empty_dir(name: &str) -> std::path::PathBuf {
        let dir = temp_dir(name);
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    fn write_aged(dir: &Path, name: &str, bytes: usize, age_secs: u64) {
        let path = dir.join(name);
        std::fs::write(&path, vec![b'x'; bytes]).expect("write");
        let file = File::options().append(true).open(&path).expect("open");
        file.set_modified(SystemTime::now() - Duration::from_secs(age_secs))
            .expect("set time");
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("list")
            .map(|f| f.expect("entry").file_name().into_string().expect("name"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_least_recently_used_entries_go_until_the_cache_fits() {
        let dir = empty_dir("budget");
        write_aged(&dir, "canonical-old.json", 400, 300);
        write_aged(&dir, "canonical-used.json", 400, 400);
        write_aged(&dir, "admission-mid.json", 100, 200);
        write_aged(&dir, "canonical-new.json", 400, 0);
        write_aged(&dir, "notes.txt", 5000, 900);
        // Read since it was written: no longer the oldest.
        touch(&dir.join("canonical-used.json"));
        prune(&dir, "canonical-new.json", 1000);
        assert_eq!(
            names(&dir),
            [
                "admission-mid.json",
                "canonical-new.json",
                "canonical-used.json",
                "notes.txt"
            ]
        );
        // The entry just stored stays even when it alone is over the budget.
        prune(&dir, "canonical-new.json", 10);
        assert_eq!(names(&dir), ["canonical-new.json", "notes.txt"]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn abandoned_unfinished_writes_go_and_recent_ones_stay() {
        let dir = empty_dir("aside");
        write_aged(&dir, ".canonical-a.json.1-0.tmp", 10, 7200);
        write_aged(&dir, ".canonical-b.json.2-0.tmp", 10, 5);
        write_aged(&dir, "admission-c.json", 10, 7200);
        prune(&dir, "admission-c.json", BUDGET_BYTES);
        assert_eq!(
            names(&dir),
            [".canonical-b.json.2-0.tmp", "admission-c.json"]
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
