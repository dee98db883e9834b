//! A shard's Parquet work units: row groups `a..b` of a file give exactly their rows, and reading them
//! touches only their column chunks and the footer (counted by the stream's byte tally).

mod common;

use std::sync::Arc;

use serde_json::Value;
use tokenshift_core::read::counted_file::ReadTally;
use tokenshift_core::read::parquet_rows::{ParquetRecords, ParquetRowStream};

/// A shard reading row groups `a..b` gets exactly those rows and reads no more than those row groups'
/// column chunks and the footer.
#[test]
fn selected_row_groups_read_only_their_bytes() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let path = shared.join("data/parquet/alpaca_en_demo.snappy.parquet");
    let all = common::parquet_rows(
        ParquetRowStream::open(&path, None, None, Default::default()).expect("opens"),
    );
    let layout = ParquetRecords::open(&path).expect("opens");
    let rows = layout.row_group_rows();
    let ranges = layout.row_group_byte_ranges();
    assert_eq!(rows.len(), 4);
    let file_len = std::fs::metadata(&path).expect("stat").len();
    // The footer: everything after the last row group.
    let footer = file_len - ranges[3].1;
    for (first, end) in [(0usize, 1usize), (1, 3), (3, 4), (0, 4)] {
        let tally = Arc::new(ReadTally::default());
        let got = common::parquet_rows(
            ParquetRowStream::open(&path, None, Some(first..end), tally.clone()).expect("opens"),
        );
        let skip: u64 = rows[..first].iter().sum();
        let take: u64 = rows[first..end].iter().sum();
        let expected: Vec<Value> = all
            .iter()
            .skip(skip as usize)
            .take(take as usize)
            .cloned()
            .collect();
        assert_eq!(got, expected, "row groups {first}..{end}");
        let chunks: u64 = ranges[first..end].iter().map(|(s, e)| e - s).sum();
        println!(
            "row groups {first}..{end}: read {} bytes of {file_len} (column chunks {chunks}, footer {footer})",
            tally.bytes()
        );
        assert!(
            tally.bytes() <= chunks + footer,
            "row groups {first}..{end} read {} bytes, more than {chunks} + footer {footer}",
            tally.bytes()
        );
        assert!(tally.bytes() >= chunks, "the column chunks were read");
        assert_eq!(tally.sha256().len(), 64);
    }
}
