//! A Parquet row as the JSON object the record pipeline reads: as the `parquet` crate's
//! `to_json_value`, except byte columns. Spark and Hive write strings as BYTE_ARRAY without the UTF8
//! annotation, and the crate turns those into base64 ("SGVsbG8…"), which would be tokenized as text.
//! Bytes that are valid UTF-8 are that text; other bytes are an error naming the column.

use parquet::record::{Field, Row};
use serde_json::{Map, Value};

/// `row` as a JSON object; `Err` names the column whose bytes are not text.
pub fn row_to_json(row: &Row) -> Result<Value, String> {
    let mut out = Map::new();
    for (name, field) in row.get_column_iter() {
        out.insert(name.clone(), field_to_json(field, name)?);
    }
    Ok(Value::Object(out))
}

fn field_to_json(field: &Field, path: &str) -> Result<Value, String> {
    Ok(match field {
        Field::Bytes(bytes) => match std::str::from_utf8(bytes.data()) {
            Ok(text) => Value::String(text.to_owned()),
            Err(e) => {
                return Err(format!(
                    "column `{path}` holds binary data that is not UTF-8 text ({e}); \
                     leave it out of the record shape, or write it as a string column"
                ))
            }
        },
        Field::Group(row) => {
            let mut out = Map::new();
            for (name, inner) in row.get_column_iter() {
                out.insert(
                    name.clone(),
                    field_to_json(inner, &format!("{path}.{name}"))?,
                );
            }
            Value::Object(out)
        }
        Field::ListInternal(list) => Value::Array(
            list.elements()
                .iter()
                .map(|f| field_to_json(f, &format!("{path}[]")))
                .collect::<Result<_, _>>()?,
        ),
        Field::MapInternal(map) => {
            let mut out = Map::new();
            for (key, value) in map.entries() {
                let key = match field_to_json(key, path)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                let value = field_to_json(value, &format!("{path}.{key}"))?;
                out.insert(key, value);
            }
            Value::Object(out)
        }
        other => other.to_json_value(),
    })
}
