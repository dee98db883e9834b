//! The `tojson` filter as Transformers' templates expect it: Python's `json.dumps`, not minijinja's.

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Error as JinjaError, ErrorKind, State, Value};
use serde_json::Value as Json;

use super::text_allowance::{out_of_fuel, serialized_bytes_left};

/// Python's `json.dumps(value, ensure_ascii=False, indent=indent)`: `", "` and `": "` separators,
/// keys in insertion order, no HTML escaping (minijinja's own `tojson` escapes `<`, `>`, `&`, `'`).
pub(super) fn tojson(
    state: &State,
    value: Value,
    indent: Option<Value>,
    kwargs: Kwargs,
) -> std::result::Result<Value, JinjaError> {
    // `tojson(indent=4)` as Llama 3.1's tool template writes it, or positionally.
    let indent = indent.or(kwargs.get::<Option<Value>>("indent")?);
    kwargs.assert_all_used()?;
    let indent = match indent {
        Some(v) if !v.is_none() && !v.is_undefined() => Some(usize::try_from(v).map_err(|_| {
            JinjaError::new(
                ErrorKind::InvalidOperation,
                "tojson: indent must be a whole number",
            )
        })?),
        _ => None,
    };
    // Sized before it is built: a value's items may be one value shared many times.
    let mut allowance = serialized_bytes_left(state);
    if !fits_as_json(&value, indent.unwrap_or(0) as u64, 0, &mut allowance) {
        return Err(out_of_fuel());
    }
    let json: Json = serde_json::to_value(&value)
        .map_err(|e| JinjaError::new(ErrorKind::InvalidOperation, format!("tojson: {e}")))?;
    let mut out = String::new();
    write_python_json(&json, indent, 0, &mut out);
    Ok(Value::from_safe_string(out))
}

/// Whether `value` written as JSON (with `indent` spaces per level) fits in `allowance` bytes, which it
/// spends; stops walking as soon as it does not, so the walk is as bounded as the text.
fn spend(allowance: &mut u64, bytes: u64) -> bool {
    match allowance.checked_sub(bytes) {
        Some(left) => {
            *allowance = left;
            true
        }
        None => false,
    }
}

fn fits_as_json(value: &Value, indent: u64, depth: u64, allowance: &mut u64) -> bool {
    // Separator, and with an indent a newline and the item's indentation.
    let item_overhead = 2 + if indent > 0 {
        1 + indent.saturating_mul(depth + 1)
    } else {
        0
    };
    if let Some(text) = value.as_str() {
        let escapes = text
            .bytes()
            .filter(|b| *b < 0x20 || *b == b'"' || *b == b'\\')
            .count();
        return spend(allowance, text.len() as u64 + 5 * escapes as u64 + 2);
    }
    match value.kind() {
        ValueKind::Map => {
            let Ok(keys) = value.try_iter() else {
                return spend(allowance, 16);
            };
            for key in keys {
                let item = value.get_item(&key).unwrap_or_default();
                if !spend(allowance, item_overhead + 2)
                    || !fits_as_json(&key, 0, 0, allowance)
                    || !fits_as_json(&item, indent, depth + 1, allowance)
                {
                    return false;
                }
            }
            spend(allowance, 2 + indent.saturating_mul(depth))
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let Ok(items) = value.try_iter() else {
                return spend(allowance, 16);
            };
            for item in items {
                if !spend(allowance, item_overhead)
                    || !fits_as_json(&item, indent, depth + 1, allowance)
                {
                    return false;
                }
            }
            spend(allowance, 2 + indent.saturating_mul(depth))
        }
        _ => spend(allowance, 32),
    }
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
