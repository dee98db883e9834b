//! Stage 1 for chat records: `{messages}` (OpenAI/TRL) or ShareGPT `{conversations}` become one list of
//! `{role, content, …}` messages for the template, plus `tools`/`documents` and which turns to train.

use serde_json::{Map, Value};

use crate::error::record_error;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// Messages as the template receives them (content parts joined into one string).
    pub messages: Value,
    pub tools: Option<Value>,
    pub documents: Option<Value>,
    /// Per message: `Some(true/false)` from `train` or `loss_weight`, `None` when unset.
    pub train: Vec<Option<bool>>,
}

pub fn is_conversation(map: &Map<String, Value>) -> bool {
    map.contains_key("messages") || map.contains_key("conversations")
}

pub fn conversation_from_record(map: &Map<String, Value>, number: u32) -> Result<Conversation> {
    let (field, sharegpt) = if map.contains_key("messages") {
        ("messages", false)
    } else {
        ("conversations", true)
    };
    let Some(Value::Array(items)) = map.get(field) else {
        return Err(record_error(number, field, "must be a list of messages"));
    };
    let mut messages = Vec::with_capacity(items.len() + 1);
    let mut train = Vec::with_capacity(items.len() + 1);
    if let Some(system) = map.get("system").filter(|v| !v.is_null()) {
        let Value::String(system) = system else {
            return Err(record_error(number, "system", "must be a string"));
        };
        let first_is_system = items
            .first()
            .and_then(|m| m.get(if sharegpt { "from" } else { "role" }))
            .and_then(Value::as_str)
            == Some("system");
        if !first_is_system {
            messages.push(message("system", Value::String(system.clone())));
            train.push(None);
        }
    }
    for (k, item) in items.iter().enumerate() {
        let field_k = format!("{field}[{k}]");
        let Value::Object(m) = item else {
            return Err(record_error(number, &field_k, "must be an object"));
        };
        let mut out = if sharegpt {
            from_sharegpt(m, number, &field_k)?
        } else {
            from_openai(m, number, &field_k)?
        };
        train.push(train_flag(m, number, &field_k)?);
        // Keep extra fields (tool_calls, name, …) for templates that read them.
        for (key, value) in m {
            if !matches!(
                key.as_str(),
                "role" | "content" | "from" | "value" | "train" | "loss_weight"
            ) {
                out.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        messages.push(Value::Object(out));
    }
    Ok(Conversation {
        messages: Value::Array(messages),
        tools: json_list_field(map, "tools", number)?,
        documents: json_list_field(map, "documents", number)?,
        train,
    })
}

fn message(role: &str, content: Value) -> Value {
    let mut m = Map::new();
    m.insert("role".into(), Value::String(role.into()));
    m.insert("content".into(), content);
    Value::Object(m)
}

fn from_openai(m: &Map<String, Value>, number: u32, field: &str) -> Result<Map<String, Value>> {
    let Some(Value::String(role)) = m.get("role") else {
        return Err(record_error(
            number,
            &format!("{field}.role"),
            "must be a string",
        ));
    };
    let content = content_text(m.get("content"), number, &format!("{field}.content"))?;
    Ok(as_map(message(role, content)))
}

/// ShareGPT roles: human/user, gpt/assistant/model, system; function_call becomes an assistant tool call
/// and observation a tool result, as LLaMA-Factory reads them.
fn from_sharegpt(m: &Map<String, Value>, number: u32, field: &str) -> Result<Map<String, Value>> {
    let Some(Value::String(from)) = m.get("from") else {
        return Err(record_error(
            number,
            &format!("{field}.from"),
            "must be a string",
        ));
    };
    let value = content_text(m.get("value"), number, &format!("{field}.value"))?;
    let role = match from.as_str() {
        "human" | "user" => "user",
        "gpt" | "assistant" | "model" => "assistant",
        "system" => "system",
        "observation" | "tool" | "function_response" => "tool",
        "function_call" => {
            let text = value.as_str().unwrap_or_default();
            let call: Option<Value> = serde_json::from_str(text).ok().filter(|c: &Value| c.get("name").is_some());
            let mut out = as_map(message("assistant", Value::String(String::new())));
            match call {
                Some(call) => {
                    let calls = match call {
                        Value::Array(list) => list,
                        single => vec![single],
                    };
                    let tool_calls = calls
                        .into_iter()
                        .map(|function| {
                            let mut c = Map::new();
                            c.insert("type".into(), Value::String("function".into()));
                            c.insert("function".into(), function);
                            Value::Object(c)
                        })
                        .collect();
                    out.insert("tool_calls".into(), Value::Array(tool_calls));
                }
                None => {
                    out.insert("content".into(), value);
                }
            }
            return Ok(out);
        }
        other => {
            return Err(record_error(
                number,
                &format!("{field}.from"),
                &format!("has unknown role {other:?} (expected human, gpt, system, function_call or observation)"),
            ))
        }
    };
    Ok(as_map(message(role, value)))
}

fn as_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A string, or a list of text parts (`{type: "text", text}` or LLaMA-Factory's `{type: "text", value}`) joined.
fn content_text(value: Option<&Value>, number: u32, field: &str) -> Result<Value> {
    match value {
        None | Some(Value::Null) => Ok(Value::String(String::new())),
        Some(Value::String(s)) => Ok(Value::String(s.clone())),
        Some(Value::Array(parts)) => {
            let mut text = String::new();
            for (p, part) in parts.iter().enumerate() {
                match part.get("text").or_else(|| part.get("value")) {
                    Some(Value::String(s)) => text.push_str(s),
                    _ => {
                        return Err(record_error(
                            number,
                            &format!("{field}[{p}]"),
                            "must be a text part with `text` or `value`",
                        ))
                    }
                }
            }
            Ok(Value::String(text))
        }
        Some(_) => Err(record_error(
            number,
            field,
            "must be a string or a list of text parts",
        )),
    }
}

fn train_flag(m: &Map<String, Value>, number: u32, field: &str) -> Result<Option<bool>> {
    if let Some(train) = m.get("train").filter(|v| !v.is_null()) {
        return train.as_bool().map(Some).ok_or_else(|| {
            record_error(number, &format!("{field}.train"), "must be true or false")
        });
    }
    match m.get("loss_weight") {
        None | Some(Value::Null) => Ok(None),
        Some(w) => match w.as_f64() {
            Some(0.0) => Ok(Some(false)),
            Some(1.0) => Ok(Some(true)),
            _ => Err(record_error(
                number,
                &format!("{field}.loss_weight"),
                "must be 0 or 1",
            )),
        },
    }
}

/// `tools` / `documents`: a list, or a JSON string holding one (as glaive-style data stores them).
fn json_list_field(map: &Map<String, Value>, field: &str, number: u32) -> Result<Option<Value>> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(_)) => Ok(map.get(field).cloned()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(list @ Value::Array(_)) => Ok(Some(list)),
            Ok(one @ Value::Object(_)) => Ok(Some(Value::Array(vec![one]))),
            _ => Err(record_error(
                number,
                field,
                "must be a list or a JSON string holding one",
            )),
        },
        Some(_) => Err(record_error(
            number,
            field,
            "must be a list or a JSON string holding one",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conv(v: Value) -> Result<Conversation> {
        let Value::Object(m) = v else {
            panic!("object")
        };
        conversation_from_record(&m, 3)
    }

    #[test]
    fn sharegpt_roles_tools_and_system() {
        let c = conv(
            json!({"system": "S", "tools": "[{\"name\": \"f\"}]", "conversations": [
                {"from": "human", "value": "hi"},
                {"from": "function_call", "value": "{\"name\": \"f\", \"arguments\": {\"x\": 1}}"},
                {"from": "observation", "value": "{\"y\": 2}"},
                {"from": "gpt", "value": "done"}
            ]}),
        )
        .expect("ok");
        let roles: Vec<&str> = c
            .messages
            .as_array()
            .expect("list")
            .iter()
            .map(|m| m["role"].as_str().expect("role"))
            .collect();
        assert_eq!(roles, ["system", "user", "assistant", "tool", "assistant"]);
        assert_eq!(c.messages[2]["tool_calls"][0]["function"]["name"], "f");
        assert_eq!(c.tools, Some(json!([{"name": "f"}])));
    }

    #[test]
    fn content_parts_and_loss_weight() {
        let c = conv(json!({"messages": [
            {"role": "user", "content": [{"type": "text", "value": "a"}, {"type": "text", "text": "b"}], "loss_weight": 0.0},
            {"role": "assistant", "content": "c", "loss_weight": 1.0}
        ]}))
        .expect("ok");
        assert_eq!(c.messages[0]["content"], "ab");
        assert_eq!(c.train, vec![Some(false), Some(true)]);
    }

    #[test]
    fn errors_name_the_message() {
        let err = conv(json!({"conversations": [{"from": "alien", "value": "x"}]}))
            .expect_err("must fail");
        assert!(
            err.to_string()
                .starts_with("record 3: field `conversations[0].from` has unknown role"),
            "{err}"
        );
    }
}
