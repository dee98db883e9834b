//! Input readers beyond JSON lines (issue #15 work in progress).

pub mod parquet_rows;
