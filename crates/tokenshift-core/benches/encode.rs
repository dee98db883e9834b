//! Pure-Rust encode throughput: the ceiling for the N-API path on the same corpus.
//! `npm run bench` runs it with BENCH_CORPUS (a JSON array of texts) and BENCH_TOKENIZERS (tokenizer
//! dirs, `:`-separated) so both measure the same work; alone it uses Alpaca-style shared data and
//! TinyLlama. Prints a table and writes target/bench-rust-encode.json.

use std::path::PathBuf;
use std::time::Instant;

use tokenshift_core::{batch::encode_batch, threads, TokenizerCore};

fn default_corpus(shared: &std::path::Path) -> Option<Vec<String>> {
    let raw =
        std::fs::read_to_string(shared.join("data/llama-factory/alpaca_en_demo.json")).ok()?;
    let records: Vec<serde_json::Value> = serde_json::from_str(&raw).ok()?;
    Some(
        records
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
            .collect(),
    )
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared");
    let texts: Vec<String> = match std::env::var("BENCH_CORPUS") {
        Ok(path) => serde_json::from_str(&std::fs::read_to_string(path).expect("read corpus"))
            .expect("corpus: a JSON array of strings"),
        Err(_) => match default_corpus(&shared) {
            Some(texts) => texts,
            None => {
                eprintln!("skipping: ../shared/data is not beside the project root");
                return;
            }
        },
    };
    let dirs: Vec<PathBuf> = match std::env::var("BENCH_TOKENIZERS") {
        Ok(list) => list.split(':').map(PathBuf::from).collect(),
        Err(_) => vec![shared.join("fixtures/llama2/tinyllama-1.1b-chat-v1.0")],
    };
    let bytes: usize = texts.iter().map(String::len).sum();
    let all = threads::available_threads();
    let mut results = Vec::new();
    for dir in dirs {
        let path = dir.join("tokenizer.json");
        let load = || {
            let tokenizer =
                TokenizerCore::from_file(path.to_str().expect("utf-8 path")).expect("tokenizer");
            tokenizer.engine(); // loads the 1.0 engine before the clock starts
            tokenizer
        };
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        for threads in [1, all] {
            // Every round on a new tokenizer: its word caches start cold, as on a job's first pass.
            let mut tokens = 0;
            let mut engine = "";
            let mut times: Vec<f64> = (0..3)
                .map(|_| {
                    let tokenizer = load();
                    engine = tokenizer.engine().as_str();
                    let start = Instant::now();
                    let out = encode_batch(&tokenizer, &texts, true, threads).expect("encode");
                    let seconds = start.elapsed().as_secs_f64();
                    tokens = out.ids.len();
                    seconds
                })
                .collect();
            times.sort_by(f64::total_cmp);
            let median = times[times.len() / 2];
            println!(
                "rust encode_batch {name} threads={threads} ({engine}): {:.1} ms, {:.0} tokens/s, {:.2} MB/s",
                median * 1e3,
                tokens as f64 / median,
                bytes as f64 / median / 1e6
            );
            results.push(serde_json::json!({
                "tokenizer": name, "threads": threads, "seconds": median,
                "records": texts.len(), "tokens": tokens, "bytes": bytes,
            }));
        }
    }
    let out = root.join("target/bench-rust-encode.json");
    std::fs::write(&out, serde_json::to_string(&results).expect("json")).expect("write results");
    println!("wrote {}", out.display());
}
