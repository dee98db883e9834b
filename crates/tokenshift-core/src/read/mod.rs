//! Input readers beyond JSON lines: Parquet, one row group at a time.

pub mod counted_file;
mod parquet_json;
pub mod parquet_rows;
