//! A tokenizer admitted once is admitted from the cache after (its 1.0 engines built while 0.23
//! loads, from the canonical config the first admission kept when the text is encoded whole): same
//! engine, note, word cuts, ids and spans as a fresh admission, for every fixture tokenizer; a damaged
//! kept config is rebuilt from the file; a file changed by one byte is admitted anew. With a warm-up, a
//! cached start serves its first bulk input with 0.23 while 1.0 builds, with the same rows.
//! (The key, damaged entries and unwritable caches: unit tests in `tokenizer/admission_cache.rs`.)
//! Missing fixtures fail under CI.

mod common;
use common::{fixture_files, shared_dir, FIXTURE_TOKENIZERS};

use std::sync::Arc;

use tokenshift_core::prepare::{PrepareOptions, Preparer};
use tokenshift_core::tokenizer::{AdmissionCache, Engine};
use tokenshift_core::{TokenSpans, TokenizerCore};

const TEXTS: [&str; 5] = [
    "Hello world, it's 2026!",
    "  indented  code\n\tfn main() {}",
    "机器学习 🤔 naïve",
    "",
    "<s> a </s>",
];

/// An empty cache in a directory of its own for one test.
fn fresh_cache(name: &str) -> (std::path::PathBuf, AdmissionCache) {
    let dir = std::env::temp_dir().join(format!("tokenshift-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cache = AdmissionCache::new(&dir);
    (dir, cache)
}

fn load(json: &str, config: Option<&str>, cache: &AdmissionCache) -> TokenizerCore {
    TokenizerCore::from_json_str_cached(json, config, "tokenizer.json", Some(cache.clone()))
        .expect("load")
}

fn ids(core: &TokenizerCore) -> Vec<Vec<u32>> {
    TEXTS
        .iter()
        .map(|text| core.encode_ids(text, true).expect("encode"))
        .collect()
}

fn spans(core: &TokenizerCore) -> Vec<(TokenSpans, Engine)> {
    TEXTS
        .iter()
        .map(|text| core.token_spans(text, true).expect("spans"))
        .collect()
}

/// One more byte in every kept config's text: its SHA-256 no longer matches.
fn damage_canonical_configs(dir: &std::path::Path) {
    for entry in std::fs::read_dir(dir).expect("cache dir").flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with("canonical-")
        {
            let text = std::fs::read_to_string(entry.path()).expect("read");
            std::fs::write(entry.path(), format!("{text} ")).expect("write");
        }
    }
}

#[test]
fn a_cached_verdict_serves_like_a_fresh_admission() {
    let Some(shared) = shared_dir() else { return };
    let (dir, cache) = fresh_cache("admission");
    for (index, rel) in FIXTURE_TOKENIZERS.into_iter().enumerate() {
        let (json, config) = fixture_files(&shared, rel);
        let fresh = load(&json, config.as_deref(), &cache);
        let fresh_engine = fresh.engine();
        // The Qwen2.5 config rides on Qwen3's tokenizer.json: its verdict may already be cached.
        if !rel.starts_with("qwen/qwen2.5") {
            assert!(!fresh.admitted_from_cache(), "{rel}: first admission");
        }
        let cached = load(&json, config.as_deref(), &cache);
        assert_eq!(cached.engine(), fresh_engine, "{rel}");
        assert!(cached.admitted_from_cache(), "{rel}: second admission");
        assert_eq!(cached.engine_note(), fresh.engine_note(), "{rel}");
        assert_eq!(cached.cuts_words(), fresh.cuts_words(), "{rel}");
        assert_eq!(ids(&cached), ids(&fresh), "{rel}");
        assert_eq!(spans(&cached), spans(&fresh), "{rel}");
        // Encoded whole, 1.0 is built from the canonical config the first admission kept.
        assert_eq!(
            cached.built_from_canonical(),
            !fresh.cuts_words(),
            "{rel}: built from the kept config"
        );
        if cached.built_from_canonical() {
            damage_canonical_configs(&dir);
            let rebuilt = load(&json, config.as_deref(), &cache);
            assert_eq!(rebuilt.engine(), fresh_engine, "{rel}");
            assert!(
                rebuilt.admitted_from_cache() && !rebuilt.built_from_canonical(),
                "{rel}: a damaged config is a miss"
            );
            assert_eq!(ids(&rebuilt), ids(&fresh), "{rel}");
            // The full build kept its config again.
            let again = load(&json, config.as_deref(), &cache);
            again.engine();
            assert!(again.built_from_canonical(), "{rel}: kept again");
            assert_eq!(spans(&again), spans(&fresh), "{rel}");
        }
        // Trailing spaces, different for each fixture: the same tokenizer, another file.
        let changed = format!("{json}{}", " ".repeat(index + 1));
        let other_file = load(&changed, config.as_deref(), &cache);
        assert_eq!(other_file.engine(), fresh_engine, "{rel}");
        assert!(!other_file.admitted_from_cache(), "{rel}: a changed file");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_cached_start_serves_the_warm_up_with_0_23_then_1_0_with_the_same_rows() {
    let Some(shared) = shared_dir() else { return };
    let (dir, cache) = fresh_cache("warm-up");
    let (json, config) = fixture_files(&shared, "gpt2/openai-community-gpt2");
    // The first load admits the file and keeps the verdict: the next ones build 1.0 on a thread.
    assert_eq!(
        load(&json, config.as_deref(), &cache).engine(),
        Engine::Pipeline
    );
    let lines: String = TEXTS
        .iter()
        .map(|text| {
            format!(
                "{}\n",
                serde_json::json!({ "prompt": "Say: ", "completion": text })
            )
        })
        .collect();
    let mut warm = load(&json, config.as_deref(), &cache);
    warm.set_warm_up_bytes(lines.len() as u64);
    let options = PrepareOptions::from_json_str(r#"{"shift": "model"}"#).expect("options");
    let preparer = Preparer::new(Arc::new(warm), options).expect("preparer");
    let within = preparer.prepare_json_lines(&lines, 0).expect("within");
    let past = preparer.prepare_json_lines(&lines, 0).expect("past");
    // An empty completion is skipped before any engine.
    let records = TEXTS.iter().filter(|text| !text.is_empty()).count() as u64;
    assert_eq!(
        (
            within.stats.reference_records,
            within.stats.pipeline_records
        ),
        (records, 0)
    );
    assert_eq!(
        (past.stats.reference_records, past.stats.pipeline_records),
        (0, records)
    );
    assert_eq!(within.input_ids, past.input_ids);
    assert_eq!(within.labels, past.labels);
    // Dropped while its 1.0 build may still run: waits for it, nothing left behind.
    drop(load(&json, config.as_deref(), &cache));
    let _ = std::fs::remove_dir_all(&dir);
}
