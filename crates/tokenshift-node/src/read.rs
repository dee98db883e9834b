//! Parquet input: the file's layout up front (columns, rows per row group), then the rows in order as JSON
//! lines, a few MiB at a time, read on a libuv worker so the JS thread and the prepare pool keep working.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi::{Env, Task};
use napi_derive::napi;
use tokenshift_core::read::parquet_rows::{ParquetRecords, ParquetRowStream};
use tokenshift_core::Error;

use crate::guard::guard;

#[napi]
pub struct NativeParquetReader {
    reader: Arc<ParquetRecords>,
    rows: Arc<Mutex<ParquetRowStream>>,
}

/// Whole rows as JSON lines (one per row) and how many.
#[napi(object)]
pub struct NativeRowSlice {
    pub lines: Buffer,
    pub rows: u32,
}

#[napi]
impl NativeParquetReader {
    #[napi(constructor)]
    pub fn new(path: String) -> napi::Result<Self> {
        let path = PathBuf::from(&path);
        let (reader, rows) =
            guard(|| Ok((ParquetRecords::open(&path)?, ParquetRowStream::open(&path)?)))?;
        Ok(Self {
            reader: Arc::new(reader),
            rows: Arc::new(Mutex::new(rows)),
        })
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

    /// The next rows (whole rows, about `max_bytes` of JSON lines); no rows at the end of the file.
    /// Calls are served in order: await one before the next.
    #[napi(ts_return_type = "Promise<NativeRowSlice>")]
    pub fn read_rows_async(&self, max_bytes: u32) -> AsyncTask<RowSliceTask> {
        AsyncTask::new(RowSliceTask {
            rows: self.rows.clone(),
            max_bytes: max_bytes as usize,
        })
    }
}

pub struct RowSliceTask {
    rows: Arc<Mutex<ParquetRowStream>>,
    max_bytes: usize,
}

impl Task for RowSliceTask {
    type Output = (Vec<u8>, u32);
    type JsValue = NativeRowSlice;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        guard(|| {
            let mut rows = self.rows.lock().map_err(|_| Error::Io {
                path: "(parquet)".into(),
                message: "an earlier read of this file failed mid-way".into(),
            })?;
            rows.next_json_lines(self.max_bytes)
        })
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        crate::guard::ensure_env_alive(&env)?;
        Ok(NativeRowSlice {
            lines: output.0.into(),
            rows: output.1,
        })
    }
}
