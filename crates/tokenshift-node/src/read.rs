//! Parquet input: the file's layout up front (columns, rows per row group), then one row group at a time
//! as JSON lines, read on a libuv worker so the JS thread and the prepare pool keep working.

use std::path::PathBuf;
use std::sync::Arc;

use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi::{Env, Task};
use napi_derive::napi;
use tokenshift_core::read::parquet_rows::ParquetRecords;

use crate::guard::guard;

#[napi]
pub struct NativeParquetReader {
    reader: Arc<ParquetRecords>,
}

#[napi]
impl NativeParquetReader {
    #[napi(constructor)]
    pub fn new(path: String) -> napi::Result<Self> {
        let reader = guard(|| ParquetRecords::open(&PathBuf::from(&path)))?;
        Ok(Self {
            reader: Arc::new(reader),
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

    /// Row group `index` as JSON lines, one per row.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn read_row_group_async(&self, index: u32) -> AsyncTask<RowGroupTask> {
        AsyncTask::new(RowGroupTask {
            reader: self.reader.clone(),
            index: index as usize,
        })
    }
}

pub struct RowGroupTask {
    reader: Arc<ParquetRecords>,
    index: usize,
}

impl Task for RowGroupTask {
    type Output = Vec<u8>;
    type JsValue = Buffer;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        guard(|| self.reader.row_group_json_lines(self.index))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        crate::guard::ensure_env_alive(&env)?;
        Ok(output.into())
    }
}
