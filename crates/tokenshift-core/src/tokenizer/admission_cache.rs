//! Admission verdicts kept on disk, so a tokenizer file is swept once per machine instead of once per
//! process (the sweep and probes are a third of a Qwen3 job's start). The key is the SHA-256 of the
//! tokenizer.json text, both engines' versions, whether the sweep ran, and the source of the code that
//! decides admission, so any change to one of them is a miss. An entry that cannot be read is a miss;
//! one that cannot be written is skipped (the cache only saves time). The running cross-check still
//! samples every job, whatever the verdict's origin. The cache is kept within a size budget
//! (`cache_budget`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::cache_budget::{self, BUDGET_BYTES};
use super::engine::Engine;

/// What admission decided for one tokenizer file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// 1.0 serves; texts whose 1.0 ids hold one of these go to 0.23 (see `admission`). `quiet`: its
    /// build printed nothing to stderr, so it may run beside JavaScript uncaptured (`quiet_stderr`).
    Admitted {
        unreachable: HashSet<u32>,
        quiet: bool,
    },
    /// 0.23 serves, for this reason (the engine note).
    Refused { note: String },
}

/// The code whose change must invalidate every verdict.
const ADMISSION_SOURCES: [&str; 7] = [
    include_str!("admission.rs"),
    include_str!("canonical_cache.rs"),
    include_str!("engine.rs"),
    include_str!("space_cuts.rs"),
    include_str!("surface.rs"),
    include_str!("surface_kind.rs"),
    include_str!("admission_cache.rs"),
];

/// Entries are versioned too: a format change is a miss, not a misread.
const FORMAT: u64 = 1;

#[derive(Debug, Clone)]
pub struct AdmissionCache {
    dir: PathBuf,
}

impl AdmissionCache {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The cache the environment names: `TOKENSHIFT_CACHE_DIR` (empty or `off`: none), else
    /// `$XDG_CACHE_HOME/tokenshift`, else `$HOME/.cache/tokenshift`.
    pub fn from_environment() -> Option<Self> {
        let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
        if let Some(dir) = std::env::var_os("TOKENSHIFT_CACHE_DIR") {
            return match dir.to_str() {
                Some("" | "off") => None,
                _ => Some(Self::new(dir)),
            };
        }
        let base = var("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute())
            .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
        Some(Self::new(base.join("tokenshift")))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of a tokenizer.json text's verdict, as hex.
    pub(crate) fn key(tokenizer_json: &str, swept: bool) -> String {
        let mut hash = Sha256::new();
        for engine in [Engine::Pipeline, Engine::Reference] {
            hash.update(engine.crate_version());
            hash.update([0]);
        }
        for source in ADMISSION_SOURCES {
            hash.update(source);
            hash.update([0]);
        }
        hash.update([u8::from(swept)]);
        hash.update(tokenizer_json);
        hash.finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("admission-{key}.json"))
    }

    /// The verdict stored under `key`, if one is there and whole.
    pub(crate) fn load(&self, key: &str) -> Option<Verdict> {
        let path = self.path(key);
        let text = std::fs::read_to_string(&path).ok()?;
        let entry: Value = serde_json::from_str(&text).ok()?;
        if entry["format"].as_u64() != Some(FORMAT) || entry["key"].as_str() != Some(key) {
            return None;
        }
        cache_budget::touch(&path);
        match (&entry["unreachable"], &entry["refused"]) {
            (Value::Array(ids), Value::Null) => {
                let unreachable = ids
                    .iter()
                    .map(|id| id.as_u64().and_then(|id| u32::try_from(id).ok()))
                    .collect::<Option<HashSet<u32>>>()?;
                // Entries that do not say are taken as loud: their build runs captured.
                let quiet = entry["quiet"].as_bool().unwrap_or(false);
                Some(Verdict::Admitted { unreachable, quiet })
            }
            (Value::Null, Value::String(note)) => Some(Verdict::Refused { note: note.clone() }),
            _ => None,
        }
    }

    /// Stores `verdict` under `key`, whole or not at all (written aside, then renamed into place);
    /// failures are ignored.
    pub(crate) fn store(&self, key: &str, verdict: &Verdict) {
        let entry = match verdict {
            Verdict::Admitted { unreachable, quiet } => {
                let mut ids: Vec<u32> = unreachable.iter().copied().collect();
                ids.sort_unstable();
                json!({"format": FORMAT, "key": key, "unreachable": ids, "quiet": quiet})
            }
            Verdict::Refused { note } => json!({"format": FORMAT, "key": key, "refused": note}),
        };
        self.write_whole(
            &format!("admission-{key}.json"),
            entry.to_string().as_bytes(),
        );
    }

    /// Writes `name` in the cache whole or not at all (written aside, then renamed into place), then
    /// keeps the cache within its budget; failures are ignored.
    pub(super) fn write_whole(&self, name: &str, bytes: &[u8]) {
        let target = self.dir.join(name);
        // Unique per process and per store: two threads storing the same entry never share a file.
        static STORES: AtomicU64 = AtomicU64::new(0);
        let store = STORES.fetch_add(1, Ordering::Relaxed);
        let aside = self
            .dir
            .join(format!(".{name}.{}-{store}.tmp", std::process::id()));
        let written = std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::write(&aside, bytes))
            .and_then(|()| std::fs::rename(&aside, &target));
        match written {
            Ok(()) => cache_budget::prune(&self.dir, name, BUDGET_BYTES),
            Err(_) => {
                let _ = std::fs::remove_file(&aside);
            }
        }
    }
}

/// A fresh directory for one test's cache (removed first if a past run left it).
#[cfg(test)]
pub(super) fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tokenshift-admission-cache-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_verdict_is_read_back_under_its_key_only() {
        let cache = AdmissionCache::new(temp_dir("roundtrip"));
        let key = AdmissionCache::key("{}", true);
        assert_eq!(cache.load(&key), None);
        for quiet in [true, false] {
            let admitted = Verdict::Admitted {
                unreachable: HashSet::from([7, 3]),
                quiet,
            };
            cache.store(&key, &admitted);
            assert_eq!(cache.load(&key), Some(admitted));
        }
        let other = AdmissionCache::key("{} ", true);
        assert_ne!(other, key);
        assert_eq!(cache.load(&other), None);
        assert_ne!(AdmissionCache::key("{}", false), key);
        let refused = Verdict::Refused { note: "why".into() };
        cache.store(&key, &refused);
        assert_eq!(cache.load(&key), Some(refused));
        let _ = std::fs::remove_dir_all(cache.dir());
    }

    #[test]
    fn a_read_refreshes_the_entry_time_that_the_budget_goes_by() {
        let cache = AdmissionCache::new(temp_dir("used"));
        let key = AdmissionCache::key("{}", true);
        cache.store(&key, &Verdict::Refused { note: "x".into() });
        let path = cache.path(&key);
        let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
        let file = std::fs::File::options()
            .append(true)
            .open(&path)
            .expect("open");
        file.set_modified(long_ago).expect("set time");
        assert!(cache.load(&key).is_some());
        let used = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .expect("time");
        assert!(used > long_ago + std::time::Duration::from_secs(3600));
        let _ = std::fs::remove_dir_all(cache.dir());
    }

    #[test]
    fn a_damaged_or_foreign_entry_is_a_miss() {
        let cache = AdmissionCache::new(temp_dir("damaged"));
        let key = AdmissionCache::key("{}", true);
        std::fs::create_dir_all(cache.dir()).expect("dir");
        let path = cache.path(&key);
        for text in [
            "{\"format\": 1, \"key\": \"".to_owned(),
            format!("{{\"format\": 1, \"key\": \"{key}\", \"unreachable\": [-1]}}"),
            format!(
                "{{\"format\": 1, \"key\": \"{key}\", \"unreachable\": [1], \"refused\": \"x\"}}"
            ),
            format!("{{\"format\": 2, \"key\": \"{key}\", \"unreachable\": []}}"),
            "{\"format\": 1, \"key\": \"other\", \"unreachable\": []}".to_owned(),
        ] {
            std::fs::write(&path, text).expect("write");
            assert_eq!(cache.load(&key), None);
        }
        let _ = std::fs::remove_dir_all(cache.dir());
    }

    #[test]
    fn an_unwritable_cache_is_skipped() {
        // A file where the directory should be: nothing can be stored, and nothing fails.
        let blocker = temp_dir("blocked");
        std::fs::write(&blocker, "not a directory").expect("write");
        let cache = AdmissionCache::new(blocker.join("cache"));
        let key = AdmissionCache::key("{}", true);
        cache.store(&key, &Verdict::Refused { note: "x".into() });
        assert_eq!(cache.load(&key), None);
        let _ = std::fs::remove_file(blocker);
    }
}
