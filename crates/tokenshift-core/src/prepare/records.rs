//! Stage 1: a record (prompt/completion, Alpaca or plain text) becomes an `Example`: the prompt text
//! (never trained) and the completion text (trained).

use serde_json::{Map, Value};

use super::options::{PromptTemplate, RecordFormat};
use crate::error::{record_error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExampleKind {
    /// `{text}`: every token from the text is trained.
    Text,
    /// Prompt and completion: only the completion is trained.
    PromptCompletion,
    /// A rendered conversation (in `completion`) with the byte spans to train.
    Chat(Vec<(usize, usize)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub kind: ExampleKind,
    pub prompt: String,
    pub completion: String,
}

impl Example {
    /// A text or completion that is empty or only whitespace: nothing to learn (chat decides per turn).
    pub fn is_empty(&self) -> bool {
        !matches!(self.kind, ExampleKind::Chat(_)) && self.completion.trim().is_empty()
    }
}

/// Which format a record has (`Auto` resolved from its fields).
pub fn record_format(record: &Value, number: u32, format: RecordFormat) -> Result<RecordFormat> {
    let Value::Object(map) = record else {
        return Err(record_error(number, "(record)", "must be a JSON object"));
    };
    match format {
        RecordFormat::Auto => detect(map, number),
        forced => Ok(forced),
    }
}

pub fn example_from_record(
    record: &Value,
    number: u32,
    format: RecordFormat,
    template: &PromptTemplate,
) -> Result<Example> {
    let Value::Object(map) = record else {
        return Err(record_error(number, "(record)", "must be a JSON object"));
    };
    let format = match format {
        RecordFormat::Auto => detect(map, number)?,
        forced => forced,
    };
    match format {
        RecordFormat::Text => Ok(Example {
            kind: ExampleKind::Text,
            prompt: String::new(),
            completion: trained_string(map, "text", number)?.to_owned(),
        }),
        RecordFormat::PromptCompletion => {
            let prompt = required_string(map, "prompt", number)?;
            let completion = if map.contains_key("completion") || !map.contains_key("response") {
                trained_string(map, "completion", number)?
            } else {
                trained_string(map, "response", number)?
            };
            Ok(Example {
                kind: ExampleKind::PromptCompletion,
                prompt: prompt.to_owned(),
                completion: completion.to_owned(),
            })
        }
        RecordFormat::Alpaca => {
            let instruction = required_string(map, "instruction", number)?;
            let input = optional_string(map, "input", number)?.unwrap_or_default();
            let output = trained_string(map, "output", number)?;
            Ok(Example {
                kind: ExampleKind::PromptCompletion,
                prompt: render_alpaca_prompt(template, instruction, input, number)?,
                completion: output.to_owned(),
            })
        }
        RecordFormat::Auto | RecordFormat::Chat => unreachable_auto(number),
    }
}

fn unreachable_auto(number: u32) -> Result<Example> {
    // `detect` never returns Auto; kept as an error rather than a panic all the same.
    Err(record_error(
        number,
        "(record)",
        "record format could not be decided",
    ))
}

fn detect(map: &Map<String, Value>, number: u32) -> Result<RecordFormat> {
    if crate::chat::conversation::is_conversation(map) {
        Ok(RecordFormat::Chat)
    } else if map.contains_key("text") {
        Ok(RecordFormat::Text)
    } else if map.contains_key("prompt") {
        Ok(RecordFormat::PromptCompletion)
    } else if map.contains_key("instruction") {
        Ok(RecordFormat::Alpaca)
    } else {
        let mut fields: Vec<&str> = map.keys().map(String::as_str).collect();
        fields.sort_unstable();
        Err(record_error(
            number,
            "(record)",
            &format!(
                "has no known format: expected {{prompt, completion}}, {{prompt, response}}, {{instruction, input, output}}, {{text}}, {{messages}} or {{conversations}}; found fields [{}] (map other names with the `columns` option, CLI --columns, e.g. prompt=question)",
                fields.join(", ")
            ),
        ))
    }
}

/// Longest prompt a template may expand to: a template with many placeholders must not turn one record
/// into gigabytes (the same as the default line limit).
pub const MAX_PROMPT_BYTES: usize = 64 << 20;

/// Replaces `{instruction}` and `{input}` in one pass, so placeholder-like text inside the values
/// is left as written.
pub fn render_alpaca_prompt(
    template: &PromptTemplate,
    instruction: &str,
    input: &str,
    number: u32,
) -> Result<String> {
    let pattern = if input.is_empty() {
        &template.without_input
    } else {
        &template.with_input
    };
    let (instructions, inputs) = (
        pattern.matches("{instruction}").count(),
        pattern.matches("{input}").count(),
    );
    let expanded = instructions
        .saturating_mul(instruction.len())
        .saturating_add(inputs.saturating_mul(input.len()))
        .saturating_add(pattern.len());
    if expanded > MAX_PROMPT_BYTES {
        return Err(record_error(
            number,
            "instruction",
            &format!("makes the prompt template expand to {expanded} bytes, over the limit of {MAX_PROMPT_BYTES}"),
        ));
    }
    let mut out = String::with_capacity(expanded);
    let mut rest = pattern.as_str();
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        if let Some(after) = tail.strip_prefix("{instruction}") {
            out.push_str(instruction);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("{input}") {
            out.push_str(input);
            rest = after;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn required_string<'a>(map: &'a Map<String, Value>, field: &str, number: u32) -> Result<&'a str> {
    match map.get(field) {
        Some(Value::String(s)) => Ok(s),
        None => Err(record_error(number, field, "is missing")),
        // Parquet and JSON nulls: a value the dataset does not have.
        Some(Value::Null) => Err(record_error(
            number,
            field,
            "is null (a string is required)",
        )),
        Some(other) => Err(record_error(
            number,
            field,
            &format!("must be a string, got {}", type_name(other)),
        )),
    }
}

/// The text to learn from: an empty one would train nothing but EOS.
/// The trained field. Empty or whitespace-only is content, not malformed input: `prepare` counts such
/// records as `empty_completion` skips (see `Example::is_empty`).
fn trained_string<'a>(map: &'a Map<String, Value>, field: &str, number: u32) -> Result<&'a str> {
    required_string(map, field, number)
}

fn optional_string<'a>(
    map: &'a Map<String, Value>,
    field: &str,
    number: u32,
) -> Result<Option<&'a str>> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(record_error(
            number,
            field,
            &format!("must be a string, got {}", type_name(other)),
        )),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example(record: Value) -> Result<Example> {
        example_from_record(&record, 7, RecordFormat::Auto, &PromptTemplate::default())
    }

    #[test]
    fn detects_each_format() {
        assert_eq!(
            example(json!({"text": "t"})).expect("ok").kind,
            ExampleKind::Text
        );
        let pc = example(json!({"prompt": "p", "response": "r"})).expect("ok");
        assert_eq!((pc.prompt.as_str(), pc.completion.as_str()), ("p", "r"));
        let alpaca =
            example(json!({"instruction": "Do {input}", "input": "", "output": "o"})).expect("ok");
        assert!(alpaca
            .prompt
            .contains("### Instruction:\nDo {input}\n\n### Response:\n"));
        assert!(!alpaca.prompt.contains("### Input:"));
    }

    #[test]
    fn errors_name_record_and_field() {
        let err = example(json!({"prompt": "p", "completion": 3})).expect_err("must fail");
        assert_eq!(
            err.to_string(),
            "record 7: field `completion` must be a string, got a number"
        );
        let err = example(json!({"instruction": "i"})).expect_err("must fail");
        assert_eq!(err.to_string(), "record 7: field `output` is missing");
        let err = example(json!({"foo": 1})).expect_err("must fail");
        assert!(err.to_string().contains("found fields [foo]"));
    }

    #[test]
    fn template_substitution_is_single_pass() {
        let t = PromptTemplate {
            with_input: "{instruction}|{input}|{other}".into(),
            without_input: "{instruction}".into(),
        };
        assert_eq!(
            render_alpaca_prompt(&t, "{input}", "x", 1).expect("renders"),
            "{input}|x|{other}"
        );
        assert_eq!(render_alpaca_prompt(&t, "a", "", 1).expect("renders"), "a");
    }
}
