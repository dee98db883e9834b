//! Parquet inputs of ../shared/data/parquet give the same records as the JSON files they were written from.

mod common;

use std::path::PathBuf;

use serde_json::Value;
use tokenshift_core::read::parquet_rows::ParquetRecords;

fn records(path: &PathBuf) -> Vec<Value> {
    let reader = ParquetRecords::open(path).expect("opens");
    (0..reader.row_groups())
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
            reader.row_groups(),
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
