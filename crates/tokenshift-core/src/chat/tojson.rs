//! The `tojson` filter as Transformers' templates expect it: Python's `json.dumps`, not minijinja's.

use minijinja::{Error as JinjaError, ErrorKind, Value};
use serde_json::Value as Json;

/// Python's `json.dumps(value, ensure_ascii=False, indent=indent)`: `", "` and `": "` separators,
/// keys in insertion order, no HTML escaping (minijinja's own `tojson` escapes `<`, `>`, `&`, `'`).
pub(super) fn tojson(
    value: Value,
    indent: Option<Value>,
) -> std::result::Result<Value, JinjaError> {
    let json: Json = serde_json::to_value(&value)
        .map_err(|e| JinjaError::new(ErrorKind::InvalidOperation, format!("tojson: {e}")))?;
    let indent = match indent {
        Some(v) if !v.is_none() && !v.is_undefined() => Some(usize::try_from(v).map_err(|_| {
            JinjaError::new(
                ErrorKind::InvalidOperation,
                "tojson: indent must be a whole number",
            )
        })?),
        _ => None,
    };
    let mut out = String::new();
    write_python_json(&json, indent, 0, &mut out);
    Ok(Value::from_safe_string(out))
}

pub fn write_python_json(value: &Json, indent: Option<usize>, depth: usize, out: &mut String) {
    let newline = |out: &mut String, depth: usize| {
        if let Some(width) = indent {
            out.push('\n');
            out.push_str(&" ".repeat(width * depth));
        }
    };
    let (item_sep, key_sep) = if indent.is_some() {
        (",", ": ")
    } else {
        (", ", ": ")
    };
    match value {
        Json::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, depth + 1);
                write_python_json(item, indent, depth + 1, out);
            }
            newline(out, depth);
            out.push(']');
        }
        Json::Object(map) if !map.is_empty() => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, depth + 1);
                out.push_str(&Json::String(key.clone()).to_string());
                out.push_str(key_sep);
                write_python_json(item, indent, depth + 1, out);
            }
            newline(out, depth);
            out.push('}');
        }
        Json::Number(n) if n.is_f64() => {
            // Python prints floats with a fractional part ("1.0"); serde_json agrees except for integral values.
            let text = n.to_string();
            out.push_str(&text);
            if !text.contains(['.', 'e', 'E']) {
                out.push_str(".0");
            }
        }
        other => out.push_str(&other.to_string()),
    }
}
