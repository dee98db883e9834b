//! Pure-Rust encode throughput: the ceiling for the N-API path on the same corpus.
//! `cargo bench -p tokenshift-core --bench encode` prints a table and writes target/bench-rust-encode.json
//! for `npm run bench` to compare against. Reads ../shared (beside the project root).

use std::path::PathBuf;
use std::time::Instant;

use tokenshift_core::{batch::encode_batch, threads, TokenizerCore};

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared");
    let Ok(raw) = std::fs::read_to_string(shared.join("data/llama-factory/alpaca_en_demo.json"))
    else {
        eprintln!("skipping: ../shared/data is not beside the project root");
        return;
    };
    let records: Vec<serde_json::Value> = serde_json::from_str(&raw).expect("alpaca json");
    let texts: Vec<String> = records
        .iter()
        .map(|r| {
            let field = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
            format!(
                "{}\n{}\n{}",
                field("instruction"),
                field("input"),
                field("output")
            )
        })
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let tokenizer_path = shared.join("fixtures/llama2/tinyllama-1.1b-chat-v1.0/tokenizer.json");
    let tokenizer =
        TokenizerCore::from_file(tokenizer_path.to_str().expect("utf-8 path")).expect("tokenizer");

    let all = threads::available_threads();
    let mut results = Vec::new();
    for threads in [1, all] {
        // Warm-up fills the BPE cache as a long-running job would.
        let batch = encode_batch(&tokenizer, &texts, true, threads).expect("encode");
        let mut times: Vec<f64> = (0..7)
            .map(|_| {
                let start = Instant::now();
                let out = encode_batch(&tokenizer, &texts, true, threads).expect("encode");
                assert_eq!(out.ids.len(), batch.ids.len());
                start.elapsed().as_secs_f64()
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        println!(
            "rust encode_batch threads={threads}: {:.1} ms, {:.0} records/s, {:.0} tokens/s, {:.2} MB/s",
            median * 1e3,
            texts.len() as f64 / median,
            batch.ids.len() as f64 / median,
            bytes as f64 / median / 1e6
        );
        results.push(format!(
            "{{\"threads\":{threads},\"seconds\":{median},\"records\":{},\"tokens\":{},\"bytes\":{bytes}}}",
            texts.len(),
            batch.ids.len()
        ));
    }
    let out = root.join("target/bench-rust-encode.json");
    std::fs::write(&out, format!("[{}]\n", results.join(","))).expect("write results");
    println!("wrote {}", out.display());
}
