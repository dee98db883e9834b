//! Records from a Parquet file, one row group at a time (memory bounded by a row group, not the file):
//! each row becomes the JSON object the record pipeline already reads, nested `list<struct>` columns
//! included, so a Parquet input gives the rows its records give as JSON lines.

use std::fs::File;
use std::path::Path;

use parquet::file::reader::{FileReader, SerializedFileReader};
use serde_json::Value;

use crate::error::{Error, Result};

pub struct ParquetRecords {
    reader: SerializedFileReader<File>,
    name: String,
}

impl ParquetRecords {
    pub fn open(path: &Path) -> Result<Self> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| Error::Json {
            source_name: name.clone(),
            message: format!("cannot open: {e}"),
        })?;
        let reader = SerializedFileReader::new(file).map_err(|e| Error::Json {
            source_name: name.clone(),
            message: format!("is not a Parquet file: {e}"),
        })?;
        Ok(Self { reader, name })
    }

    pub fn row_groups(&self) -> usize {
        self.reader.metadata().num_row_groups()
    }

    pub fn columns(&self) -> Vec<String> {
        let schema = self.reader.metadata().file_metadata().schema_descr();
        schema
            .root_schema()
            .get_fields()
            .iter()
            .map(|f| f.name().to_owned())
            .collect()
    }

    /// The rows of row group `index` as JSON objects.
    pub fn row_group(&self, index: usize) -> Result<Vec<Value>> {
        let group = self
            .reader
            .get_row_group(index)
            .map_err(|e| self.error(index, &e.to_string()))?;
        let rows = group
            .get_row_iter(None)
            .map_err(|e| self.error(index, &e.to_string()))?;
        rows.map(|row| {
            row.map(|r| r.to_json_value())
                .map_err(|e| self.error(index, &e.to_string()))
        })
        .collect()
    }

    fn error(&self, group: usize, message: &str) -> Error {
        Error::Json {
            source_name: format!("{} row group {group}", self.name),
            message: message.to_owned(),
        }
    }
}
