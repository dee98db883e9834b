//! The template work budget (`RenderBudget`) must be far from what real templates need: every fixture
//! template renders every shared conversation (full rendering and the prefixes its turns are located by) within
//! an eighth of its budget. Missing fixtures fail under CI and skip with a printed reason elsewhere.

mod common;
use common::chat::{fixture_chat, shared_conversations, CHAT_FIXTURES};
use common::shared_dir;

use tokenshift_core::chat::budget::{input_bytes, RenderBudget};
use tokenshift_core::chat::conversation::conversation_from_record;
use tokenshift_core::chat::template::RenderInput;
use tokenshift_core::chat::turns::{trained_spans_within, TrainOn};

#[test]
fn every_fixture_template_renders_every_shared_conversation_within_an_eighth_of_its_budget() {
    let Some(shared) = shared_dir() else { return };
    let records = shared_conversations(&shared);
    for rel in CHAT_FIXTURES {
        let chat = fixture_chat(&shared, rel);
        let (template, vars, specials) = (&chat.template, &chat.vars, &chat.specials);
        let mut rendered = 0;
        for (i, record) in records.iter().enumerate() {
            let Some(map) = record.as_object() else {
                continue;
            };
            let Ok(conversation) = conversation_from_record(map, i as u32 + 1) else {
                continue;
            };
            let whole = RenderInput {
                messages: &conversation.messages,
                add_generation_prompt: false,
                tools: conversation.tools.as_ref(),
                documents: conversation.documents.as_ref(),
                special_tokens: vars.clone(),
            };
            let full = RenderBudget::for_input(input_bytes(&whole));
            let eighth = RenderBudget {
                total: full.total / 8,
                remaining: full.total / 8,
            };
            let result = trained_spans_within(
                template,
                &conversation,
                vars,
                specials,
                TrainOn::Assistant,
                eighth,
            );
            match result {
                Ok(_) => rendered += 1,
                // raise_exception of a template on a record it does not support is not a budget problem.
                Err(e) if !e.to_string().contains("work limit") => {}
                Err(e) => panic!("{rel}, record {}: {e}", i + 1),
            }
        }
        eprintln!("[budget] {rel}: {rendered} conversations within 1/8 of the budget");
        assert!(
            rendered > 100,
            "{rel}: only {rendered} conversations rendered"
        );
    }
}
