//! Records from a Parquet file: each row becomes the JSON object the record pipeline already reads (nested
//! `list<struct>` columns included; nulls stay null), written as one JSON line per row. A Parquet input
//! therefore gives the rows its records give as JSON lines, numbered by row as lines are numbered by line.
//! `ParquetRecords` gives the layout (from the footer alone); `ParquetRowStream` reads the rows in
//! order, row group after row group, in slices of a few MiB, so memory is bounded by a slice and the pages
//! being decoded, not by a row group (Hub files have row groups of hundreds of MB).

use std::fs::File;
use std::ops::Range;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use parquet::file::metadata::ParquetMetaData;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::serialized_reader::ReadOptionsBuilder;
use parquet::record::reader::RowIter;

use super::counted_file::{CountedFile, ReadTally};
use super::parquet_json::row_to_json;
use crate::error::{Error, Result};
// Decoding frees as much as it allocates: the arenas of a long run otherwise keep it all.
use crate::memory::release_free_memory;

/// A file's layout: columns and row groups.
pub struct ParquetRecords {
    metadata: ParquetMetaData,
}

impl ParquetRecords {
    pub fn open(path: &Path) -> Result<Self> {
        let name = path.display().to_string();
        let metadata = open_reader(path, &name)?.metadata().clone();
        Ok(Self { metadata })
    }

    /// Rows in each row group, in file order.
    pub fn row_group_rows(&self) -> Vec<u64> {
        self.metadata
            .row_groups()
            .iter()
            .map(|g| u64::try_from(g.num_rows()).unwrap_or(0))
            .collect()
    }

    /// Where each row group's column chunks lie in the file: `[start, end)` bytes, in file order. A shard
    /// given some row groups reads these ranges (and the footer), nothing else.
    pub fn row_group_byte_ranges(&self) -> Vec<(u64, u64)> {
        self.metadata
            .row_groups()
            .iter()
            .map(|group| {
                let mut range: Option<(u64, u64)> = None;
                for column in group.columns() {
                    let (start, length) = column.byte_range();
                    let end = start.saturating_add(length);
                    range = Some(range.map_or((start, end), |(s, e)| (s.min(start), e.max(end))));
                }
                range.unwrap_or((0, 0))
            })
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

fn open_counted_reader(
    path: &Path,
    name: &str,
    row_groups: Option<Range<usize>>,
    tally: Arc<ReadTally>,
) -> Result<SerializedFileReader<CountedFile>> {
    let file = File::open(path)
        .and_then(|file| CountedFile::new(file, tally))
        .map_err(|e| Error::Io {
            path: name.to_owned(),
            message: format!("cannot open: {e}"),
        })?;
    let mut options = ReadOptionsBuilder::new();
    if let Some(range) = row_groups {
        options = options.with_predicate(Box::new(move |_, index| range.contains(&index)));
    }
    SerializedFileReader::new_with_options(file, options.build()).map_err(|e| Error::Io {
        path: name.to_owned(),
        message: format!("is not a readable Parquet file: {e}"),
    })
}

/// The rows of a file in order, as JSON lines, a slice at a time. A thread of its own decodes one slice
/// ahead and hands the pages freed meanwhile back to the system after each slice: decoding allocates and
/// frees a lot, and glibc's arenas otherwise keep it (a 1 GB file peaked at 436-490 MB RSS without that;
/// 344 MB trimming every slice at 92% of the JSON-lines throughput, 373 MB every 4th at 95%).
pub struct ParquetRowStream {
    slices: Receiver<Result<Vec<u8>>>,
    done: bool,
}

/// JSON-lines bytes per slice.
pub const SLICE_BYTES: usize = 4 << 20;
/// Slices between two returns of freed memory to the system.
const TRIM_EVERY: u64 = 4;

/// Files with more top-level columns than this decode only the columns a record can use (`open`'s
/// `needed`); narrower files decode every column, so an error about a record lists all its fields.
pub const PROJECT_ABOVE_COLUMNS: usize = 64;

impl ParquetRowStream {
    /// `needed`: the top-level columns a record can use (record fields, mapped and kept columns); a wide
    /// file decodes only those (a 100,000-column file otherwise took 4.4 GB to read).
    ///
    /// `row_groups`: only these row groups (a shard's work units), else all; `tally` counts the bytes read
    /// from the file, footer included.
    pub fn open(
        path: &Path,
        needed: Option<&[String]>,
        row_groups: Option<Range<usize>>,
        tally: Arc<ReadTally>,
    ) -> Result<Self> {
        let name = path.display().to_string();
        let reader = open_counted_reader(path, &name, row_groups, tally)?;
        let projection = needed.and_then(|needed| projection(&reader, needed));
        let rows = RowIter::from_file_into(Box::new(reader))
            .project(projection)
            .map_err(|e| Error::Io {
                path: name.clone(),
                message: format!("cannot select its columns: {e}"),
            })?;
        let (send, slices) = sync_channel(1);
        std::thread::Builder::new()
            .name("tokenshift-parquet".into())
            .spawn(move || decode(rows, &name, &send))
            .map_err(|e| Error::Io {
                path: path.display().to_string(),
                message: format!("cannot start a reader thread: {e}"),
            })?;
        Ok(Self {
            slices,
            done: false,
        })
    }

    /// The next rows as JSON lines (whole rows, about `SLICE_BYTES`); empty at the end of the file.
    pub fn next_json_lines(&mut self) -> Result<Vec<u8>> {
        if self.done {
            return Ok(Vec::new());
        }
        match self.slices.recv() {
            Ok(Ok(slice)) => Ok(slice),
            Ok(Err(error)) => {
                self.done = true;
                Err(error)
            }
            // The decoder sends nothing more once the file ends.
            Err(_) => {
                self.done = true;
                Ok(Vec::new())
            }
        }
    }
}

/// The schema of the `needed` top-level columns, when the file is wide enough to be worth projecting.
fn projection(
    reader: &SerializedFileReader<CountedFile>,
    needed: &[String],
) -> Option<parquet::schema::types::Type> {
    let root = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .root_schema();
    let fields = root.get_fields();
    if fields.len() <= PROJECT_ABOVE_COLUMNS {
        return None;
    }
    let kept: Vec<_> = fields
        .iter()
        .filter(|f| needed.iter().any(|n| n == f.name()))
        .cloned()
        .collect();
    parquet::schema::types::Type::group_type_builder(root.name())
        .with_fields(kept)
        .build()
        .ok()
}

/// Decodes slices until the file ends, an error is sent, or the stream is dropped (the send fails).
fn decode(mut rows: RowIter<'static>, name: &str, send: &SyncSender<Result<Vec<u8>>>) {
    let mut read = 0u64;
    let mut slices = 0u64;
    loop {
        let mut out = Vec::with_capacity(SLICE_BYTES + (64 << 10));
        let mut failed = None;
        while out.len() < SLICE_BYTES {
            let Some(row) = rows.next() else {
                break;
            };
            let written = row
                .map_err(|e| e.to_string())
                .and_then(|row| row_to_json(&row))
                .and_then(|value| {
                    serde_json::to_writer(&mut out, &value).map_err(|e| e.to_string())
                });
            if let Err(message) = written {
                failed = Some(Error::Io {
                    path: name.to_owned(),
                    message: format!("row {}: {message}", read + 1),
                });
                break;
            }
            out.push(b'\n');
            read += 1;
        }
        let last = out.is_empty() || failed.is_some() || out.len() < SLICE_BYTES;
        if !out.is_empty() && send.send(Ok(out)).is_err() {
            return;
        }
        slices += 1;
        // Every few slices: a trim walks every arena (trimming every slice cost 8% of the throughput).
        if slices.is_multiple_of(TRIM_EVERY) {
            release_free_memory();
        }
        if let Some(error) = failed {
            let _ = send.send(Err(error));
            return;
        }
        if last {
            return;
        }
    }
}
