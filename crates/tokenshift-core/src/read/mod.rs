//! Input readers beyond JSON lines: Parquet, one row group at a time.

mod parquet_json;
pub mod parquet_rows;
