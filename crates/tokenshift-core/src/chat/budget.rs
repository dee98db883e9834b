//! Each record's template work budget: how much rendering its conversation may cost, from the size of its
//! text and structure.

use serde_json::Value as Json;

use super::template::RenderInput;

/// Work a template may do for one record, in minijinja fuel (one instruction, or 64 bytes of data
/// produced or visited): `RENDER_FUEL_BASE + RENDER_FUEL_PER_INPUT_BYTE * bytes of the conversation`,
/// shared by all renders of the record (the full conversation and the prefixes its turns are located by). The
/// bundled templates use under 1/8 of it on every shared conversation (tested); a template that doubles
/// a string in a loop, nests loops or recurses runs out and fails with an error naming the record,
/// instead of taking the process down. Memory is bounded with it: at most 64 bytes per fuel.
/// Twin: `src/twin/chat/budget.ts` (same numbers; the TS interpreter does its own accounting).
pub const RENDER_FUEL_BASE: u64 = 1 << 20;
pub const RENDER_FUEL_PER_INPUT_BYTE: u64 = 64;

/// What is left of one record's template work budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderBudget {
    pub total: u64,
    pub remaining: u64,
}

impl RenderBudget {
    pub fn for_input(input_bytes: u64) -> Self {
        let total =
            RENDER_FUEL_BASE.saturating_add(RENDER_FUEL_PER_INPUT_BYTE.saturating_mul(input_bytes));
        Self {
            total,
            remaining: total,
        }
    }
}

/// The size a template's work budget scales with: the conversation's text and structure.
pub fn input_bytes(input: &RenderInput) -> u64 {
    let special: usize = input.special_tokens.iter().map(|(_, v)| v.len()).sum();
    json_bytes(input.messages)
        + input.tools.map_or(0, json_bytes)
        + input.documents.map_or(0, json_bytes)
        + special as u64
}

/// Bytes of strings and keys plus a few per value: close to the JSON text's length, without writing it.
pub fn json_bytes(value: &Json) -> u64 {
    match value {
        Json::String(s) => s.len() as u64 + 2,
        Json::Array(items) => 2 + items.iter().map(|v| 1 + json_bytes(v)).sum::<u64>(),
        Json::Object(map) => {
            2 + map
                .iter()
                .map(|(k, v)| k.len() as u64 + 4 + json_bytes(v))
                .sum::<u64>()
        }
        _ => 8,
    }
}
