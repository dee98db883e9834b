//! SentencePiece BPE (Llama-2, Mistral v0.1, TinyLlama) has no pre-tokenizer: its merge loop spans a
//! whole text, and its word cache never hits. Where the vocabulary proves that no token crosses the
//! start of a space run, the text is encoded word by word instead, with the same ids.
//!
//! The proof, checked at load: the normalizer is exactly `Prepend("▁")` then `Replace(" " -> "▁")`
//! with no pre-tokenizer, so the model sees the text with every space as "▁" and one "▁" in front. No
//! vocabulary entry holds another character followed by "▁", so no token (every merge builds one)
//! spans the point before a "▁" that follows something else: the merges on each side never meet, and
//! BPE gives the same ids on the pieces as on the whole. "▁" is an entry, so it is never an unknown
//! token that `fuse_unk` could join with its neighbour. A piece after the first starts with a space:
//! encoding it without that space lets the `Prepend` put its "▁" back.
//!
//! Runs of pieces go to a second 1.0 engine whose only change is a pre-tokenizer that cuts before
//! every "▁" (`words_config`): on a run with no space at its start and no two spaces or "▁" in a
//! row, those are exactly the cuts above, and the engine's own pre-token loop and word cache make it
//! 2-3x the whole-text speed. A piece that starts with a space run goes alone to the text's own
//! engine.
//!
//! Added tokens split a text before normalization, and each part gets its own `Prepend`: a text that
//! holds one is encoded whole, as are all texts of a tokenizer with normalized added tokens.

use serde_json::{json, Value};

const SPACE_MARK: char = '\u{2581}';

/// The pieces rule for one tokenizer, when its config proves it.
#[derive(Debug)]
pub(crate) struct SpaceCuts {
    /// Added-token contents: a text holding one is encoded whole.
    added: Vec<String>,
}

impl SpaceCuts {
    /// The rule, if this tokenizer.json (as written) proves it.
    pub fn prove(config: &Value) -> Option<Self> {
        let legacy_normalizer = json!({"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u{2581}"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u{2581}"},
        ]});
        if config["normalizer"] != legacy_normalizer || !config["pre_tokenizer"].is_null() {
            return None;
        }
        let model = &config["model"];
        let plain_bpe = model["type"] == "BPE"
            && model["dropout"].is_null()
            && matches!(model["ignore_merges"], Value::Null | Value::Bool(false));
        let vocab = model["vocab"].as_object()?;
        if !plain_bpe || !vocab.contains_key("\u{2581}") {
            return None;
        }
        if vocab.keys().any(|entry| mark_after_other(entry)) {
            return None;
        }
        let mut added = Vec::new();
        for token in config["added_tokens"].as_array().into_iter().flatten() {
            if token["normalized"] != Value::Bool(false) {
                return None;
            }
            added.push(token["content"].as_str()?.to_owned());
        }
        Some(Self { added })
    }

    /// The config of the words engine: this one with a pre-tokenizer cutting before every "▁".
    pub fn words_config(config: &Value) -> Value {
        let mut words = config.clone();
        words["pre_tokenizer"] = json!({
            "type": "Split",
            "pattern": {"String": "\u{2581}"},
            "behavior": "MergedWithNext",
            "invert": false,
        });
        words
    }

    /// Whether `text` may be cut (it holds no added token, and is not empty).
    pub fn applies_to(&self, text: &str) -> bool {
        !text.is_empty() && !self.added.iter().any(|token| text.contains(token.as_str()))
    }

    /// Calls `encode` on each part of `text` in order. Only for a text this rule `applies_to`.
    pub fn for_each_part<'t, E>(
        text: &'t str,
        mut encode: impl FnMut(Part<'t>) -> Result<(), E>,
    ) -> Result<(), E> {
        // The run of word pieces not yet encoded, as a byte range of `text`.
        let mut run: Option<(usize, usize)> = None;
        let mut piece_start = 0;
        let mut previous_is_other = false;
        let mut on_piece =
            |start: usize, end: usize, encode: &mut dyn FnMut(Part<'t>) -> Result<(), E>| {
                // A piece after the first without its leading space: the `Prepend` puts its "▁" back.
                let from = start + usize::from(start > 0);
                if is_word_piece(&text[from..end]) {
                    run = Some((run.map_or(from, |(first, _)| first), end));
                    return Ok(());
                }
                if let Some((first, last)) = run.take() {
                    encode(Part::Words(&text[first..last]))?;
                }
                encode(Part::Piece(&text[from..end]))
            };
        for (at, c) in text.char_indices() {
            let is_space = c == ' ';
            // A lone trailing space stays with its word: alone it would be an empty piece.
            if is_space && previous_is_other && at + 1 < text.len() {
                on_piece(piece_start, at, &mut encode)?;
                piece_start = at;
            }
            previous_is_other = !is_space && c != SPACE_MARK;
        }
        on_piece(piece_start, text.len(), &mut encode)?;
        match run {
            Some((first, last)) => encode(Part::Words(&text[first..last])),
            None => Ok(()),
        }
    }
}

/// One call to an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part<'t> {
    /// Word pieces in a row: the words engine, which cuts before every "▁".
    Words(&'t str),
    /// One piece starting with spaces (or holding "▁"): the text's own engine.
    Piece(&'t str),
}

/// Whether the words engine cuts `piece` (as the model sees it) only where the rule does: no space at
/// its start, no two spaces and no "▁" in it.
fn is_word_piece(piece: &str) -> bool {
    !piece.starts_with(' ') && !piece.contains("  ") && !piece.contains(SPACE_MARK)
}

/// Whether `entry` holds a character other than "▁" directly followed by "▁".
fn mark_after_other(entry: &str) -> bool {
    let mut previous_is_other = false;
    for c in entry.chars() {
        if c == SPACE_MARK && previous_is_other {
            return true;
        }
        previous_is_other = c != SPACE_MARK;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn legacy(vocab: Value, added: Value) -> Value {
        json!({
            "normalizer": {"type": "Sequence", "normalizers": [
                {"type": "Prepend", "prepend": "\u{2581}"},
                {"type": "Replace", "pattern": {"String": " "}, "content": "\u{2581}"},
            ]},
            "pre_tokenizer": null,
            "added_tokens": added,
            "model": {"type": "BPE", "dropout": null, "vocab": vocab, "merges": []},
        })
    }

    fn parts(text: &str) -> Vec<Part<'_>> {
        let mut out = Vec::new();
        let _ = SpaceCuts::for_each_part(text, |part| {
            out.push(part);
            Ok::<_, ()>(())
        });
        out
    }

    #[test]
    fn word_pieces_in_a_row_go_to_the_words_engine_and_space_runs_alone_to_the_own_engine() {
        use Part::{Piece, Words};
        assert_eq!(parts("Hi there, you. "), [Words("Hi there, you. ")]);
        // After a cut, a piece is encoded without its first space; a lone trailing space stays.
        assert_eq!(
            parts("Hi there  you\n x y"),
            [Words("Hi there"), Piece(" you\n"), Words("x y")]
        );
        assert_eq!(parts("  a b "), [Piece("  a"), Words("b ")]);
        assert_eq!(parts("a   "), [Words("a"), Piece("  ")]);
        // "▁" in the text is never a cut, and its piece is the own engine's.
        assert_eq!(parts("a\u{2581} b c"), [Piece("a\u{2581} b"), Words("c")]);
    }

    #[test]
    fn a_text_holding_an_added_token_or_nothing_is_not_cut() {
        let added = json!([{"content": "<s>", "normalized": false}]);
        let cuts = SpaceCuts::prove(&legacy(json!({"▁": 0}), added)).expect("proved");
        assert!(cuts.applies_to("a b"));
        assert!(!cuts.applies_to("a <s> b"));
        assert!(!cuts.applies_to(""));
    }

    #[test]
    fn the_rule_is_refused_where_the_vocabulary_or_config_does_not_prove_it() {
        let crossing = legacy(json!({"▁": 0, "a▁b": 1}), json!([]));
        assert!(SpaceCuts::prove(&crossing).is_none());
        let no_mark = legacy(json!({"a": 0}), json!([]));
        assert!(SpaceCuts::prove(&no_mark).is_none());
        let normalized_added = legacy(
            json!({"▁": 0}),
            json!([{"content": "x y", "normalized": true}]),
        );
        assert!(SpaceCuts::prove(&normalized_added).is_none());
        let mut with_pre_tokenizer = legacy(json!({"▁": 0}), json!([]));
        with_pre_tokenizer["pre_tokenizer"] = json!({"type": "Metaspace"});
        assert!(SpaceCuts::prove(&with_pre_tokenizer).is_none());
        let mut ignoring_merges = legacy(json!({"▁": 0}), json!([]));
        ignoring_merges["model"]["ignore_merges"] = json!(true);
        assert!(SpaceCuts::prove(&ignoring_merges).is_none());
    }
}
