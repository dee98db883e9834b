//! Stage 2: an `Example` becomes token ids plus a trainable mask (1 = the model should learn to
//! produce this token). This is where a token is decided to be prompt or completion.

use super::options::Boundary;
use super::records::{Example, ExampleKind};
use crate::error::Result;
use crate::tokenizer::{Check, Engine, TokenizerCore};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainableTokens {
    pub ids: Vec<u32>,
    /// 0 or 1 per token: bytes, not bools, so the label step can run branch-free.
    pub trainable: Vec<u8>,
    /// Which tokenizers engine produced the ids (and the spans the mask was decided from).
    pub engine: Engine,
}

pub fn trainable_tokens(
    tokenizer: &TokenizerCore,
    example: &Example,
    boundary: Boundary,
    eos: Option<u32>,
    check: Check,
) -> Result<TrainableTokens> {
    let mut out = match (&example.kind, boundary) {
        (ExampleKind::Chat(spans), _) => {
            return tokenize_chat(tokenizer, &example.completion, spans, check)
        }
        (ExampleKind::Text, Boundary::Offsets) => {
            // Every token from the text is trained: no spans are needed to tell prompt from completion.
            let (ids, trainable, engine) =
                tokenizer.text_tokens_checked(&example.completion, true, check)?;
            TrainableTokens {
                ids,
                trainable,
                engine,
            }
        }
        (_, Boundary::Offsets) => tokenize_once(tokenizer, example, check)?,
        (_, Boundary::Separate) => tokenize_apart(tokenizer, example, check)?,
    };
    if let Some(eos) = eos {
        // The EOS is what teaches the model to stop: always trained.
        out.ids.push(eos);
        out.trainable.push(1);
    }
    Ok(out)
}

/// Prompt + completion encoded as one text with special tokens. A token is trainable when it came from
/// the text (not from the post-processor) and its byte span overlaps the completion.
fn tokenize_once(
    tokenizer: &TokenizerCore,
    example: &Example,
    check: Check,
) -> Result<TrainableTokens> {
    let mut text = String::with_capacity(example.prompt.len() + example.completion.len());
    text.push_str(&example.prompt);
    text.push_str(&example.completion);
    let completion_start = example.prompt.len();
    let completion_end = text.len();
    let (spans, engine) = tokenizer.token_spans_checked(&text, true, check)?;
    let trainable = spans
        .offsets
        .iter()
        .zip(&spans.from_text)
        .map(|(&(start, end), &from_text)| {
            let overlaps = end > completion_start && start < completion_end;
            u8::from(from_text && overlaps)
        })
        .collect();
    Ok(TrainableTokens {
        ids: spans.ids,
        trainable,
        engine,
    })
}

/// A rendered conversation, tokenized once without added special tokens (the template owns BOS). A token
/// is trainable when its span overlaps a trained span; no EOS is appended (each turn ends in its marker).
fn tokenize_chat(
    tokenizer: &TokenizerCore,
    text: &str,
    spans: &[(usize, usize)],
    check: Check,
) -> Result<TrainableTokens> {
    let (encoded, engine) = tokenizer.token_spans_checked(text, false, check)?;
    let trainable = encoded
        .offsets
        .iter()
        .zip(&encoded.from_text)
        .map(|(&(start, end), &from_text)| {
            u8::from(from_text && spans.iter().any(|&(a, b)| end > a && start < b))
        })
        .collect();
    Ok(TrainableTokens {
        ids: encoded.ids,
        trainable,
        engine,
    })
}

/// The usual Alpaca/TinyLlama pipeline: prompt encoded with special tokens, completion without,
/// concatenated. Token boundaries at the seam can differ from tokenizing the whole text.
fn tokenize_apart(
    tokenizer: &TokenizerCore,
    example: &Example,
    check: Check,
) -> Result<TrainableTokens> {
    let mut ids = Vec::new();
    let prompt_engine = tokenizer.encode_ids_checked(&example.prompt, true, &mut ids, check)?;
    let prompt_len = ids.len();
    let completion_engine =
        tokenizer.encode_ids_checked(&example.completion, false, &mut ids, check)?;
    let mut trainable = vec![0u8; ids.len()];
    trainable[prompt_len..].fill(1);
    let engine = match (prompt_engine, completion_engine) {
        (Engine::Pipeline, Engine::Pipeline) => Engine::Pipeline,
        _ => Engine::Reference,
    };
    Ok(TrainableTokens {
        ids,
        trainable,
        engine,
    })
}
