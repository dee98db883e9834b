//! How records come in: parsed values, or JSON lines as raw bytes (each line one record, numbered by its
//! line; a byte-order mark ignored at the start; lines the reader dropped for their size kept as records
//! that cannot be read). Only records of the shard are kept.

use serde_json::Value;

use crate::error::{Error, Result};

pub(super) enum RecordSource<'a> {
    Parsed(&'a Value),
    JsonLine(&'a [u8]),
    /// A line the reader dropped for its size: a record that cannot be read.
    Oversized(&'a OversizedLine),
}

impl RecordSource<'_> {
    /// What a record's memory scales with (see `memory_gate`).
    pub(super) fn input_bytes(&self) -> usize {
        match self {
            Self::Parsed(value) => crate::chat::budget::json_bytes(value) as usize,
            Self::JsonLine(bytes) => bytes.len(),
            Self::Oversized(_) => 0,
        }
    }
}

/// The JSON size of parsed records: what a call of them counts for in the engine warm-up.
pub(super) fn values_bytes(records: &[serde_json::Value]) -> usize {
    records
        .iter()
        .map(|record| crate::chat::budget::json_bytes(record) as usize)
        .sum()
}

/// A line over the reader's size limit, left out of the bytes (as a blank line) but still a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OversizedLine {
    /// Its record number (line number).
    pub record: u32,
    /// Its length, or 0 when reading stopped at the limit (`onError: 'fail'` does not read on).
    pub bytes: u64,
    pub limit: u64,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Records numbered from `first` in order.
pub(super) fn value_items(
    records: &[Value],
    first: u32,
    in_shard: impl Fn(u32) -> bool,
) -> Result<Vec<(u32, RecordSource<'_>)>> {
    crate::limits::check_record_count(records.len())?;
    let mut items = Vec::with_capacity(records.len());
    for (i, record) in records.iter().enumerate() {
        let number = record_number(first, i)?;
        if in_shard(number) {
            items.push((number, RecordSource::Parsed(record)));
        }
    }
    Ok(items)
}

/// One item per non-blank line (and per oversized line), numbered by line from `first`.
pub(super) fn json_line_items<'a>(
    bytes: &'a [u8],
    oversized: &'a [OversizedLine],
    first: u32,
    in_shard: impl Fn(u32) -> bool,
) -> Result<Vec<(u32, RecordSource<'a>)>> {
    let mut items = Vec::new();
    let mut dropped = oversized.iter().peekable();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        crate::limits::check_record_count(i + 1)?;
        let number = record_number(first, i)?;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // A byte-order mark opens files saved on Windows: ignored at the start of the input.
        let line = match line.strip_prefix(UTF8_BOM) {
            Some(rest) if number == 1 => rest,
            _ => line,
        };
        let source = match dropped.next_if(|o| o.record == number) {
            Some(o) => RecordSource::Oversized(o),
            None if line.iter().all(u8::is_ascii_whitespace) => continue,
            None => RecordSource::JsonLine(line),
        };
        if in_shard(number) {
            items.push((number, source));
        }
    }
    Ok(items)
}

fn record_number(first: u32, index: usize) -> Result<u32> {
    u32::try_from(index)
        .ok()
        .and_then(|i| first.checked_add(i))
        .ok_or_else(|| Error::InvalidOption {
            option: "records".into(),
            message: "more than 2^32 records in one batch; split the input".into(),
        })
}
