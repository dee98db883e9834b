//! The 1.0 engine never changes an id, on tokenizers built to hold each class of difference found
//! between the engines: settings stored in the file, a vocabulary entry no merge builds; and the
//! running cross-check catches a difference that admission let through. Runs anywhere.

use std::sync::Arc;

use serde_json::{json, Value};
use tokenshift_core::batch::encode_batch;
use tokenshift_core::prepare::{PrepareOptions, Preparer};
use tokenshift_core::tokenizer::{Engine, EnginePreference, VerifyEngine};
use tokenshift_core::TokenizerCore;

/// GPT-2's byte-to-character alphabet.
fn byte_char(byte: u8) -> char {
    let printable = matches!(byte, 0x21..=0x7e | 0xa1..=0xac | 0xae..=0xff);
    if printable {
        return char::from(byte);
    }
    let extra = (0..byte)
        .filter(|b| !matches!(b, 0x21..=0x7e | 0xa1..=0xac | 0xae..=0xff))
        .count() as u32;
    char::from_u32(256 + extra).expect("in range")
}

fn byte_token(text: &str) -> String {
    text.bytes().map(byte_char).collect()
}

/// A byte-level BPE (NFC normalizer, as Cohere's) whose vocabulary holds "🦀" as one entry that no
/// merge builds: 0.23 gives its four bytes, 1.0.0-rc.3 the one entry.
fn unreachable_entry_tokenizer() -> Value {
    let mut vocab = serde_json::Map::new();
    for byte in 0..=255u8 {
        vocab.insert(byte_char(byte).to_string(), json!(byte));
    }
    let merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he")];
    let mut next = 256;
    for (a, b) in merges {
        vocab.insert(format!("{a}{b}"), json!(next));
        next += 1;
    }
    vocab.insert(byte_token("🦀"), json!(next));
    json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": true},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": true},
        "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": true},
        "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                  "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                  "vocab": vocab, "merges": merges.iter().map(|(a, b)| format!("{a} {b}")).collect::<Vec<_>>()}
    })
}

fn load(json: &Value, preference: EnginePreference, verify: VerifyEngine) -> Arc<TokenizerCore> {
    let mut core =
        TokenizerCore::from_json_str(&json.to_string(), None, "constructed").expect("load");
    core.set_engine_preference(preference);
    core.set_verify_engine(verify);
    Arc::new(core)
}

const TEXTS: [&str; 5] = ["the 🦀 the", "🦀", "the", "a🦀b 🦀🦀", "no crab here"];

fn reference_ids(json: &Value, text: &str) -> Vec<u32> {
    load(json, EnginePreference::Reference, VerifyEngine::Off)
        .encode_ids(text, true)
        .expect("encode")
}

#[test]
fn an_entry_no_merge_builds_is_served_by_1_0_and_encoded_by_0_23_where_it_appears() {
    let json = unreachable_entry_tokenizer();
    let core = load(&json, EnginePreference::Auto, VerifyEngine::Off);
    assert_eq!(core.engine(), Engine::Pipeline);
    let note = core.engine_note().expect("a note");
    assert!(
        note.contains("1 vocabulary entries that no merge builds"),
        "{note}"
    );
    assert_eq!(
        reference_ids(&json, "🦀").len(),
        4,
        "0.23 gives the four bytes"
    );
    let batch = encode_batch(&core, &TEXTS, true, 2).expect("batch");
    for (r, text) in TEXTS.iter().enumerate() {
        assert_eq!(batch.row(r), reference_ids(&json, text), "{text:?}");
        assert_eq!(
            core.encode_ids(text, true).expect("ids"),
            reference_ids(&json, text)
        );
    }
}

#[test]
fn settings_stored_in_the_file_change_no_id() {
    let mut json = unreachable_entry_tokenizer();
    json["truncation"] =
        json!({"direction": "Right", "max_length": 3, "strategy": "LongestFirst", "stride": 0});
    json["padding"] = json!({"strategy": {"Fixed": 64}, "direction": "Right", "pad_to_multiple_of": null,
                             "pad_id": 0, "pad_type_id": 0, "pad_token": "!"});
    let core = load(&json, EnginePreference::Auto, VerifyEngine::Off);
    assert_eq!(core.engine(), Engine::Pipeline);
    let text = "the the the the the the the the";
    let ids = core.encode_ids(text, true).expect("ids");
    // "the" then seven " the": nine tokens, not cut at 3 nor padded to 64.
    assert_eq!(ids.len(), 9, "every token, no padding: {ids:?}");
    assert_eq!(ids, reference_ids(&json, text));
}

fn prepare(
    core: &Arc<TokenizerCore>,
    records: &[Value],
) -> tokenshift_core::prepare::PreparedBatch {
    let options =
        PrepareOptions::from_json_str(r#"{"shift":"model","addEos":false}"#).expect("options");
    Preparer::new(core.clone(), options)
        .expect("preparer")
        .prepare_values(records, 2)
        .expect("prepare")
}

#[test]
fn the_cross_check_takes_1_0_off_a_tokenizer_it_finds_wrong_and_redoes_the_batch() {
    // Admission without its vocabulary sweep lets the unreachable entry through: 1.0 then gives one id.
    let json = unreachable_entry_tokenizer();
    let unswept = |verify| {
        let mut core =
            TokenizerCore::from_json_str(&json.to_string(), None, "constructed").expect("load");
        core.skip_vocabulary_sweep();
        core.set_verify_engine(verify);
        Arc::new(core)
    };
    let unchecked = unswept(VerifyEngine::Off);
    assert_eq!(unchecked.engine(), Engine::Pipeline);
    assert_ne!(
        unchecked.encode_ids("🦀", true).expect("ids"),
        reference_ids(&json, "🦀")
    );

    let records: Vec<Value> = (0..200)
        .map(|i| match i {
            // "the🦀" pre-tokenizes to "the", "🦀": a pre-token equal to the entry.
            150 => json!({"prompt": "the", "completion": "🦀"}),
            _ => json!({"prompt": "the ", "completion": "the"}),
        })
        .collect();
    let reference = prepare(
        &load(&json, EnginePreference::Reference, VerifyEngine::Off),
        &records,
    );
    // `all` checks every record: the 151st differs, and the whole batch is redone by 0.23.
    let checked = unswept(VerifyEngine::All);
    let batch = prepare(&checked, &records);
    assert_eq!(batch.input_ids, reference.input_ids);
    assert_eq!(batch.labels, reference.labels);
    assert_eq!(batch.stats.engine_mismatches, 1, "{:?}", batch.stats);
    assert_eq!(batch.stats.pipeline_records, 0);
    assert_eq!(batch.stats.reference_records, 200);
    let demotion = batch.stats.engine_demotion.expect("named in the stats");
    assert!(demotion.contains("🦀"), "{demotion}");
    assert_eq!(checked.engine(), Engine::Reference);
    assert!(checked
        .engine_note()
        .is_some_and(|n| n.contains("cross-check")));
}
