//! Where each trained assistant turn starts in the full rendering, found in one pass instead of one
//! prefix render per turn (whose work grows with the square of the turns: Qwen3's template on 500 short
//! messages ran out of its record's work budget).
//!
//! A turn starts where its prefix ends: messages[..k] rendered with the generation prompt, which ends
//! with that prompt. The prompt is read off the first selected turn (its prefix minus the same messages
//! rendered without it; see `turn_opening`). When it occurs in the full rendering exactly once per
//! assistant message, the j-th occurrence ends where the j-th assistant turn starts; the first and last
//! selected turns are checked against their real prefix renders. Where anything does not hold (a template that renders
//! history differently, a message that contains the prompt's text), the caller renders every prefix, as
//! before — the answer is the same either way, only the cost differs (tested on every shared template).

use crate::error::Result;

/// Below this many trained turns, rendering each prefix costs no more than locating them.
pub(super) const LOCATE_FROM_TURNS: usize = 3;

/// Byte offsets in `full` where the `selected` turns start (their prefixes' lengths), or `None` when that
/// cannot be shown this way. `assistant` lists every assistant message's index, `selected` a subset, both
/// ascending; `render(upto, add_generation_prompt)` renders messages[..upto].
pub(super) fn locate_turn_starts(
    full: &str,
    selected: &[usize],
    assistant: &[usize],
    render: &mut impl FnMut(usize, bool) -> Result<String>,
) -> Option<Vec<usize>> {
    let (&first, &last) = (selected.first()?, selected.last()?);
    // A render that fails here (a template that refuses a conversation ending on a user turn) decides
    // nothing: the per-prefix path reports whatever it finds.
    let first_prefix = render(first, true).ok()?;
    let first_plain = render(first, false).ok()?;
    let last_prefix = render(last, true).ok()?;
    let prompt = turn_opening(&first_prefix, &first_plain, &last_prefix)?;
    let mut ends: Vec<usize> = full
        .match_indices(prompt)
        .map(|(at, found)| at + found.len())
        .collect();
    // A template that always writes the prompt also ends the full rendering with it.
    if ends.len() == assistant.len() + 1 && ends.last() == Some(&full.len()) {
        ends.pop();
    }
    if ends.len() != assistant.len() {
        return None;
    }
    let starts = selected
        .iter()
        .map(|k| assistant.binary_search(k).ok().map(|j| ends[j]))
        .collect::<Option<Vec<usize>>>()?;
    let proven = |start: usize, prefix: &str| start == prefix.len() && full.starts_with(prefix);
    (proven(starts[0], &first_prefix) && proven(*starts.last()?, &last_prefix)).then_some(starts)
}

/// What every turn's prefix ends with: the generation prompt (the first prefix minus the same messages
/// rendered without it), or, for a template that writes the assistant header whatever
/// `add_generation_prompt` says (the original Llama 3 template), the text the first and last prefixes
/// end with alike.
fn turn_opening<'a>(
    first_prefix: &'a str,
    first_plain: &str,
    last_prefix: &str,
) -> Option<&'a str> {
    if let Some(prompt) = first_prefix.strip_prefix(first_plain) {
        if !prompt.is_empty() {
            return Some(prompt);
        }
    }
    let common = first_prefix
        .bytes()
        .rev()
        .zip(last_prefix.bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let mut start = first_prefix.len() - common;
    while !first_prefix.is_char_boundary(start) {
        start += 1;
    }
    let opening = &first_prefix[start..];
    (!opening.is_empty()).then_some(opening)
}
