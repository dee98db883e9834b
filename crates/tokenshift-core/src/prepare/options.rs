//! Options of `prepare`, validated once at the boundary. The TS facade validates the same schema
//! (src/twin/prepare/options.ts) and sends the normalised JSON, so both backends read identical options.

use serde::Deserialize;

use crate::error::{Error, Result};

/// Where the label shift happens. Never defaulted: the convention must be a recorded choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shift {
    /// `labels[i] = ids[i]` where trainable; the model's loss shifts (HF `*ForCausalLM`, TRL, axolotl, LLaMA-Factory).
    Model,
    /// `labels[i] = ids[i + 1]` where that token is trainable; last label ignored. For losses that compare
    /// `logits[i]` with `labels[i]` directly.
    Data,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Truncation {
    /// Keep the first `max_length` tokens.
    #[default]
    Right,
    /// Keep the last `max_length` tokens.
    Left,
    /// Skip records longer than `max_length`.
    Drop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Boundary {
    /// Tokenize prompt + completion once; a token is trainable when its span overlaps the completion.
    #[default]
    Offsets,
    /// Tokenize prompt (with special tokens) and completion (without) apart and concatenate.
    Separate,
}

/// Which record shape to read; `Auto` decides per record from its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RecordFormat {
    #[default]
    Auto,
    PromptCompletion,
    Alpaca,
    Text,
    /// `{messages}` or ShareGPT `{conversations}`, rendered with the chat template.
    Chat,
}

/// The Alpaca prompt, with `{instruction}` and `{input}` placeholders; `without_input` is used when
/// `input` is empty or missing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PromptTemplate {
    pub with_input: String,
    pub without_input: String,
}

impl Default for PromptTemplate {
    /// Stanford Alpaca's template (also used by TinyLlama's and most Alpaca SFT scripts).
    fn default() -> Self {
        Self {
            with_input: "Below is an instruction that describes a task, paired with an input that provides further context. \
Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n"
                .into(),
            without_input: "Below is an instruction that describes a task. \
Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:\n"
                .into(),
        }
    }
}

/// What a record that cannot be read (bad JSON or UTF-8, wrong field types, empty text) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    /// Stop with an error naming the record and field.
    #[default]
    Fail,
    /// Skip it, counted with its record number and the same message.
    Skip,
}

/// Process only records whose number `n` has `(n - 1) % count == index`: a deterministic split by
/// line number, so the same command runs unchanged on `count` machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn holds(&self, record: u32) -> bool {
        (record - 1) % self.count == self.index
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PrepareOptions {
    pub shift: Shift,
    #[serde(default)]
    pub max_length: Option<u32>,
    #[serde(default)]
    pub truncation: Truncation,
    /// `None`: append EOS when the tokenizer has one.
    #[serde(default)]
    pub add_eos: Option<bool>,
    #[serde(default = "default_ignore_index")]
    pub ignore_index: i32,
    #[serde(default)]
    pub boundary: Boundary,
    #[serde(default)]
    pub format: RecordFormat,
    #[serde(default)]
    pub prompt_template: PromptTemplate,
    /// Chat records: which assistant turns to train.
    #[serde(default)]
    pub train_on: crate::chat::turns::TrainOn,
    /// Chat template to use instead of the tokenizer config's.
    #[serde(default)]
    pub chat_template: Option<String>,
    /// Record number of the first record (1 for an array; a later chunk of a stream starts higher).
    #[serde(default = "default_first_record")]
    pub first_record_number: u32,
    #[serde(default)]
    pub on_error: OnError,
    #[serde(default)]
    pub shard: Option<Shard>,
    /// Our field name → the dataset's column name (see `columns.rs`).
    #[serde(default)]
    pub columns: std::collections::BTreeMap<String, String>,
    /// Speaker renames in chat records (`human` → `user`).
    #[serde(default)]
    pub roles: std::collections::BTreeMap<String, String>,
    /// Input columns copied into each output row.
    #[serde(default)]
    pub keep: Vec<String>,
}

fn default_ignore_index() -> i32 {
    -100
}

fn default_first_record() -> u32 {
    1
}

pub const SHIFT_HELP: &str = "`shift` is required and has no default: use 'model' when the trainer's model shifts labels itself \
(Hugging Face *ForCausalLM, TRL, axolotl, LLaMA-Factory: labels[i] = input_ids[i]), or 'data' when the loss compares \
logits[i] with labels[i] directly (labels[i] = input_ids[i+1], last label ignored)";

impl PrepareOptions {
    pub fn from_json_str(text: &str) -> Result<Self> {
        let options: Self = serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            if message.contains("missing field `shift`") {
                Error::InvalidOption {
                    option: "shift".into(),
                    message: SHIFT_HELP.into(),
                }
            } else {
                Error::InvalidOption {
                    option: "prepare options".into(),
                    message,
                }
            }
        })?;
        options.validate()?;
        Ok(options)
    }

    pub fn validate(&self) -> Result<()> {
        if self.max_length == Some(0) {
            return Err(Error::InvalidOption {
                option: "maxLength".into(),
                message: "must be a positive whole number".into(),
            });
        }
        if self.first_record_number == 0 {
            return Err(Error::InvalidOption {
                option: "firstRecordNumber".into(),
                message: "record numbers count from 1".into(),
            });
        }
        if let Some(shard) = self.shard {
            if shard.count == 0 || shard.index >= shard.count {
                return Err(Error::InvalidOption {
                    option: "shard".into(),
                    message: format!(
                        "index must be below count (0-based), got {}/{}",
                        shard.index, shard.count
                    ),
                });
            }
        }
        self.column_mapping().validate(&self.keep)
    }

    pub fn column_mapping(&self) -> super::columns::ColumnMapping {
        super::columns::ColumnMapping {
            columns: self.columns.clone(),
            roles: self.roles.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_is_required_and_explained() {
        let err = PrepareOptions::from_json_str("{}").expect_err("must fail");
        let message = err.to_string();
        assert!(
            message.contains("'model'") && message.contains("'data'"),
            "{message}"
        );
    }

    #[test]
    fn defaults_are_documented_ones() {
        let o = PrepareOptions::from_json_str(r#"{"shift":"data"}"#).expect("valid");
        assert_eq!(o.shift, Shift::Data);
        assert_eq!(o.ignore_index, -100);
        assert_eq!(o.truncation, Truncation::Right);
        assert_eq!(o.boundary, Boundary::Offsets);
        assert_eq!(o.add_eos, None);
        assert_eq!(o.max_length, None);
    }

    #[test]
    fn rejects_unknown_values_and_fields() {
        for bad in [
            r#"{"shift":"both"}"#,
            r#"{"shift":"model","maxLength":-1}"#,
            r#"{"shift":"model","maxLength":0}"#,
            r#"{"shift":"model","trunc":"left"}"#,
        ] {
            assert!(PrepareOptions::from_json_str(bad).is_err(), "{bad}");
        }
    }
}
