//! How much text a filter or method may build for a template: what the record's remaining fuel pays for.
//! Items a template repeats are shared, not copied (`[s] * 1000000` is one slot), so the text built from
//! them is checked against this before it is built; otherwise one render could ask for gigabytes.

use minijinja::{Error as JinjaError, ErrorKind, State, Value};

/// minijinja charges one fuel per 64 bytes of data, and 16 times that per byte of serialized text.
const BYTES_PER_FUEL: u64 = 64;
const SERIALIZED_BYTES_PER_FUEL: u64 = BYTES_PER_FUEL / 16;

/// Bytes of plain text the rest of the render can pay for (unbounded without fuel).
pub(super) fn text_bytes_left(state: &State) -> u64 {
    state.fuel_levels().map_or(u64::MAX, |(_, remaining)| {
        remaining.saturating_mul(BYTES_PER_FUEL)
    })
}

/// Bytes of serialized text (JSON) the rest of the render can pay for.
pub(super) fn serialized_bytes_left(state: &State) -> u64 {
    state.fuel_levels().map_or(u64::MAX, |(_, remaining)| {
        remaining.saturating_mul(SERIALIZED_BYTES_PER_FUEL)
    })
}

pub(super) fn out_of_fuel() -> JinjaError {
    JinjaError::from(ErrorKind::OutOfFuel)
}

/// Python's `sep.join(items)`, as minijinja-contrib's, but the result is checked against the fuel before
/// it grows (contrib charges only the separators, so joining one shared string a million times aborted).
pub(super) fn python_join(
    state: &State,
    separator: &str,
    args: &[Value],
) -> Result<Value, JinjaError> {
    let (items,): (&Value,) = minijinja::value::from_args(args)?;
    let allowance = text_bytes_left(state);
    let mut joined = String::new();
    for (index, item) in items.try_iter()?.enumerate() {
        state.consume_fuel(1)?;
        let text = match item.as_str() {
            Some(text) => std::borrow::Cow::Borrowed(text),
            None => std::borrow::Cow::Owned(item.to_string()),
        };
        let grown = joined.len() + if index > 0 { separator.len() } else { 0 } + text.len();
        if grown as u64 >= allowance {
            return Err(out_of_fuel());
        }
        if index > 0 {
            joined.push_str(separator);
        }
        joined.push_str(&text);
    }
    Ok(Value::from(joined))
}

/// The methods templates call on values: minijinja-contrib's Python methods, with `str.join` bounded.
pub(super) fn python_methods(
    state: &mut State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, JinjaError> {
    if let ("join", Some(separator)) = (method, value.as_str()) {
        return python_join(state, separator, args);
    }
    minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
}
