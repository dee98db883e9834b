//! Stage 2 for chat records: the rendered conversation and the byte spans to train — each selected
//! assistant turn from the end of the generation prompt through the end-of-turn marker after its content.
//!
//! For assistant message k: `prefix` = the template applied to messages[..k] with
//! `add_generation_prompt: true`, which must be a prefix of the full rendering. The content is found after
//! it (as given, or trimmed); the first special token right after the content (its end-of-turn marker:
//! `</s>`, `<|eot_id|>`, `<|im_end|>`, …) closes the span. Anything the template inserts between the
//! generation prompt and the content (Qwen3's empty think block) is trained; what follows the marker is not.
//! A turn that cannot be located is reported, never guessed.

use serde_json::Value;

use super::budget::{input_bytes, RenderBudget};
use super::conversation::Conversation;
use super::template::{ChatTemplate, RenderInput, RenderValues};
use super::turn_starts::{locate_turn_starts, LOCATE_FROM_TURNS};
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrainOn {
    /// Every assistant turn.
    #[default]
    Assistant,
    /// Only the final assistant turn.
    Last,
    /// Every token of the rendered conversation.
    All,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainedChat {
    pub text: String,
    /// Byte spans of `text` to train, in order.
    pub spans: Vec<(usize, usize)>,
    /// Whether a trained turn says anything: content that is not whitespace, or tool calls. A conversation
    /// whose trained turns are all empty would train end-of-turn markers only.
    pub has_content: bool,
}

/// `Ok(Err(reason))` when the record must be skipped; the reason names the message index.
pub fn trained_spans(
    template: &ChatTemplate,
    conversation: &Conversation,
    special_vars: &[(&'static str, String)],
    special_tokens: &[String],
    train_on: TrainOn,
) -> Result<std::result::Result<TrainedChat, String>> {
    let whole = render_input(conversation, &conversation.messages, false, special_vars);
    let budget = RenderBudget::for_input(input_bytes(&whole));
    trained_spans_within(
        template,
        conversation,
        special_vars,
        special_tokens,
        train_on,
        budget,
    )
}

/// How the start of each trained turn is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnSearch {
    /// Located in the full rendering, checked against the first and last turns' prefix renders, falling
    /// back to `EveryPrefix` where that cannot be shown (see `turn_starts.rs`): work linear in the turns.
    Located,
    /// One prefix render per turn: the reference `Located` is tested against; work grows with the square
    /// of the turns.
    EveryPrefix,
}

/// `trained_spans` with one work budget for every render of this record.
pub fn trained_spans_within(
    template: &ChatTemplate,
    conversation: &Conversation,
    special_vars: &[(&'static str, String)],
    special_tokens: &[String],
    train_on: TrainOn,
    budget: RenderBudget,
) -> Result<std::result::Result<TrainedChat, String>> {
    trained_spans_searching(
        template,
        conversation,
        (special_vars, special_tokens),
        train_on,
        budget,
        TurnSearch::Located,
    )
}

/// `trained_spans_within`, finding turn starts as `search` says.
pub fn trained_spans_searching(
    template: &ChatTemplate,
    conversation: &Conversation,
    (special_vars, special_tokens): (&[(&'static str, String)], &[String]),
    train_on: TrainOn,
    mut budget: RenderBudget,
    search: TurnSearch,
) -> Result<std::result::Result<TrainedChat, String>> {
    let messages = conversation
        .messages
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let values = RenderValues::new(&render_input(
        conversation,
        &conversation.messages,
        false,
        special_vars,
    ));
    let mut render = |upto: usize, add_generation_prompt: bool| {
        template.render_values_within(&values, upto, add_generation_prompt, &mut budget)
    };
    let full = render(messages.len(), false)?;
    if train_on == TrainOn::All {
        let end = full.len();
        return Ok(Ok(TrainedChat {
            text: full,
            spans: vec![(0, end)],
            has_content: true,
        }));
    }
    let role = |k: usize| {
        messages[k]
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let last_assistant = (0..messages.len()).rev().find(|&k| role(k) == "assistant");
    let assistant: Vec<usize> = (0..messages.len())
        .filter(|&k| role(k) == "assistant")
        .collect();
    // The turns to train, up to the first message that asks for training it cannot have (reported after
    // the turns before it, as they come first).
    let mut selected = Vec::new();
    let mut refused = None;
    for k in 0..messages.len() {
        let flag = conversation.train.get(k).copied().flatten();
        if role(k) != "assistant" {
            if flag == Some(true) {
                refused = Some(format!(
                    "message {k}: `train: true` is supported on assistant messages only"
                ));
                break;
            }
            continue;
        }
        let chosen = flag.unwrap_or(match train_on {
            TrainOn::Assistant | TrainOn::All => true,
            TrainOn::Last => Some(k) == last_assistant,
        });
        if chosen {
            selected.push(k);
        }
    }
    let located = match search == TurnSearch::Located && selected.len() >= LOCATE_FROM_TURNS {
        true => locate_turn_starts(&full, &selected, &assistant, &mut render),
        false => None,
    };
    let mut spans = Vec::new();
    let mut has_content = false;
    for (turn, &k) in selected.iter().enumerate() {
        let message = &messages[k];
        let start = match &located {
            Some(starts) => starts[turn],
            None => {
                let prefix = render(k, true)?;
                if !full.starts_with(&prefix) {
                    return Ok(Err(format!(
                        "message {k}: the conversation rendered up to it with the generation prompt is not a prefix of the full rendering"
                    )));
                }
                prefix.len()
            }
        };
        let content = message
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let has_tool_calls = message
            .get("tool_calls")
            .and_then(Value::as_array)
            .is_some_and(|c| !c.is_empty());
        let says_something = has_tool_calls || !content.trim().is_empty();
        has_content |= says_something;
        let content_end = locate_content(&full, start, content);
        let marker_end =
            content_end.and_then(|end| end_of_turn(&full, end, special_tokens, has_tool_calls));
        match (content_end, marker_end) {
            (_, Some(marker_end)) => spans.push((start, marker_end)),
            // A blank turn has nothing to learn; where it cannot be located (a template may insert
            // text after the generation prompt), it is left untrained rather than failing the record.
            _ if !says_something => {}
            (None, _) => {
                return Ok(Err(format!(
                    "message {k}: its content was not found after the generation prompt"
                )))
            }
            (Some(_), None) => {
                return Ok(Err(format!(
                    "message {k}: no end-of-turn marker (a special token) follows its content"
                )))
            }
        }
    }
    if let Some(reason) = refused {
        return Ok(Err(reason));
    }
    Ok(Ok(TrainedChat {
        // No selected turn at all is not "empty": such records count as having no trainable label.
        has_content: has_content || selected.is_empty(),
        text: full,
        spans,
    }))
}

fn render_input<'a>(
    conversation: &'a Conversation,
    messages: &'a Value,
    add_generation_prompt: bool,
    special_vars: &[(&'static str, String)],
) -> RenderInput<'a> {
    RenderInput {
        messages,
        add_generation_prompt,
        tools: conversation.tools.as_ref(),
        documents: conversation.documents.as_ref(),
        special_tokens: special_vars.to_vec(),
    }
}

/// End (byte index) of the content's first occurrence at or after `from`, as given or trimmed.
fn locate_content(full: &str, from: usize, content: &str) -> Option<usize> {
    let rest = full.get(from..)?;
    if content.trim().is_empty() {
        return Some(from);
    }
    for candidate in [content, content.trim()] {
        if let Some(pos) = rest.find(candidate) {
            return Some(from + pos + candidate.len());
        }
    }
    None
}

/// End of the first special token after the content: right after it (whitespace allowed), or anywhere
/// later for tool-call turns, whose rendered call follows the (empty) content.
fn end_of_turn(full: &str, from: usize, special_tokens: &[String], scan: bool) -> Option<usize> {
    let rest = full.get(from..)?;
    let at = |pos: usize| {
        special_tokens
            .iter()
            .filter(|t| !t.is_empty() && rest[pos..].starts_with(t.as_str()))
            .map(String::len)
            .max()
            .map(|len| from + pos + len)
    };
    if scan {
        return rest.char_indices().find_map(|(pos, _)| at(pos));
    }
    let pos = rest.len() - rest.trim_start().len();
    at(pos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CHATML: &str = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

    fn spans(
        template: &str,
        messages: Value,
        train_on: TrainOn,
    ) -> std::result::Result<TrainedChat, String> {
        let conversation = Conversation {
            train: vec![None; messages.as_array().map_or(0, Vec::len)],
            messages,
            tools: None,
            documents: None,
        };
        let specials = vec!["<|im_start|>".to_owned(), "<|im_end|>".to_owned()];
        trained_spans(
            &ChatTemplate::new(template).expect("compiles"),
            &conversation,
            &[],
            &specials,
            train_on,
        )
        .expect("renders")
    }

    fn trained_text(chat: &TrainedChat) -> Vec<&str> {
        chat.spans.iter().map(|&(a, b)| &chat.text[a..b]).collect()
    }

    #[test]
    fn trains_each_assistant_turn_through_its_marker() {
        let chat = spans(CHATML, json!([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}, {"role": "user", "content": "?"}, {"role": "assistant", "content": "!"}]), TrainOn::Assistant)
            .expect("found");
        assert_eq!(trained_text(&chat), ["yo<|im_end|>", "!<|im_end|>"]);
    }

    #[test]
    fn last_only_and_all() {
        let messages = json!([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}, {"role": "user", "content": "?"}, {"role": "assistant", "content": "!"}]);
        assert_eq!(
            trained_text(&spans(CHATML, messages.clone(), TrainOn::Last).expect("found")),
            ["!<|im_end|>"]
        );
        let all = spans(CHATML, messages, TrainOn::All).expect("found");
        assert_eq!(all.spans, vec![(0, all.text.len())]);
    }

    #[test]
    fn blank_assistant_turns_have_nothing_to_learn() {
        let blank =
            json!([{"role": "user", "content": "hi"}, {"role": "assistant", "content": " \n"}]);
        let chat = spans(CHATML, blank, TrainOn::Assistant).expect("found");
        assert!(!chat.has_content);
        // Its marker is found right after it, so it would train the marker alone.
        assert_eq!(trained_text(&chat), [" \n<|im_end|>"]);
        let mixed = json!([{"role": "user", "content": "a"}, {"role": "assistant", "content": ""}, {"role": "user", "content": "b"}, {"role": "assistant", "content": "B"}]);
        assert!(
            spans(CHATML, mixed, TrainOn::Assistant)
                .expect("found")
                .has_content
        );
        // A blank turn a template cannot place is left untrained instead of failing the record.
        let plain = "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}";
        let chat = spans(
            plain,
            json!([{"role": "user", "content": "hi"}, {"role": "assistant", "content": ""}]),
            TrainOn::Assistant,
        )
        .expect("not an error");
        assert!(!chat.has_content && chat.spans.is_empty());
        // No assistant turn at all is not "empty" (it counts as having no trainable label).
        let none = spans(
            CHATML,
            json!([{"role": "user", "content": "hi"}]),
            TrainOn::Assistant,
        )
        .expect("found");
        assert!(none.has_content && none.spans.is_empty());
    }

    #[test]
    fn a_template_without_markers_is_reported_not_guessed() {
        let plain = "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}";
        let err = spans(
            plain,
            json!([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]),
            TrainOn::Assistant,
        )
        .expect_err("skip");
        assert!(err.starts_with("message 1: no end-of-turn marker"), "{err}");
    }
}
