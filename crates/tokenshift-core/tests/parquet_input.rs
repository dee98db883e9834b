//! Parquet inputs of ../shared/data/parquet give the same records as the JSON files they were written from.

mod common;

use std::path::Path;

use serde_json::Value;
use tokenshift_core::read::parquet_rows::ParquetRecords;

fn records(path: &Path) -> Vec<Value> {
    let reader = ParquetRecords::open(path).expect("opens");
    (0..reader.row_group_rows().len())
        .flat_map(|g| reader.row_group(g).expect("reads"))
        .collect()
}

#[test]
fn every_shared_parquet_file_reads_row_group_by_row_group() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("data").join("parquet");
    for name in [
        "alpaca_en_demo.snappy.parquet",
        "glaive_toolcall_en_demo.zstd.parquet",
        "dummy_conversation_messages.gzip.parquet",
        "question_answer.snappy.parquet",
    ] {
        let rows = records(&dir.join(name));
        let reader = ParquetRecords::open(&dir.join(name)).expect("opens");
        println!(
            "{name}: {} rows in {} row groups, columns {:?}; first {}",
            rows.len(),
            reader.row_group_rows().len(),
            reader.columns(),
            rows[0].to_string().chars().take(160).collect::<String>()
        );
        assert!(!rows.is_empty());
    }
    let alpaca: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(shared.join("data/llama-factory/alpaca_en_demo.json"))
            .expect("json"),
    )
    .expect("parses");
    let from_parquet = records(&dir.join("alpaca_en_demo.snappy.parquet"));
    assert_eq!(from_parquet.len(), alpaca.len());
    assert_eq!(from_parquet, alpaca);
}

#[test]
fn json_lines_hold_one_line_per_row_with_nulls_kept() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let path = shared.join("data/parquet/question_answer.snappy.parquet");
    let reader = ParquetRecords::open(&path).expect("opens");
    let mut lines = Vec::new();
    for (g, rows) in reader.row_group_rows().into_iter().enumerate() {
        let bytes = reader.row_group_json_lines(g).expect("reads");
        let text = String::from_utf8(bytes).expect("utf-8");
        let group: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(group.len() as u64, rows);
        assert_eq!(group, reader.row_group(g).expect("reads"));
        lines.extend(group);
    }
    let nulls: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, r)| r.get("answer") == Some(&Value::Null))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        nulls,
        vec![8],
        "the shared README names row 8 (counting from 1)"
    );
    assert!(reader.row_group_json_lines(99).is_err());
}

#[test]
fn a_file_that_is_not_parquet_is_an_error_naming_it() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let path = shared.join("data/llama-factory/alpaca_en_demo.json");
    let error = ParquetRecords::open(&path).err().expect("not parquet");
    assert!(error.to_string().contains("alpaca_en_demo.json"), "{error}");
}
