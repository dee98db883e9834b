//! The `tokenizers` 1.0 engine must change nothing: over all shared data and every fixture tokenizer,
//! `prepare` (both boundaries, chat records, both shifts) gives identical rows, labels and statuses with
//! the 1.0 engine allowed and with 0.23 alone; and wherever 1.0 rebuilt spans, they equal 0.23's
//! offsets. Prints how many records each engine served. Missing fixtures fail under CI.

mod common;
use common::{fixture_files, shared_dir, FIXTURE_TOKENIZERS};
use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};
use tokenshift_core::prepare::PrepareOptions;
use tokenshift_core::prepare::{PreparedBatch, Preparer};
use tokenshift_core::tokenizer::{Engine, EnginePreference};
use tokenshift_core::TokenizerCore;

fn load(shared: &Path, rel: &str, preference: EnginePreference) -> Arc<TokenizerCore> {
    let (json, config) = fixture_files(shared, rel);
    let mut core =
        TokenizerCore::from_json_str(&json, config.as_deref(), rel).expect("load tokenizer");
    core.set_engine_preference(preference);
    Arc::new(core)
}

fn read_json(shared: &Path, rel: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(shared.join("data").join(rel)).expect("read data");
    serde_json::from_str(&text).expect("parse data")
}

/// Every shared text: instruction data as-is, wiki lines as text records, every multilingual page
/// paragraph split at a character boundary into prompt and completion (boundaries mid-word and
/// mid-script), and every conversation.
fn records(shared: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    for file in [
        "llama-factory/alpaca_en_demo.json",
        "llama-factory/alpaca_zh_demo.json",
    ] {
        out.extend(read_json(shared, file));
    }
    let wiki = std::fs::read_to_string(shared.join("data/llama-factory/wiki_demo.txt"))
        .expect("read wiki");
    out.extend(
        wiki.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| json!({ "text": l })),
    );
    let mut pages: Vec<_> = std::fs::read_dir(shared.join("data/multilingual/udhr"))
        .expect("udhr")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    pages.sort();
    for page in pages {
        let text = std::fs::read_to_string(page).expect("read page");
        for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
            let mut cut = paragraph.len() / 2;
            while !paragraph.is_char_boundary(cut) {
                cut += 1;
            }
            let (prompt, completion) = paragraph.split_at(cut);
            if !completion.trim().is_empty() {
                out.push(json!({ "prompt": prompt, "completion": completion }));
            }
        }
    }
    for emoji in read_json(shared, "multilingual/emoji/data-ordered-emoji.json")
        .iter()
        .take(400)
    {
        out.push(
            json!({ "prompt": "Describe ", "completion": format!("{emoji} and {emoji}{emoji}!") }),
        );
    }
    for file in [
        "fastchat/dummy_conversation.json",
        "llama-factory/glaive_toolcall_en_demo.json",
        "llama-factory/glaive_toolcall_zh_demo.json",
    ] {
        out.extend(read_json(shared, file));
    }
    out
}

fn prepare(core: &Arc<TokenizerCore>, records: &[Value], options: &str) -> PreparedBatch {
    let options = PrepareOptions::from_json_str(options).expect("options");
    Preparer::new(core.clone(), options)
        .expect("preparer")
        .prepare_values(records, 0)
        .expect("prepare")
}

#[test]
fn the_1_0_engine_gives_0_23_rows_and_masks_on_all_shared_data() {
    let Some(shared) = shared_dir() else { return };
    let records = records(&shared);
    for rel in FIXTURE_TOKENIZERS {
        let fast = load(&shared, rel, EnginePreference::Auto);
        let reference = load(&shared, rel, EnginePreference::Reference);
        assert_eq!(reference.engine(), Engine::Reference);
        let mut served = Vec::new();
        for options in [
            r#"{"shift": "model", "boundary": "offsets", "onError": "skip"}"#,
            r#"{"shift": "data", "boundary": "separate", "onError": "skip"}"#,
        ] {
            let a = prepare(&fast, &records, options);
            let b = prepare(&reference, &records, options);
            assert_eq!(a.input_ids, b.input_ids, "{rel} {options}: ids differ");
            assert_eq!(a.labels, b.labels, "{rel} {options}: labels differ");
            assert_eq!(a.offsets, b.offsets, "{rel} {options}");
            assert_eq!(a.record_status, b.record_status, "{rel} {options}");
            assert_eq!(b.stats.pipeline_records, 0);
            let mut a_stats = a.stats.clone();
            (a_stats.pipeline_records, a_stats.reference_records) =
                (b.stats.pipeline_records, b.stats.reference_records);
            // The running cross-check re-encodes a sample of 1.0's records; it never found one wrong.
            assert_eq!(a.stats.engine_mismatches, 0, "{rel} {options}");
            a_stats.engine_checked = b.stats.engine_checked;
            assert_eq!(a_stats, b.stats, "{rel} {options}: stats differ");
            served.push(format!(
                "{}: 1.0 {} / 0.23 {}",
                if options.contains("offsets") {
                    "offsets+chat"
                } else {
                    "separate"
                },
                a.stats.pipeline_records,
                a.stats.reference_records
            ));
        }
        println!(
            "{rel}: engine {} ({}); records served {}",
            fast.engine().as_str(),
            fast.engine_note()
                .unwrap_or_else(|| "spans rebuilt from 1.0 ids".into()),
            served.join(", ")
        );
    }
}

#[test]
fn rebuilt_spans_equal_0_23_offsets_wherever_1_0_serves() {
    let Some(shared) = shared_dir() else { return };
    let records = records(&shared);
    let texts: Vec<String> = records
        .iter()
        .flat_map(|r| {
            r.as_object()
                .into_iter()
                .flat_map(|m| m.values())
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        })
        .collect();
    for rel in FIXTURE_TOKENIZERS {
        let fast = load(&shared, rel, EnginePreference::Auto);
        let reference = load(&shared, rel, EnginePreference::Reference);
        let mut rebuilt = 0;
        for text in &texts {
            for add_special_tokens in [true, false] {
                let (spans, engine) = fast.token_spans(text, add_special_tokens).expect("spans");
                let (expected, _) = reference
                    .token_spans(text, add_special_tokens)
                    .expect("spans");
                assert_eq!(spans, expected, "{rel}: spans of {text:?}");
                rebuilt += usize::from(engine == Engine::Pipeline);
                let ids = fast.encode_ids(text, add_special_tokens).expect("ids");
                assert_eq!(ids, expected.ids, "{rel}: ids of {text:?}");
            }
        }
        println!(
            "{rel}: spans rebuilt from 1.0 ids for {rebuilt} of {} encodes",
            texts.len() * 2
        );
    }
}
