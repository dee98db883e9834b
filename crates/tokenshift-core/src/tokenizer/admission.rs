//! What the 1.0 engine must get right before it serves a tokenizer: probe texts of every kind that has
//! split the engines (emoji, CJK, combining marks, code, whitespace runs, digits, a long text, every
//! added token), and every vocabulary entry as a text of its own.
//!
//! The sweep over the vocabulary is what finds 1.0.0-rc.3's one known class of wrong ids: a pre-token
//! equal to a vocabulary entry is emitted as that entry without running the merges ("fold"), and the
//! proof that the merges would build it is skipped for entries of one character — so a byte-level
//! vocabulary holding "🤔" as one token that no merge produces gets one id from 1.0 and three from
//! 0.23. Such entries are collected, not fatal: 1.0 emits their id only by folding, so a text whose
//! 1.0 ids hold none of them went through the merges like 0.23's, and a text whose ids hold one is
//! encoded by 0.23 instead. Any other difference keeps the tokenizer on 0.23.

use std::collections::HashSet;

use rayon::prelude::*;
use serde_json::Value;

use super::surface::byte_level_decoder;

/// Texts both engines must agree on, with and without special tokens.
pub const PROBES: [&str; 12] = [
    "Hello world",
    " 12 naïve  🚀\n\tend ",
    "\u{2581}x\u{a0}y",
    "",
    "🤔🤔 👨‍👩‍👧‍👦 🇫🇷 ❤️ 👍🏽 ✅",
    "机器学习是人工智能的一个分支。日本語のテキスト、한국어 문장.",
    "e\u{301} a\u{308}\u{323} Cafe\u{301} \u{5d0}\u{5b8} \u{915}\u{94d}\u{937} \u{e01}\u{e34}",
    "fn main() {\n    let x: Vec<u8> = vec![0x1F, 255];\n\tif x.len() >= 2 { return; } // done\n}\n",
    "a          b\n\n\n\n   \t\t  \r\n  c   ",
    "1 12 123 1234 12345 3.14159 1,000,000 2026-12-02 ٣٤٥ 四五六 ①②",
    "DON'T Stop, it's   JSON: {\"k\": [1, 2.5e-3, null]} <html>&amp;</html> $x_{i}^2",
    "\u{feff}\u{200b}\u{200d}\u{2028}\u{85}\u{0}\u{7f}\u{ffff}",
];

/// A text longer than any limit a tokenizer.json stores (truncation is removed before 1.0 reads the
/// file, and this proves nothing cuts the text anyway).
pub fn long_probe() -> String {
    PROBES.join(" ").repeat(40)
}

/// Of a BPE vocabulary, every entry of one character (1.0 folds those without proof), every entry no
/// merge builds, and one in `SAMPLED_EVERY` of the rest; of other models, every entry.
const SAMPLED_EVERY: usize = 16;

/// The texts that stand for the vocabulary entries the sweep encodes, as a pre-token would see them:
/// byte-level entries decoded to their bytes (entries that are not UTF-8 are never a pre-token), "▁"
/// as a space, a WordPiece continuation without its prefix; each also without one leading space,
/// which a `Prepend("▁")` normalizer or Metaspace pre-tokenizer puts back.
pub fn vocabulary_texts(config: &Value, vocab: &[(String, u32)]) -> Vec<String> {
    let byte_level = mentions_byte_level(config);
    let decoder = byte_level_decoder();
    let continuation = config["model"]["continuing_subword_prefix"]
        .as_str()
        .filter(|p| !p.is_empty());
    let built = merge_results(&config["model"]);
    let mut texts = Vec::new();
    let mut seen = HashSet::new();
    for (index, (token, _)) in vocab.iter().enumerate() {
        let text = if byte_level {
            let bytes: Option<Vec<u8>> = token
                .chars()
                .map(|c| decoder.get(c as usize).copied().flatten())
                .collect();
            match bytes.map(String::from_utf8) {
                Some(Ok(text)) => text,
                _ => continue,
            }
        } else {
            let token = continuation
                .and_then(|p| token.strip_prefix(p))
                .unwrap_or(token);
            token.replace('\u{2581}', " ")
        };
        let wanted = match &built {
            None => true,
            Some(built) => {
                text.chars().count() == 1
                    || (token.chars().count() > 1 && !built.contains(token.as_str()))
                    || index % SAMPLED_EVERY == 0
            }
        };
        if !wanted {
            continue;
        }
        if let Some(rest) = text.strip_prefix(' ') {
            if !rest.is_empty() && seen.insert(rest.to_owned()) {
                texts.push(rest.to_owned());
            }
        }
        if seen.insert(text.clone()) {
            texts.push(text);
        }
    }
    texts
}

/// The entries a BPE model's merges build (`None` for other models).
fn merge_results(model: &Value) -> Option<HashSet<String>> {
    let merges = model["merges"].as_array()?;
    Some(
        merges
            .iter()
            .filter_map(|merge| match merge {
                Value::String(line) => line
                    .split_once(' ')
                    .map(|(left, right)| format!("{left}{right}")),
                Value::Array(pair) => match (pair.first(), pair.get(1)) {
                    (Some(Value::String(a)), Some(Value::String(b))) => Some(format!("{a}{b}")),
                    _ => None,
                },
                _ => None,
            })
            .collect(),
    )
}

/// A `ByteLevel` step anywhere in the pre-tokenizer or decoder: entries are then in GPT-2's alphabet.
fn mentions_byte_level(config: &Value) -> bool {
    fn walk(node: &Value) -> bool {
        match node {
            Value::Object(map) => {
                map.get("type").and_then(Value::as_str) == Some("ByteLevel")
                    || map.values().any(walk)
            }
            Value::Array(items) => items.iter().any(walk),
            _ => false,
        }
    }
    walk(&config["pre_tokenizer"]) || walk(&config["decoder"])
}

/// The outcome of a sweep: ids 1.0 emits for an entry the merges do not build (see the module note).
#[derive(Debug, Default)]
pub struct Sweep {
    pub unreachable: HashSet<u32>,
}

/// One text the engines disagree on.
pub struct Difference {
    pub text: String,
    pub pipeline: Vec<u32>,
    pub reference: Vec<u32>,
}

impl Difference {
    pub fn describe(&self) -> String {
        let shown: String = self.text.chars().take(60).collect();
        format!(
            "{shown:?}: tokenizers 1.0 gives {:?}, 0.23 gives {:?}",
            self.pipeline, self.reference
        )
    }
}

/// Encodes every text with both engines (on the current rayon pool) and sorts the differences: a
/// single 1.0 id where 0.23 gives several is a fold of an unreachable entry; anything else fails.
pub fn sweep(
    texts: &[String],
    pipeline: impl Fn(&str) -> Option<Vec<u32>> + Sync,
    reference: impl Fn(&str) -> Option<Vec<u32>> + Sync,
) -> Result<Sweep, String> {
    let differences: Vec<Difference> = texts
        .par_iter()
        .filter_map(|text| {
            // A panic in either engine is a difference (quiet: the note says what happened).
            let fast = crate::panics::catch_quietly(|| pipeline(text)).unwrap_or(None);
            let slow = crate::panics::catch_quietly(|| reference(text)).unwrap_or(None);
            match (fast, slow) {
                (Some(fast), Some(slow)) if fast == slow => None,
                (fast, slow) => Some(Difference {
                    text: text.clone(),
                    pipeline: fast.unwrap_or_default(),
                    reference: slow.unwrap_or_default(),
                }),
            }
        })
        .collect();
    let mut result = Sweep::default();
    let mut other = differences
        .iter()
        .filter(|d| !(d.pipeline.len() == 1 && d.reference.len() > 1));
    if let Some(first) = other.next() {
        let more = other.count();
        return Err(format!(
            "tokenizers 1.0 and 0.23 give different ids for vocabulary entry {}{}",
            first.describe(),
            if more > 0 {
                format!(" (and {more} more entries)")
            } else {
                String::new()
            }
        ));
    }
    result.unreachable = differences.iter().map(|d| d.pipeline[0]).collect();
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn byte_level_entries_become_their_bytes_and_non_utf8_entries_are_left_out() {
        let config =
            json!({"pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE", "merges": []}});
        // "Ġthe" is " the"; "ðŁ¤Ķ" is the four bytes of 🤔; "Ã" alone is a lone lead byte.
        let vocab = [("Ġthe", 0), ("ðŁ¤Ķ", 1), ("Ã", 2)].map(|(t, i)| (t.to_owned(), i));
        assert_eq!(vocabulary_texts(&config, &vocab), ["the", " the", "🤔"]);
    }

    #[test]
    fn of_a_bpe_vocabulary_the_sweep_takes_single_characters_unbuilt_entries_and_a_sample() {
        let config = json!({"pre_tokenizer": null, "model": {"type": "BPE", "merges": ["a b", ["ab", "c"], "x y"]}});
        let vocab: Vec<(String, u32)> = ["s", "a", "b", "ab", "abc", "q", "zz", "xy"]
            .iter()
            .enumerate()
            .map(|(i, t)| (t.to_string(), i as u32))
            .collect();
        // "s" is sampled (index 0), single characters always, "zz" no merge builds; "ab", "abc", "xy" are built.
        assert_eq!(
            vocabulary_texts(&config, &vocab),
            ["s", "a", "b", "q", "zz"]
        );
    }

    #[test]
    fn sentencepiece_and_wordpiece_entries_become_text() {
        let spm = json!({"pre_tokenizer": null, "model": {"type": "BPE", "merges": []}});
        let vocab = [("▁Hello", 0), ("lo", 1)].map(|(t, i)| (t.to_owned(), i));
        assert_eq!(vocabulary_texts(&spm, &vocab), ["Hello", " Hello", "lo"]);
        let wp = json!({"model": {"type": "WordPiece", "continuing_subword_prefix": "##"}});
        let vocab = [("##ing", 0), ("ing", 1)].map(|(t, i)| (t.to_owned(), i));
        assert_eq!(vocabulary_texts(&wp, &vocab), ["ing"]);
    }

    #[test]
    fn a_single_fast_id_for_several_slow_ones_is_an_unreachable_entry_and_anything_else_fails() {
        let texts = ["a".to_owned(), "🤔".to_owned()];
        let fold = sweep(
            &texts,
            |t| Some(if t == "🤔" { vec![9] } else { vec![1] }),
            |t| Some(if t == "🤔" { vec![2, 3, 4] } else { vec![1] }),
        )
        .expect("a fold is not fatal");
        assert_eq!(fold.unreachable, HashSet::from([9]));
        let other = sweep(&texts, |_| Some(vec![1, 2]), |_| Some(vec![1]));
        assert!(other.expect_err("fatal").contains("vocabulary entry"));
    }
}
