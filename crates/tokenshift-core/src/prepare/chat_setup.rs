//! What chat records need, prepared once per job: the compiled template, the variables templates read, and
//! the special tokens that end a turn; and a chat record turned into the rendered text with its trained spans.

use serde_json::Value;

use super::options::PrepareOptions;
use super::records;
use crate::chat::turns::TrainOn;
use crate::chat::{conversation, turns, ChatTemplate};
use crate::error::{record_error, Result};
use crate::tokenizer::TokenizerCore;

/// What chat records need, prepared once: the compiled template (or why there is none), the
/// special-token variables templates read, and the special tokens that can end a turn.
pub(super) struct ChatSetup {
    pub(super) template: std::result::Result<ChatTemplate, String>,
    pub(super) variables: Vec<(&'static str, String)>,
    pub(super) special_tokens: Vec<String>,
    pub(super) special_ids: Vec<i32>,
    pub(super) bos: Option<i32>,
}

impl ChatSetup {
    pub(super) fn new(tokenizer: &TokenizerCore, options: &PrepareOptions) -> Result<Self> {
        let template = match (&options.chat_template, &tokenizer.config().chat_template) {
            // A template passed explicitly must compile now.
            (Some(source), _) => Ok(ChatTemplate::new(source)?),
            (None, Some(source)) => ChatTemplate::new(source).map_err(|e| e.to_string()),
            (None, None) => Err("the tokenizer config has no chat_template; pass chatTemplate (CLI: --chat-template FILE)".to_owned()),
        };
        let special = &tokenizer.config().special;
        let variables = [
            ("bos_token", &special.bos),
            ("eos_token", &special.eos),
            ("pad_token", &special.pad),
            ("unk_token", &special.unk),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.clone().map(|v| (name, v)))
        .collect();
        let added: Vec<_> = tokenizer
            .added_tokens()
            .into_iter()
            .filter(|t| t.special)
            .collect();
        Ok(Self {
            template,
            variables,
            special_tokens: added.iter().map(|t| t.content.clone()).collect(),
            special_ids: added.iter().map(|t| t.id as i32).collect(),
            bos: tokenizer.bos_id().map(|id| id as i32),
        })
    }
}

impl ChatSetup {
    /// A chat record rendered with trained spans, or the reason it must be skipped.
    pub(super) fn example(
        &self,
        record: &Value,
        number: u32,
        train_on: TrainOn,
    ) -> Result<std::result::Result<records::Example, ChatSkip>> {
        let template = self.template.as_ref().map_err(|why| {
            record_error(number, "messages", &format!("cannot be rendered: {why}"))
        })?;
        let Value::Object(map) = record else {
            return Err(record_error(number, "(record)", "must be a JSON object"));
        };
        let conversation = conversation::conversation_from_record(map, number)?;
        let rendered = turns::trained_spans(
            template,
            &conversation,
            &self.variables,
            &self.special_tokens,
            train_on,
        )
        .map_err(|e| record_error(number, "messages", &e.to_string()))?;
        Ok(match rendered {
            Err(reason) => Err(ChatSkip::Turn(reason)),
            Ok(chat) if !chat.has_content => Err(ChatSkip::Empty),
            Ok(chat) => Ok(records::Example {
                kind: records::ExampleKind::Chat(chat.spans),
                prompt: String::new(),
                completion: chat.text,
            }),
        })
    }
}

/// Why a conversation gives no row before tokenization.
pub(super) enum ChatSkip {
    /// A trained turn could not be located (the reason names the message).
    Turn(String),
    /// Every trained assistant turn is empty.
    Empty,
}
