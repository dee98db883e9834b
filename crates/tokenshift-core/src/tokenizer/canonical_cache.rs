//! The 1.0 engine's canonical config, kept beside an admitted verdict so a later process builds 1.0
//! straight from it: reading tokenizer.json into a tree, rewriting it to 1.0's canonical form and
//! printing it again is about a quarter of a Qwen3 start. Kept only for tokenizers encoded whole (word
//! cuts need a second engine with a config of its own). The entry's first line names its key, the
//! SHA-256 of the config text and how spans are rebuilt; the text follows. A text that does not match
//! its SHA-256 (a damaged or partly written file) is a miss, and the full build runs.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::admission_cache::AdmissionCache;
use super::cache_budget;
use super::surface_kind::SurfaceKind;

/// Entries are versioned: a format change is a miss, not a misread.
const FORMAT: u64 = 1;

/// What a 1.0 build needs besides the tokenizer.json text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CanonicalConfig {
    /// The canonical config 1.0's reader takes (settings it must not apply already removed).
    pub(crate) text: String,
    /// How spans are rebuilt from ids, or why they cannot be.
    pub(crate) surface: Result<SurfaceKind, String>,
}

fn file_name(key: &str) -> String {
    format!("canonical-{key}.json")
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn surface_to_json(surface: &Result<SurfaceKind, String>) -> Value {
    match surface {
        Ok(SurfaceKind::ByteLevel { nfc: false }) => json!("byte-level"),
        Ok(SurfaceKind::ByteLevel { nfc: true }) => json!("byte-level-nfc"),
        Ok(SurfaceKind::Metaspace) => json!("metaspace"),
        Err(note) => json!({ "refused": note }),
    }
}

fn surface_from_json(value: &Value) -> Option<Result<SurfaceKind, String>> {
    match value {
        Value::String(kind) => match kind.as_str() {
            "byte-level" => Some(Ok(SurfaceKind::ByteLevel { nfc: false })),
            "byte-level-nfc" => Some(Ok(SurfaceKind::ByteLevel { nfc: true })),
            "metaspace" => Some(Ok(SurfaceKind::Metaspace)),
            _ => None,
        },
        Value::Object(map) => map
            .get("refused")
            .and_then(Value::as_str)
            .map(|note| Err(note.to_owned())),
        _ => None,
    }
}

impl AdmissionCache {
    /// The canonical config stored under `key`, if one is there, whole and unchanged.
    pub(crate) fn load_canonical(&self, key: &str) -> Option<CanonicalConfig> {
        let path = self.dir().join(file_name(key));
        let entry = std::fs::read_to_string(&path).ok()?;
        let (head, text) = entry.split_once('\n')?;
        let head: Value = serde_json::from_str(head).ok()?;
        let fits = head["format"].as_u64() == Some(FORMAT)
            && head["key"].as_str() == Some(key)
            && head["sha256"].as_str() == Some(sha256_hex(text).as_str());
        if !fits {
            return None;
        }
        let surface = surface_from_json(&head["surface"])?;
        cache_budget::touch(&path);
        Some(CanonicalConfig {
            surface,
            text: text.to_owned(),
        })
    }

    /// Stores `config` under `key`, whole or not at all; failures are ignored (the cache only saves
    /// time).
    pub(crate) fn store_canonical(&self, key: &str, config: &CanonicalConfig) {
        // The text is one line (JSON escapes newlines in strings), so the first newline ends the head.
        if config.text.contains('\n') {
            return;
        }
        let head = json!({
            "format": FORMAT,
            "key": key,
            "sha256": sha256_hex(&config.text),
            "surface": surface_to_json(&config.surface),
        });
        let mut entry = head.to_string();
        entry.push('\n');
        entry.push_str(&config.text);
        self.write_whole(&file_name(key), entry.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::admission_cache::temp_dir;

    fn cache(name: &str) -> AdmissionCache {
        AdmissionCache::new(temp_dir(&format!("canonical-{name}")))
    }

    #[test]
    fn a_stored_config_is_read_back_under_its_key_only() {
        let cache = cache("roundtrip");
        let key = AdmissionCache::key("{}", true);
        for surface in [
            Ok(SurfaceKind::ByteLevel { nfc: true }),
            Ok(SurfaceKind::ByteLevel { nfc: false }),
            Ok(SurfaceKind::Metaspace),
            Err("the model is not BPE".to_owned()),
        ] {
            let config = CanonicalConfig {
                text: r#"{"model":{"type":"BPE"}}"#.into(),
                surface,
            };
            cache.store_canonical(&key, &config);
            assert_eq!(cache.load_canonical(&key), Some(config));
        }
        assert_eq!(
            cache.load_canonical(&AdmissionCache::key("{} ", true)),
            None
        );
        let _ = std::fs::remove_dir_all(cache.dir());
    }

    #[test]
    fn a_changed_or_cut_text_is_a_miss() {
        let cache = cache("damaged");
        let key = AdmissionCache::key("{}", true);
        let config = CanonicalConfig {
            text: r#"{"model":{"type":"BPE","vocab":{"a":0}}}"#.into(),
            surface: Ok(SurfaceKind::Metaspace),
        };
        cache.store_canonical(&key, &config);
        let path = cache.dir().join(file_name(&key));
        let whole = std::fs::read_to_string(&path).expect("stored");
        for damaged in [
            whole.replace("\"a\":0", "\"a\":1"),
            whole[..whole.len() - 3].to_owned(),
            whole.replace("\"format\":1", "\"format\":2"),
            whole.replace("metaspace", "unknown-kind"),
            whole.replace('\n', " "),
        ] {
            std::fs::write(&path, damaged).expect("write");
            assert_eq!(cache.load_canonical(&key), None);
        }
        let _ = std::fs::remove_dir_all(cache.dir());
    }
}
