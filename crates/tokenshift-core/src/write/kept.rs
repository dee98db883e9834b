//! Input columns kept through `prepare` (`keep`), so users can join rows back to their records: spliced
//! into JSON lines as they are, and written to Parquet as optional string columns (a string value as
//! itself, any other value as its JSON text, null as null). Formats without named columns refuse them.

use serde_json::{Map, Value};

use super::Format;
use crate::error::{Error, Result};
use crate::rows::RowBatch;

/// Appends row `r`'s kept columns to a JSON object `line` still open (no closing brace yet).
pub fn push_json_fields(line: &mut String, batch: &RowBatch, r: usize) {
    if let Some(text) = batch.kept.and_then(|k| k.get(r)) {
        let inner = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or_default();
        if !inner.is_empty() {
            line.push(',');
            line.push_str(inner);
        }
    }
}

/// npy and lit-gpt's bin hold token arrays only.
pub fn refuse_for(format: Format, batch: &RowBatch) -> Result<()> {
    if batch.kept.is_some_and(|k| k.iter().any(|t| t != "{}")) {
        return Err(Error::InvalidOption {
            option: "keep".into(),
            message: format!(
                "{} output holds token arrays only; kept columns need jsonl or parquet",
                format.as_str()
            ),
        });
    }
    Ok(())
}

/// Kept columns buffered for one Parquet row group.
#[derive(Default)]
pub struct KeptColumns {
    pub names: Vec<String>,
    pub values: Vec<Vec<Option<String>>>,
}

impl KeptColumns {
    /// The column names of the first kept row (every row of a job keeps the same columns).
    pub fn names_of(text: &str) -> Result<Vec<String>> {
        Ok(parse(text)?.keys().cloned().collect())
    }

    pub fn with_names(names: Vec<String>) -> Self {
        let values = names.iter().map(|_| Vec::new()).collect();
        Self { names, values }
    }

    pub fn push_row(&mut self, text: &str) -> Result<()> {
        let mut object = parse(text)?;
        for (name, column) in self.names.iter().zip(&mut self.values) {
            column.push(match object.remove(name.as_str()) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s),
                Some(other) => Some(other.to_string()),
            });
        }
        Ok(())
    }

    pub fn clear(&mut self) {
        self.values.iter_mut().for_each(Vec::clear);
    }
}

fn parse(text: &str) -> Result<Map<String, Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Error::InvalidOption {
            option: "kept columns".into(),
            message: format!("each row's kept columns must be one JSON object, got {text:?}"),
        }),
    }
}
