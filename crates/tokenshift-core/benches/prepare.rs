//! `cargo bench -p tokenshift-core --bench prepare`:
//! 1. the label step alone (the branch-free shift loop) over a large buffer, for both conventions;
//! 2. the whole pure-Rust `prepare` of the Alpaca-style shared data (en+zh) with each tokenizer of
//!    BENCH_TOKENIZERS (`:`-separated dirs; default TinyLlama), 1 and N threads:
//!    the ceiling for the N-API path (written to target/bench-rust-prepare.json for `npm run bench`).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use tokenshift_core::prepare::labels::labels_into;
use tokenshift_core::prepare::{PrepareOptions, Preparer, Shift};
use tokenshift_core::{threads, TokenizerCore};

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn label_loop() {
    const N: usize = 16 << 20;
    let ids: Vec<i32> = (0..N as i32)
        .map(|i| i.wrapping_mul(2_654_435) & 0x7fff)
        .collect();
    let trainable: Vec<u8> = (0..N).map(|i| u8::from(i % 7 > 2)).collect();
    let mut labels = Vec::with_capacity(N);
    for shift in [Shift::Model, Shift::Data] {
        let seconds = median(
            (0..9)
                .map(|_| {
                    let start = Instant::now();
                    labels_into(
                        black_box(&ids),
                        black_box(&trainable),
                        shift,
                        -100,
                        &mut labels,
                    );
                    black_box(&labels);
                    start.elapsed().as_secs_f64()
                })
                .collect(),
        );
        println!(
            "label loop {shift:?}: {N} tokens in {:.2} ms = {:.2} Gtokens/s",
            seconds * 1e3,
            N as f64 / seconds / 1e9
        );
    }
}

fn whole_prepare(root: &std::path::Path) {
    let shared = root.join("../shared");
    let mut records: Vec<serde_json::Value> = Vec::new();
    for file in ["alpaca_en_demo.json", "alpaca_zh_demo.json"] {
        let Ok(raw) = std::fs::read_to_string(shared.join("data/llama-factory").join(file)) else {
            eprintln!(
                "skipping the prepare ceiling: ../shared/data is not beside the project root"
            );
            return;
        };
        records.extend(serde_json::from_str::<Vec<serde_json::Value>>(&raw).expect("alpaca json"));
    }
    let raw = serde_json::to_string(&records).expect("json");
    let dirs: Vec<PathBuf> = match std::env::var("BENCH_TOKENIZERS") {
        Ok(list) => list.split(':').map(PathBuf::from).collect(),
        Err(_) => vec![shared.join("fixtures/llama2/tinyllama-1.1b-chat-v1.0")],
    };
    let mut results = Vec::new();
    for dir in dirs {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        let json = std::fs::read_to_string(dir.join("tokenizer.json")).expect("tokenizer.json");
        let config = std::fs::read_to_string(dir.join("tokenizer_config.json")).ok();
        // Every round on a new tokenizer (cold caches, as on a job's first pass); the 1.0 engine
        // loads before the clock starts.
        let new_preparer = || {
            let tokenizer = std::sync::Arc::new(
                TokenizerCore::from_json_str(&json, config.as_deref(), &name).expect("tokenizer"),
            );
            tokenizer.engine();
            let options = PrepareOptions::from_json_str(r#"{"shift":"model"}"#).expect("options");
            Preparer::new(tokenizer, options).expect("preparer")
        };
        for threads in [1, threads::available_threads()] {
            let mut stats = None;
            let seconds = median(
                (0..3)
                    .map(|_| {
                        let preparer = new_preparer();
                        let start = Instant::now();
                        let batch = preparer.prepare_json_array(&raw, threads).expect("prepare");
                        let seconds = start.elapsed().as_secs_f64();
                        stats = Some(batch.stats);
                        seconds
                    })
                    .collect(),
            );
            let stats = stats.expect("measured");
            println!(
                "rust prepare {name} threads={threads} (1.0: {} records, 0.23: {}): {:.1} ms, {:.0} records/s, {:.0} tokens/s",
                stats.pipeline_records,
                stats.reference_records,
                seconds * 1e3,
                stats.records as f64 / seconds,
                stats.tokens as f64 / seconds
            );
            results.push(
                serde_json::json!({"tokenizer": name, "threads": threads, "seconds": seconds}),
            );
        }
    }
    let out = root.join("target/bench-rust-prepare.json");
    std::fs::write(&out, serde_json::to_string(&results).expect("json")).expect("write results");
}

fn main() {
    label_loop();
    whole_prepare(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."));
}
