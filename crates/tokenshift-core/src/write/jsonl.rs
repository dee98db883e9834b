//! JSON lines, one row per line: `{"input_ids", "labels", "attention_mask"}` for prepared rows,
//! `{"input_ids", "labels", "position_ids", "seq_lens"}` for packed rows (what `datasets` and
//! TRL load with `load_dataset("json", ...)`).

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::atomic::PendingPath;
use super::{io_error, DatasetWriter, WriteSummary};
use crate::error::Result;
use crate::rows::RowBatch;

pub struct JsonlWriter {
    pending: PendingPath,
    out: BufWriter<File>,
    line: String,
    rows: u64,
    tokens: u64,
}

impl JsonlWriter {
    pub fn create(path: &Path) -> Result<Self> {
        let pending = PendingPath::file(path)?;
        let file = File::create(pending.path()).map_err(|e| io_error(pending.path(), e))?;
        Ok(Self {
            pending,
            out: BufWriter::with_capacity(1 << 20, file),
            line: String::new(),
            rows: 0,
            tokens: 0,
        })
    }
}

fn push_array<T: std::fmt::Display>(line: &mut String, key: &str, values: impl Iterator<Item = T>) {
    line.push_str(key);
    line.push('[');
    for (i, v) in values.enumerate() {
        if i > 0 {
            line.push(',');
        }
        // Writing into a String cannot fail.
        let _ = write!(line, "{v}");
    }
    line.push(']');
}

/// One row as a JSON object (the same text the TypeScript writer produces).
pub fn row_json(batch: &RowBatch, r: usize, line: &mut String) {
    let (ids, labels) = batch.rows.row(r);
    push_array(line, "{\"input_ids\":", ids.iter());
    push_array(line, ",\"labels\":", labels.iter());
    match batch.packed_row(r) {
        Some((positions, lens)) => {
            push_array(line, ",\"position_ids\":", positions.iter());
            push_array(line, ",\"seq_lens\":", lens.iter());
        }
        None => push_array(line, ",\"attention_mask\":", ids.iter().map(|_| 1)),
    }
    super::kept::push_json_fields(line, batch, r);
    line.push_str("}\n");
}

impl DatasetWriter for JsonlWriter {
    fn write(&mut self, batch: &RowBatch) -> Result<()> {
        batch.validate()?;
        for r in 0..batch.rows.len() {
            self.line.clear();
            row_json(batch, r, &mut self.line);
            self.out
                .write_all(self.line.as_bytes())
                .map_err(|e| io_error(self.pending.path(), e))?;
        }
        self.rows += batch.rows.len() as u64;
        self.tokens += batch.rows.input_ids.len() as u64;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<WriteSummary> {
        let this = *self;
        let file = this
            .out
            .into_inner()
            .map_err(|e| io_error(this.pending.path(), e.error()))?;
        file.sync_all()
            .map_err(|e| io_error(this.pending.path(), e))?;
        let name = file_name(this.pending.target());
        this.pending.commit()?;
        Ok(WriteSummary {
            format: "jsonl".into(),
            rows: this.rows,
            tokens: this.tokens,
            files: vec![name],
            layout: serde_json::Map::new(),
        })
    }
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
