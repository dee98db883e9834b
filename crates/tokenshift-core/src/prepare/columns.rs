//! Stage 0: a record with the dataset's own column names becomes a record with ours. `columns` maps our
//! field names to the dataset's (`prompt ← question`), `role`/`content` name the keys inside each message,
//! `roles` renames speakers (`human → user`); `keep` copies columns through to the output row.
//! A mapped column is taken from the original record, so mappings may swap names.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The record fields `columns` may map, and the message keys.
pub const RECORD_FIELDS: &[&str] = &[
    "prompt",
    "completion",
    "response",
    "instruction",
    "input",
    "output",
    "text",
    "messages",
    "conversations",
    "system",
    "tools",
    "documents",
];
pub const MESSAGE_KEYS: &[&str] = &["role", "content"];

/// Output row fields a kept column may not shadow.
const ROW_FIELDS: &[&str] = &[
    "input_ids",
    "labels",
    "attention_mask",
    "position_ids",
    "seq_lens",
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMapping {
    pub columns: BTreeMap<String, String>,
    pub roles: BTreeMap<String, String>,
}

/// Names JavaScript objects give a meaning of their own: refused on both backends alike.
const RESERVED_NAMES: [&str; 3] = ["__proto__", "constructor", "prototype"];

impl ColumnMapping {
    pub fn is_identity(&self) -> bool {
        self.columns.is_empty() && self.roles.is_empty()
    }

    pub fn validate(&self, keep: &[String]) -> Result<()> {
        for (field, column) in &self.columns {
            if !RECORD_FIELDS.contains(&field.as_str()) && !MESSAGE_KEYS.contains(&field.as_str()) {
                return Err(invalid(
                    "columns",
                    format!(
                        "cannot map {field:?}: the fields are {} and the message keys {}",
                        RECORD_FIELDS.join(", "),
                        MESSAGE_KEYS.join(", ")
                    ),
                ));
            }
            if column.is_empty() {
                return Err(invalid(
                    "columns",
                    format!("{field} maps to an empty column name"),
                ));
            }
        }
        let reserved = |option: &str, name: &str| match RESERVED_NAMES.contains(&name) {
            true => Err(invalid(
                option,
                format!("{name:?} cannot be a column, field or speaker name"),
            )),
            false => Ok(()),
        };
        for (field, column) in &self.columns {
            reserved("columns", field)?;
            reserved("columns", column)?;
        }
        for (from, to) in &self.roles {
            reserved("roles", from)?;
            reserved("roles", to)?;
        }
        for name in keep {
            reserved("keep", name)?;
        }
        for (from, to) in &self.roles {
            if from.is_empty() || to.is_empty() {
                return Err(invalid(
                    "roles",
                    format!("{from:?}={to:?}: a role name is empty"),
                ));
            }
        }
        for name in keep {
            if name.is_empty() {
                return Err(invalid("keep", "a column name is empty".into()));
            }
            if ROW_FIELDS.contains(&name.as_str()) {
                return Err(invalid(
                    "keep",
                    format!(
                        "{name} is a field of the output row; it cannot be kept from the input"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The record under our names (borrowed when nothing is mapped).
    pub fn apply<'a>(&self, record: &'a Value) -> Cow<'a, Value> {
        let Value::Object(original) = record else {
            return Cow::Borrowed(record);
        };
        if self.is_identity() {
            return Cow::Borrowed(record);
        }
        let mut out = Map::with_capacity(original.len());
        let record_fields: Vec<(&String, &String)> = self
            .columns
            .iter()
            .filter(|(field, _)| RECORD_FIELDS.contains(&field.as_str()))
            .collect();
        for (key, value) in original {
            let mapped_away = record_fields
                .iter()
                .any(|(field, column)| *column == key || *field == key);
            if !mapped_away {
                out.insert(key.clone(), value.clone());
            }
        }
        for (field, column) in &record_fields {
            if let Some(value) = original.get(column.as_str()) {
                out.insert((*field).clone(), value.clone());
            }
        }
        for (list, sharegpt) in [("messages", false), ("conversations", true)] {
            if let Some(Value::Array(items)) = out.get_mut(list) {
                for item in items.iter_mut() {
                    if let Value::Object(message) = item {
                        self.map_message(message, sharegpt);
                    }
                }
            }
        }
        Cow::Owned(Value::Object(out))
    }

    /// Message keys to the ones the shape reads (`role`/`content`, or ShareGPT's `from`/`value`), then
    /// the speaker through `roles`.
    fn map_message(&self, message: &mut Map<String, Value>, sharegpt: bool) {
        let (role_key, content_key) = if sharegpt {
            ("from", "value")
        } else {
            ("role", "content")
        };
        let renames = [
            (self.columns.get("role"), role_key),
            (self.columns.get("content"), content_key),
        ];
        let taken: Vec<(&str, Option<Value>)> = renames
            .iter()
            .filter_map(|(source, target)| {
                source.map(|s| (*target, message.shift_remove(s.as_str())))
            })
            .collect();
        for (target, value) in taken {
            message.shift_remove(target);
            if let Some(value) = value {
                message.insert(target.to_owned(), value);
            }
        }
        if let Some(Value::String(role)) = message.get_mut(role_key) {
            if let Some(renamed) = self.roles.get(role.as_str()) {
                *role = renamed.clone();
            }
        }
    }
}

impl ColumnMapping {
    /// A record error on a mapped field also names the dataset's column (`completion` is `answer` there).
    pub fn explain(&self, error: Error) -> Error {
        match error {
            Error::Record {
                record,
                field,
                message,
            } => {
                let top = field.split(['[', '.']).next().unwrap_or_default();
                let message = match self.columns.get(top) {
                    Some(column) if RECORD_FIELDS.contains(&top) => {
                        format!("{message} — input column `{column}`")
                    }
                    _ => message,
                };
                Error::Record {
                    record,
                    field,
                    message,
                }
            }
            other => other,
        }
    }
}

/// The kept columns of a record as one JSON object, in the order asked (a missing column is null).
pub fn kept_columns(record: &Value, keep: &[String]) -> String {
    let mut out = Map::with_capacity(keep.len());
    for name in keep {
        let value = record.get(name.as_str()).cloned().unwrap_or(Value::Null);
        out.insert(name.clone(), value);
    }
    Value::Object(out).to_string()
}

fn invalid(option: &str, message: String) -> Error {
    Error::InvalidOption {
        option: option.into(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mapping(columns: &[(&str, &str)], roles: &[(&str, &str)]) -> ColumnMapping {
        let pairs = |list: &[(&str, &str)]| {
            list.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect()
        };
        ColumnMapping {
            columns: pairs(columns),
            roles: pairs(roles),
        }
    }

    #[test]
    fn renames_fields_from_the_original_record() {
        let m = mapping(&[("prompt", "answer"), ("completion", "question")], &[]);
        let record = json!({"question": "q", "answer": "a", "id": 3});
        let out = m.apply(&record);
        assert_eq!(
            out.as_ref(),
            &json!({"id": 3, "prompt": "a", "completion": "q"})
        );
    }

    #[test]
    fn a_mapped_field_missing_from_the_record_stays_missing() {
        let m = mapping(&[("prompt", "question")], &[]);
        let record = json!({"prompt": "not this one", "completion": "c"});
        let out = m.apply(&record);
        assert_eq!(out.as_ref(), &json!({"completion": "c"}));
    }

    #[test]
    fn message_keys_and_roles() {
        let m = mapping(
            &[
                ("messages", "dialog"),
                ("role", "speaker"),
                ("content", "text"),
            ],
            &[("bot", "assistant")],
        );
        let record = json!({"dialog": [{"speaker": "user", "text": "hi"}, {"speaker": "bot", "text": "yo"}]});
        let out = m.apply(&record);
        assert_eq!(
            out.as_ref(),
            &json!({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]})
        );
        let sharegpt = mapping(&[("role", "speaker"), ("content", "text")], &[]);
        let record = json!({"conversations": [{"speaker": "human", "text": "hi"}]});
        let out = sharegpt.apply(&record);
        assert_eq!(
            out.as_ref(),
            &json!({"conversations": [{"from": "human", "value": "hi"}]})
        );
    }

    #[test]
    fn identity_borrows_and_keep_names_columns() {
        let record = json!({"id": 7, "text": "t"});
        assert!(matches!(
            ColumnMapping::default().apply(&record),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            kept_columns(&record, &["id".into(), "source".into()]),
            r#"{"id":7,"source":null}"#
        );
    }

    #[test]
    fn validation_names_the_option() {
        let err = mapping(&[("answer", "x")], &[])
            .validate(&[])
            .expect_err("unknown field");
        assert!(err.to_string().contains("cannot map \"answer\""), "{err}");
        let err = ColumnMapping::default()
            .validate(&["labels".into()])
            .expect_err("row field");
        assert!(
            err.to_string()
                .contains("labels is a field of the output row"),
            "{err}"
        );
    }
}
