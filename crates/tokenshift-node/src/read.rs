//! Parquet input: the file's layout up front (columns, rows per row group), then the rows in order as JSON
//! lines, a few MiB at a time, read on a libuv worker so the JS thread and the prepare pool keep working.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{AsyncTask, BufferSlice};
use napi::{Env, ScopedTask};
use napi_derive::napi;
use tokenshift_core::read::counted_file::ReadTally;
use tokenshift_core::read::parquet_rows::{ParquetRecords, ParquetRowStream};
use tokenshift_core::Error;

use crate::guard::guard;

#[napi]
pub struct NativeParquetReader {
    path: PathBuf,
    reader: Arc<ParquetRecords>,
    /// Opened by the first read: a reader made only to check columns starts no decoding.
    rows: Arc<Mutex<Option<ParquetRowStream>>>,
    /// The top-level columns records can use (set before the first read; a wide file decodes only these).
    needed: Arc<Mutex<Option<Vec<String>>>>,
    /// Only these row groups (set before the first read), else all.
    row_groups: Arc<Mutex<Option<Range<usize>>>>,
    /// Bytes the row reader has taken from the file, and their hash.
    tally: Arc<ReadTally>,
}

#[napi]
impl NativeParquetReader {
    #[napi(constructor)]
    pub fn new(path: String) -> napi::Result<Self> {
        let path = PathBuf::from(&path);
        let reader = guard(|| ParquetRecords::open(&path))?;
        Ok(Self {
            path,
            reader: Arc::new(reader),
            rows: Arc::new(Mutex::new(None)),
            needed: Arc::new(Mutex::new(None)),
            row_groups: Arc::new(Mutex::new(None)),
            tally: Arc::new(ReadTally::default()),
        })
    }

    /// Read only row groups `first..end` (0-based, end exclusive): a shard's work units. Before the first read.
    #[napi]
    pub fn select_row_groups(&self, first: u32, end: u32) {
        if let Ok(mut groups) = self.row_groups.lock() {
            *groups = Some(first as usize..end as usize);
        }
    }

    /// `[start, end)` bytes of each row group's column chunks, in file order.
    #[napi(getter)]
    pub fn row_group_byte_ranges(&self) -> Vec<Vec<f64>> {
        self.reader
            .row_group_byte_ranges()
            .into_iter()
            .map(|(start, end)| vec![start as f64, end as f64])
            .collect()
    }

    /// Bytes the row reader has read from the file so far (footer included).
    #[napi(getter)]
    pub fn bytes_read(&self) -> f64 {
        self.tally.bytes() as f64
    }

    /// SHA-256 (hex) of the bytes the row reader has read so far, in the order read.
    #[napi(getter)]
    pub fn read_sha256(&self) -> String {
        self.tally.sha256()
    }

    /// The top-level columns records can use: a file of more than 64 columns decodes only these.
    #[napi]
    pub fn select_columns(&self, columns: Vec<String>) {
        if let Ok(mut needed) = self.needed.lock() {
            *needed = Some(columns);
        }
    }

    /// Top-level columns in schema order.
    #[napi(getter)]
    pub fn columns(&self) -> Vec<String> {
        self.reader.columns()
    }

    /// Every leaf column as a dotted path (`messages.list.element.role`).
    #[napi(getter)]
    pub fn leaf_paths(&self) -> Vec<String> {
        self.reader.leaf_paths()
    }

    /// Rows of each row group, in file order.
    #[napi(getter)]
    pub fn row_group_rows(&self) -> Vec<f64> {
        self.reader
            .row_group_rows()
            .into_iter()
            .map(|n| n as f64)
            .collect()
    }

    /// The next rows as JSON lines, one line per row (whole rows, a few MiB); empty at the end of the
    /// file. Calls are served in order: await one before the next.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn read_rows_async(&self) -> AsyncTask<RowSliceTask> {
        AsyncTask::new(RowSliceTask {
            path: self.path.clone(),
            rows: self.rows.clone(),
            needed: self.needed.lock().ok().and_then(|n| n.clone()),
            row_groups: self.row_groups.lock().ok().and_then(|g| g.clone()),
            tally: self.tally.clone(),
        })
    }
}

pub struct RowSliceTask {
    path: PathBuf,
    rows: Arc<Mutex<Option<ParquetRowStream>>>,
    needed: Option<Vec<String>>,
    row_groups: Option<Range<usize>>,
    tally: Arc<ReadTally>,
}

impl<'task> ScopedTask<'task> for RowSliceTask {
    type Output = Vec<u8>;
    type JsValue = BufferSlice<'task>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        guard(|| {
            let mut rows = self.rows.lock().map_err(|_| Error::Io {
                path: "(parquet)".into(),
                message: "an earlier read of this file failed mid-way".into(),
            })?;
            let stream = match &mut *rows {
                Some(stream) => stream,
                slot @ None => slot.insert(ParquetRowStream::open(
                    &self.path,
                    self.needed.as_deref(),
                    self.row_groups.clone(),
                    self.tally.clone(),
                )?),
            };
            stream.next_json_lines()
        })
    }

    fn resolve(&mut self, env: &'task Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        crate::guard::ensure_env_alive(env)?;
        // Copied into memory the JS engine owns and counts: an external buffer would be freed only when a
        // GC happens to run, and V8 does not know its size, so slices would pile up (measured: +90 MB RSS).
        BufferSlice::copy_from(env, &output)
    }
}
