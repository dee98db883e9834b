//! The parts of `tokenizer_config.json` (merged with `special_tokens_map.json`) that tokenization needs:
//! which strings are BOS/EOS/PAD/UNK, the chat template, and decode clean-up.

use serde_json::Value;

use crate::error::{Error, Result};

/// Special-token strings as declared by the model's config, resolved to ids where the vocabulary has them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpecialTokens {
    pub bos: Option<String>,
    pub eos: Option<String>,
    pub pad: Option<String>,
    pub unk: Option<String>,
    pub additional: Vec<String>,
}

/// Settings read from `tokenizer_config.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenizerConfig {
    pub special: SpecialTokens,
    /// Template used when none is named: the plain string, or the entry named "default".
    pub chat_template: Option<String>,
    /// Transformers' `clean_up_tokenization_spaces`; `@huggingface/tokenizers` defaults it to true.
    pub clean_up_tokenization_spaces: bool,
    pub model_max_length: Option<u64>,
}

impl Default for TokenizerConfig {
    fn default() -> Self {
        Self {
            special: SpecialTokens::default(),
            chat_template: None,
            clean_up_tokenization_spaces: true,
            model_max_length: None,
        }
    }
}

const SOURCE: &str = "tokenizer_config.json";

impl TokenizerConfig {
    pub fn from_json_str(text: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text).map_err(|e| Error::Json {
            source_name: SOURCE.into(),
            message: e.to_string(),
        })?;
        Self::from_value(&value)
    }

    pub fn from_value(value: &Value) -> Result<Self> {
        let Value::Object(map) = value else {
            return Err(Error::Config {
                source_name: SOURCE.into(),
                field: "(root)".into(),
                message: "must be a JSON object".into(),
            });
        };
        let token = |field: &str| token_field(map.get(field), field);
        let additional = match map.get("additional_special_tokens") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    token_field(Some(item), "additional_special_tokens")
                        .map(|t| t.unwrap_or_default())
                })
                .collect::<Result<Vec<_>>>()?,
            Some(_) => return Err(field_error("additional_special_tokens", "must be a list")),
        };
        let clean_up_tokenization_spaces = match map.get("clean_up_tokenization_spaces") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(field_error(
                    "clean_up_tokenization_spaces",
                    "must be true or false",
                ))
            }
        };
        Ok(Self {
            special: SpecialTokens {
                bos: token("bos_token")?,
                eos: token("eos_token")?,
                pad: token("pad_token")?,
                unk: token("unk_token")?,
                additional,
            },
            chat_template: chat_template(map.get("chat_template"))?,
            clean_up_tokenization_spaces,
            // Transformers writes huge sentinels (1e30) here when there is no limit; those are not limits.
            model_max_length: map
                .get("model_max_length")
                .and_then(Value::as_u64)
                .filter(|n| *n < (1u64 << 40)),
        })
    }
}

fn field_error(field: &str, message: &str) -> Error {
    Error::Config {
        source_name: SOURCE.into(),
        field: field.into(),
        message: message.into(),
    }
}

/// A token is written either as a plain string or as an AddedToken object with `content`.
fn token_field(value: Option<&Value>, field: &str) -> Result<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Object(obj)) => match obj.get("content") {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            _ => Err(field_error(
                field,
                "is an object without a string `content`",
            )),
        },
        Some(_) => Err(field_error(
            field,
            "must be a string or an object with `content`",
        )),
    }
}

/// `chat_template` is a string, or a list of `{name, template}` of which "default" is the one used.
fn chat_template(value: Option<&Value>) -> Result<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Array(entries)) => {
            let mut first = None;
            for entry in entries {
                let name = entry.get("name").and_then(Value::as_str);
                let template = entry.get("template").and_then(Value::as_str);
                let (Some(name), Some(template)) = (name, template) else {
                    return Err(field_error(
                        "chat_template",
                        "list entries must have string `name` and `template`",
                    ));
                };
                if name == "default" {
                    return Ok(Some(template.to_owned()));
                }
                first.get_or_insert_with(|| template.to_owned());
            }
            Ok(first)
        }
        Some(_) => Err(field_error(
            "chat_template",
            "must be a string or a list of {name, template}",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_object_tokens() {
        let cfg = TokenizerConfig::from_json_str(
            r#"{"bos_token":"<s>","eos_token":{"__type":"AddedToken","content":"</s>"},"pad_token":null,
                "clean_up_tokenization_spaces":false,"model_max_length":2048}"#,
        )
        .expect("valid config");
        assert_eq!(cfg.special.bos.as_deref(), Some("<s>"));
        assert_eq!(cfg.special.eos.as_deref(), Some("</s>"));
        assert_eq!(cfg.special.pad, None);
        assert!(!cfg.clean_up_tokenization_spaces);
        assert_eq!(cfg.model_max_length, Some(2048));
    }

    #[test]
    fn named_templates_prefer_default() {
        let cfg = TokenizerConfig::from_json_str(
            r#"{"chat_template":[{"name":"tool_use","template":"T"},{"name":"default","template":"D"}]}"#,
        )
        .expect("valid config");
        assert_eq!(cfg.chat_template.as_deref(), Some("D"));
    }

    #[test]
    fn wrong_types_name_the_field() {
        let err = TokenizerConfig::from_json_str(r#"{"eos_token": 5}"#).expect_err("must fail");
        assert!(err.to_string().contains("eos_token"), "{err}");
        let err = TokenizerConfig::from_json_str("{").expect_err("must fail");
        assert!(err.to_string().contains("not valid JSON"), "{err}");
    }

    #[test]
    fn absurd_max_length_is_no_limit() {
        let cfg = TokenizerConfig::from_json_str(
            r#"{"model_max_length":1000000000000000019884624838656}"#,
        )
        .expect("valid config");
        assert_eq!(cfg.model_max_length, None);
    }
}
