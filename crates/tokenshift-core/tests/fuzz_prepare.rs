//! A fuzz harness that builds on stable (issue #12): seeded random and hostile JSON lines — deep nesting,
//! huge numbers, lone surrogates, NUL, BOM, CRLF, invalid UTF-8, long fields, wrong types — with random
//! options, through `Preparer` on every fixture tokenizer. Properties: no panic, records = rows +
//! skipped (or one error naming a record), the same batch on 1 and 2 threads. `FUZZ_CASES` (default 120
//! per tokenizer), `FUZZ_SEED` and `FUZZ_TOKENIZERS` scale, replay and narrow it; `node benchmark/fuzz.cjs`
//! runs it for long.

mod common;
use common::{fixture_files, shared_dir, Rng, FIXTURE_TOKENIZERS};

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use tokenshift_core::prepare::{PrepareOptions, PreparedBatch, Preparer};
use tokenshift_core::TokenizerCore;

const PIECES: [&str; 24] = [
    "a",
    "Z",
    " ",
    "  ",
    "\\t",
    "\\n",
    "\\r\\n",
    "\u{a0}",
    "é",
    "e\u{301}",
    "\u{2581}",
    "🚀",
    "👩\u{200d}💻",
    "\\u0000",
    "\u{feff}",
    "中",
    "ß",
    "\\ud800",
    "\\\"",
    "\\\\",
    "<|im_end|>",
    "</s>",
    "<s>",
    "{{",
];

/// A JSON string literal of hostile text (escapes already in JSON form).
fn text(rng: &mut Rng) -> String {
    let mut out = String::from("\"");
    for _ in 0..rng.below(20) {
        out.push_str(rng.pick(&PIECES));
    }
    out.push('"');
    out
}

fn value(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => rng
            .pick(&["null", "5", "1e999", "-0", "true", "[]", "{}", "[\"x\"]"])
            .to_owned(),
        1 => format!("\"{}\"", "x".repeat(rng.below(5000))),
        _ => text(rng),
    }
}

fn line(rng: &mut Rng) -> Vec<u8> {
    let line = match rng.below(12) {
        0 => format!("{{\"prompt\": {}, \"completion\": {}}}", value(rng), value(rng)),
        1 => format!("{{\"instruction\": {}, \"input\": {}, \"output\": {}}}", value(rng), value(rng), value(rng)),
        2 | 3 => format!("{{\"text\": {}}}", value(rng)),
        4 | 5 => {
            let turns: Vec<String> = (0..rng.below(5))
                .map(|k| {
                    let role = ["user", "assistant", "system", "tool"][(k + rng.below(2)) % 4];
                    format!("{{\"role\": \"{role}\", \"content\": {}}}", value(rng))
                })
                .collect();
            format!("{{\"messages\": [{}]}}", turns.join(", "))
        }
        6 => {
            let depth = 1 + rng.below(300);
            format!("{}{}", "[".repeat(depth), "]".repeat(depth))
        }
        7 => rng
            .pick(&[
                "{\"text\": 1e999}",
                "{\"text\": \"a\", \"text\": \"b\"}",
                "\u{feff}{\"text\": \"bom\"}",
                "null",
                "{",
                "{\"text\": \"unterminated",
                "   ",
            ])
            .to_owned(),
        8 => format!("{{\"conversations\": [{{\"from\": \"human\", \"value\": {}}}, {{\"from\": \"gpt\", \"value\": {}}}]}}", value(rng), value(rng)),
        _ => format!("{{\"prompt\": {}, \"completion\": {}}}", text(rng), text(rng)),
    };
    let mut bytes = line.into_bytes();
    if rng.below(15) == 0 && !bytes.is_empty() {
        let at = rng.below(bytes.len());
        bytes.insert(at, 0xff);
    }
    bytes
}

fn options(rng: &mut Rng) -> String {
    let shift = rng.pick(&["model", "data"]);
    let mut o = format!("{{\"shift\": \"{shift}\"");
    if rng.below(2) == 0 {
        o.push_str(&format!(", \"maxLength\": {}", 1 + rng.below(64)));
    }
    o.push_str(&format!(
        ", \"truncation\": \"{}\"",
        rng.pick(&["right", "left", "drop"])
    ));
    o.push_str(&format!(
        ", \"boundary\": \"{}\"",
        rng.pick(&["offsets", "separate"])
    ));
    o.push_str(&format!(
        ", \"trainOn\": \"{}\"",
        rng.pick(&["assistant", "last", "all"])
    ));
    o.push_str(&format!(
        ", \"onError\": \"{}\"}}",
        rng.pick(&["skip", "fail"])
    ));
    o
}

fn check(batch: &PreparedBatch) {
    let s = &batch.stats;
    assert_eq!(s.records, s.rows + s.skipped(), "records = rows + skipped");
    assert_eq!(batch.record_status.len() as u64, s.records);
    assert_eq!(batch.offsets.len() as u64, s.rows + 1);
}

#[test]
fn hostile_input_never_panics_and_always_balances() {
    let Some(shared) = shared_dir() else { return };
    let cases: usize = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x7153_4f5e);
    let mut total = 0;
    // FUZZ_TOKENIZERS (comma-separated, relative to fixtures/) narrows the run, e.g. under valgrind.
    let only = std::env::var("FUZZ_TOKENIZERS").ok();
    let selected = FIXTURE_TOKENIZERS.iter().filter(|rel| {
        only.as_deref()
            .is_none_or(|list| list.split(',').any(|o| o == **rel))
    });
    for rel in selected {
        let (json, config) = fixture_files(&shared, rel);
        let tokenizer = Arc::new(
            TokenizerCore::from_json_str(&json, config.as_deref(), rel).expect("tokenizer"),
        );
        let mut rng = Rng(seed ^ rel.len() as u64);
        for case in 0..cases {
            let opts = options(&mut rng);
            let mut bytes = Vec::new();
            let crlf = rng.below(2) == 0;
            for _ in 0..1 + rng.below(10) {
                bytes.extend(line(&mut rng));
                bytes.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            let run = |threads: usize| {
                let preparer = Preparer::new(
                    tokenizer.clone(),
                    PrepareOptions::from_json_str(&opts).expect("options"),
                )
                .expect("preparer");
                catch_unwind(AssertUnwindSafe(|| {
                    preparer.prepare_json_lines_bytes(&bytes, &[], threads)
                }))
                .unwrap_or_else(|_| {
                    panic!(
                        "{rel} case {case} (seed {seed}) panicked: {opts} {:?}",
                        String::from_utf8_lossy(&bytes)
                    )
                })
            };
            let one = run(1);
            match &one {
                Ok(batch) => check(batch),
                Err(error) => assert_eq!(error.code(), "RECORD", "{rel} case {case}: {error}"),
            }
            let two = run(2);
            match (&one, &two) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{rel} case {case}: threads differ"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                _ => panic!("{rel} case {case}: 1 and 2 threads disagree on failing"),
            }
            total += 1;
        }
    }
    println!(
        "fuzz: {total} cases, seed {seed}, no panic, every batch balanced, 1 thread == 2 threads"
    );
}
