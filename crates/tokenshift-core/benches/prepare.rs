//! `cargo bench -p tokenshift-core --bench prepare`:
//! 1. the label step alone (the branch-free shift loop) over a large buffer, for both conventions;
//! 2. the whole pure-Rust `prepare` of the Alpaca-style shared data with TinyLlama, 1 and N threads:
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
    let Ok(raw) = std::fs::read_to_string(shared.join("data/llama-factory/alpaca_en_demo.json"))
    else {
        eprintln!("skipping the prepare ceiling: ../shared/data is not beside the project root");
        return;
    };
    let dir = shared.join("fixtures/llama2/tinyllama-1.1b-chat-v1.0");
    let json = std::fs::read_to_string(dir.join("tokenizer.json")).expect("tokenizer.json");
    let config = std::fs::read_to_string(dir.join("tokenizer_config.json")).ok();
    let tokenizer =
        TokenizerCore::from_json_str(&json, config.as_deref(), "tinyllama").expect("tokenizer");
    let options = PrepareOptions::from_json_str(r#"{"shift":"model"}"#).expect("options");
    let preparer = Preparer::new(&tokenizer, options).expect("preparer");
    let mut results = Vec::new();
    for threads in [1, threads::available_threads()] {
        let batch = preparer.prepare_json_array(&raw, threads).expect("prepare");
        let seconds = median(
            (0..7)
                .map(|_| {
                    let start = Instant::now();
                    black_box(preparer.prepare_json_array(&raw, threads).expect("prepare"));
                    start.elapsed().as_secs_f64()
                })
                .collect(),
        );
        println!(
            "rust prepare threads={threads}: {:.1} ms, {:.0} records/s, {:.0} tokens/s",
            seconds * 1e3,
            batch.stats.records as f64 / seconds,
            batch.stats.tokens as f64 / seconds
        );
        results.push(format!("{{\"threads\":{threads},\"seconds\":{seconds}}}"));
    }
    let out = root.join("target/bench-rust-prepare.json");
    std::fs::write(&out, format!("[{}]\n", results.join(","))).expect("write results");
}

fn main() {
    label_loop();
    whole_prepare(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."));
}
