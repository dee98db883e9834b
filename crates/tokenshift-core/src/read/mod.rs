//! Input readers beyond JSON lines: Parquet, one row group at a time.

pub mod parquet_rows;
