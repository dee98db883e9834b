//! Records from a Parquet file: each row becomes the JSON object the record pipeline already reads (nested
//! `list<struct>` columns included; nulls stay null), written as one JSON line per row. A Parquet input
//! therefore gives the rows its records give as JSON lines, numbered by row as lines are numbered by line.
//! `ParquetRecords` gives the layout (and a row group whole, for tests); `ParquetRowStream` reads the rows in
//! order, row group after row group, in slices of a few MiB, so memory is bounded by a slice and the pages
//! being decoded, not by a row group (Hub files have row groups of hundreds of MB).

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use parquet::file::metadata::ParquetMetaData;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::reader::RowIter;
use serde_json::Value;

use crate::error::{Error, Result};

pub struct ParquetRecords {
    /// Reads go one at a time: the reader's clones of the `File` share one file offset.
    reader: Mutex<SerializedFileReader<File>>,
    metadata: Arc<ParquetMetaData>,
    name: String,
}

impl ParquetRecords {
    pub fn open(path: &Path) -> Result<Self> {
        let name = path.display().to_string();
        let reader = open_reader(path, &name)?;
        let metadata = Arc::new(reader.metadata().clone());
        Ok(Self {
            reader: Mutex::new(reader),
            metadata,
            name,
        })
    }

    /// Rows in each row group, in file order.
    pub fn row_group_rows(&self) -> Vec<u64> {
        self.metadata
            .row_groups()
            .iter()
            .map(|g| u64::try_from(g.num_rows()).unwrap_or(0))
            .collect()
    }

    /// The top-level columns, in schema order.
    pub fn columns(&self) -> Vec<String> {
        let schema = self.metadata.file_metadata().schema_descr();
        schema
            .root_schema()
            .get_fields()
            .iter()
            .map(|f| f.name().to_owned())
            .collect()
    }

    /// Every leaf column as a dotted path (`conversations.list.element.from`), to check keys inside lists.
    pub fn leaf_paths(&self) -> Vec<String> {
        let schema = self.metadata.file_metadata().schema_descr();
        schema
            .columns()
            .iter()
            .map(|c| c.path().parts().join("."))
            .collect()
    }

    /// The rows of row group `index` as JSON objects.
    pub fn row_group(&self, index: usize) -> Result<Vec<Value>> {
        let mut rows = Vec::new();
        self.each_row(index, |row| {
            rows.push(row);
            Ok(())
        })?;
        Ok(rows)
    }

    /// The rows of row group `index` as JSON lines (one line per row, each ending in `\n`).
    pub fn row_group_json_lines(&self, index: usize) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.each_row(index, |row| {
            serde_json::to_writer(&mut out, &row).map_err(|e| self.error(index, &e.to_string()))?;
            out.write_all(b"\n")
                .map_err(|e| self.error(index, &e.to_string()))
        })?;
        Ok(out)
    }

    fn each_row(&self, index: usize, mut each: impl FnMut(Value) -> Result<()>) -> Result<()> {
        if index >= self.metadata.num_row_groups() {
            return Err(self.error(index, "does not exist"));
        }
        let reader = self
            .reader
            .lock()
            .map_err(|_| self.error(index, "an earlier read failed mid-way"))?;
        let group = reader
            .get_row_group(index)
            .map_err(|e| self.error(index, &e.to_string()))?;
        let rows = group
            .get_row_iter(None)
            .map_err(|e| self.error(index, &e.to_string()))?;
        for (k, row) in rows.enumerate() {
            let row =
                row.map_err(|e| self.error(index, &format!("row {} of the group: {e}", k + 1)))?;
            each(row.to_json_value())?;
        }
        Ok(())
    }

    fn error(&self, group: usize, message: &str) -> Error {
        Error::Io {
            path: self.name.clone(),
            message: format!("row group {group}: {message}"),
        }
    }
}

fn open_reader(path: &Path, name: &str) -> Result<SerializedFileReader<File>> {
    let file = File::open(path).map_err(|e| Error::Io {
        path: name.to_owned(),
        message: format!("cannot open: {e}"),
    })?;
    SerializedFileReader::new(file).map_err(|e| Error::Io {
        path: name.to_owned(),
        message: format!("is not a readable Parquet file: {e}"),
    })
}

/// The rows of a file in order, as JSON lines, a slice at a time.
pub struct ParquetRowStream {
    rows: RowIter<'static>,
    /// Rows read so far.
    read: u64,
    name: String,
}

impl ParquetRowStream {
    pub fn open(path: &Path) -> Result<Self> {
        let name = path.display().to_string();
        let reader = open_reader(path, &name)?;
        Ok(Self {
            rows: RowIter::from_file_into(Box::new(reader)),
            read: 0,
            name,
        })
    }

    /// The next rows as JSON lines, stopping after the row that reaches `max_bytes` (at least one row
    /// unless the file is done); empty at the end. Also returns how many rows it holds.
    pub fn next_json_lines(&mut self, max_bytes: usize) -> Result<(Vec<u8>, u32)> {
        let mut out = Vec::with_capacity(max_bytes.min(64 << 20) + (64 << 10));
        let mut rows = 0u32;
        while out.len() < max_bytes {
            let Some(row) = self.rows.next() else {
                break;
            };
            let row = row.map_err(|e| Error::Io {
                path: self.name.clone(),
                message: format!("row {}: {e}", self.read + 1),
            })?;
            serde_json::to_writer(&mut out, &row.to_json_value()).map_err(|e| Error::Io {
                path: self.name.clone(),
                message: format!("row {}: {e}", self.read + 1),
            })?;
            out.push(b'\n');
            self.read += 1;
            rows += 1;
        }
        Ok((out, rows))
    }
}
