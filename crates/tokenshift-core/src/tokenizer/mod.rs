//! Loading a Hugging Face `tokenizer.json` (+ config) and encoding/decoding single texts.

mod admission;
mod admission_cache;
mod bulk;
mod cache_budget;
mod canonical_cache;
mod cleanup;
mod config;
mod diagnose;
mod engine;
mod quiet_stderr;
mod space_cuts;
mod start;
mod surface;
mod surface_kind;
mod verify;
mod warm_up;

use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

pub use admission_cache::AdmissionCache;
pub use cleanup::clean_up_tokenization;
pub use config::{SpecialTokens, TokenizerConfig};
pub use engine::{Engine, EnginePreference};
pub use verify::{Check, CheckPlan, VerifyEngine};
pub use warm_up::{Serve, DEFAULT_WARM_UP_BYTES};

use engine::PipelineEngine;
use warm_up::WarmUp;

use crate::error::{Error, Result};

/// One encoded text, shaped like `@huggingface/tokenizers`' `Encoding`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub ids: Vec<u32>,
    pub tokens: Vec<String>,
    pub type_ids: Vec<u32>,
}

/// Token ids with their byte spans in the encoded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSpans {
    pub ids: Vec<u32>,
    pub offsets: Vec<(usize, usize)>,
    pub from_text: Vec<bool>,
}

/// An added token as listed by `get_added_tokens_decoder`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedTokenInfo {
    pub id: u32,
    pub content: String,
    pub single_word: bool,
    pub lstrip: bool,
    pub rstrip: bool,
    pub normalized: bool,
    pub special: bool,
}

/// A tokenizer plus the config facts (special tokens, clean-up) that the `tokenizers` crate does not hold.
pub struct TokenizerCore {
    /// Shared with the thread that builds 1.0 (`start`), which makes the span tables from it.
    inner: Arc<tokenizers::Tokenizer>,
    config: TokenizerConfig,
    preference: EnginePreference,
    /// The tokenizer.json text until the 1.0 engine is built from it (on first bulk use: loading it
    /// costs 2-3x 0.23's load, which the drop-in `encode` never needs).
    pending_json: Mutex<Option<Arc<str>>>,
    pipeline: OnceLock<std::result::Result<PipelineEngine, String>>,
    /// How often 0.23 re-encodes what 1.0 produced, as a cross-check while running.
    verify: VerifyEngine,
    /// Whether admission encodes vocabulary entries with both engines (off only to demonstrate the
    /// cross-check: `TOKENSHIFT_ENGINE_SWEEP=off` in the Node binding).
    sweep_vocabulary: bool,
    /// Set by the first cross-check mismatch: from then on 0.23 serves everything. Says what differed.
    demoted: OnceLock<String>,
    /// Where admission verdicts are kept between processes (none: every process admits anew).
    admission_cache: Option<AdmissionCache>,
    /// The 1.0 engines built while 0.23 loaded (`start`), waiting for their admission.
    prebuilt: Mutex<Option<start::Prebuilt>>,
    /// Whether the verdict came from `admission_cache` (set when the 1.0 engine is built).
    admitted_from_cache: OnceLock<bool>,
    /// Whether the 1.0 engine was built from the canonical config kept in the cache.
    built_from_canonical: OnceLock<bool>,
    /// The bulk input given so far, against the bytes 0.23 serves while 1.0 builds.
    warm_up: WarmUp,
}

impl TokenizerCore {
    /// `source_name` only labels error messages (a path, or "tokenizer.json").
    pub fn from_json_str(
        tokenizer_json: &str,
        config_json: Option<&str>,
        source_name: &str,
    ) -> Result<Self> {
        Self::from_json_str_cached(tokenizer_json, config_json, source_name, None)
    }

    /// Loads 0.23 from `tokenizer_json`, naming it `source_name` in errors.
    fn reference_from_json(
        tokenizer_json: &str,
        source_name: &str,
    ) -> Result<tokenizers::Tokenizer> {
        tokenizers::Tokenizer::from_str(tokenizer_json).map_err(|e| {
            // Tell a malformed file apart from a well-formed file that is not a valid tokenizer.
            match serde_json::from_str::<serde_json::Value>(tokenizer_json) {
                Err(json_error) => Error::Json {
                    source_name: source_name.into(),
                    message: json_error.to_string(),
                },
                Ok(value) => Error::TokenizerLoad {
                    source_name: source_name.into(),
                    message: match diagnose::diagnose_model(&value) {
                        Some(defect) => format!("{defect} (tokenizers: {e})"),
                        None => e.to_string(),
                    },
                },
            }
        })
    }

    pub fn from_file(path: &str) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.into(),
            message: e.to_string(),
        })?;
        Self::from_json_str(&text, None, path)
    }

    fn new(
        mut inner: tokenizers::Tokenizer,
        config: TokenizerConfig,
        source_name: &str,
    ) -> Result<Self> {
        // Labels are int32 (-100 marks untrained positions): an id of 2^31 or more would wrap negative.
        if let Some((token, id)) = inner
            .get_vocab(true)
            .into_iter()
            .find(|(_, id)| i32::try_from(*id).is_err())
        {
            return Err(Error::TokenizerLoad {
                source_name: source_name.into(),
                message: format!("token {token:?} has id {id}: ids of 2^31 and above are not supported (labels are int32)"),
            });
        }
        // Like Transformers and @huggingface/tokenizers: padding/truncation stored in the file are
        // not applied unless the caller asks, or rows would silently change length.
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|e| Error::TokenizerLoad {
                source_name: source_name.into(),
                message: e.to_string(),
            })?;
        Ok(Self {
            inner: Arc::new(inner),
            config,
            preference: EnginePreference::Auto,
            pending_json: Mutex::new(None),
            pipeline: OnceLock::new(),
            verify: VerifyEngine::default(),
            sweep_vocabulary: true,
            demoted: OnceLock::new(),
            admission_cache: None,
            prebuilt: Mutex::new(None),
            admitted_from_cache: OnceLock::new(),
            built_from_canonical: OnceLock::new(),
            // Off unless set: only a caller that starts tokenizers with the cache gains from it.
            warm_up: WarmUp::new(0),
        })
    }

    /// Whether the 1.0 engine's admission verdict was read from the cache rather than decided now
    /// (false before the engine is first needed).
    #[doc(hidden)]
    pub fn admitted_from_cache(&self) -> bool {
        self.admitted_from_cache.get().copied().unwrap_or(false)
    }

    /// Whether the 1.0 engine was built from the canonical config an earlier process kept in the
    /// cache, skipping the rewrite of tokenizer.json (false before the engine is first needed).
    #[doc(hidden)]
    pub fn built_from_canonical(&self) -> bool {
        self.built_from_canonical.get().copied().unwrap_or(false)
    }

    /// Chooses the engines this tokenizer may use (before it is shared).
    pub fn set_engine_preference(&mut self, preference: EnginePreference) {
        self.preference = preference;
        if preference == EnginePreference::Reference {
            // The 1.0 engine will never be built: its source text need not be kept.
            self.pending_json = Mutex::new(None);
        }
    }

    /// Sets how many bytes of bulk input 0.23 serves while 1.0 builds (before the tokenizer is
    /// shared; 0, the default: 1.0 from the first call). The Node binding sets
    /// `DEFAULT_WARM_UP_BYTES`.
    pub fn set_warm_up_bytes(&mut self, bytes: u64) {
        self.warm_up = WarmUp::new(bytes);
    }

    /// The 1.0 engine, built on first use, or why there is none.
    fn pipeline_engine(&self) -> std::result::Result<&PipelineEngine, &str> {
        if self.preference == EnginePreference::Reference {
            return Err("engine: 'tokenizers-0.23' was requested");
        }
        if let Some(why) = self.demoted.get() {
            return Err(why);
        }
        self.pipeline
            .get_or_init(|| self.start_pipeline_engine())
            .as_ref()
            .map_err(String::as_str)
    }

    /// The engine that produces ids in bulk (batch encoding, `prepare`).
    pub fn engine(&self) -> Engine {
        match self.pipeline_engine() {
            Ok(_) => Engine::Pipeline,
            Err(_) => Engine::Reference,
        }
    }

    /// Why 0.23 serves this tokenizer (all of it, or its spans), if it does.
    pub fn engine_note(&self) -> Option<String> {
        match self.pipeline_engine() {
            Err(why) => Some(why.to_owned()),
            Ok(engine) => {
                let spans = engine.span_note().map(|why| {
                    format!("character spans (offsets boundary, chat masks) come from tokenizers 0.23: {why}")
                });
                let unreachable = match engine.unreachable_entries().len() {
                    0 => None,
                    n => Some(format!("{n} vocabulary entries that no merge builds are emitted by tokenizers 1.0: texts holding one are encoded by 0.23")),
                };
                match (spans, unreachable) {
                    (None, None) => None,
                    (a, b) => Some(a.into_iter().chain(b).collect::<Vec<_>>().join("; ")),
                }
            }
        }
    }

    /// Whether the 1.0 engine encodes texts word by word, the vocabulary having proved it gives the
    /// same ids (SentencePiece BPE; see `space_cuts`). For tests and benchmarks.
    #[doc(hidden)]
    pub fn cuts_words(&self) -> bool {
        self.pipeline_engine().is_ok_and(PipelineEngine::cuts_words)
    }

    pub fn config(&self) -> &TokenizerConfig {
        &self.config
    }

    pub fn special_token_id(&self, token: Option<&str>) -> Option<u32> {
        token.and_then(|t| self.inner.token_to_id(t))
    }

    pub fn bos_id(&self) -> Option<u32> {
        self.special_token_id(self.config.special.bos.as_deref())
    }

    pub fn eos_id(&self) -> Option<u32> {
        self.special_token_id(self.config.special.eos.as_deref())
    }

    pub fn pad_id(&self) -> Option<u32> {
        self.special_token_id(self.config.special.pad.as_deref())
    }

    pub fn encode(
        &self,
        text: &str,
        pair: Option<&str>,
        add_special_tokens: bool,
    ) -> Result<Encoded> {
        // `encode_fast` leaves token strings empty, so the full (byte-offset) encode is used here.
        let encoding = match pair {
            Some(pair) => self.inner.encode((text, pair), add_special_tokens),
            None => self.inner.encode(text, add_special_tokens),
        }
        .map_err(|e| Error::Encode(e.to_string()))?;
        Ok(Encoded {
            ids: encoding.get_ids().to_vec(),
            tokens: encoding.get_tokens().to_vec(),
            type_ids: encoding.get_type_ids().to_vec(),
        })
    }

    /// Ids with byte offsets into `text`, and whether each token came from the text (false for tokens
    /// the post-processor added, such as BOS).
    pub fn encode_with_offsets(&self, text: &str, add_special_tokens: bool) -> Result<TokenSpans> {
        let encoding = self
            .inner
            .encode(text, add_special_tokens)
            .map_err(|e| Error::Encode(e.to_string()))?;
        Ok(TokenSpans {
            ids: encoding.get_ids().to_vec(),
            offsets: encoding.get_offsets().to_vec(),
            from_text: encoding
                .get_sequence_ids()
                .iter()
                .map(Option::is_some)
                .collect(),
        })
    }

    /// `clean_up`: `None` uses the config's `clean_up_tokenization_spaces`.
    pub fn decode(
        &self,
        ids: &[u32],
        skip_special_tokens: bool,
        clean_up: Option<bool>,
    ) -> Result<String> {
        let text = self
            .inner
            .decode(ids, skip_special_tokens)
            .map_err(|e| Error::Decode(e.to_string()))?;
        if clean_up.unwrap_or(self.config.clean_up_tokenization_spaces) {
            Ok(clean_up_tokenization(&text))
        } else {
            Ok(text)
        }
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }

    /// `(token, id)` pairs sorted by id. Without added tokens, every token whose content is an added
    /// token is left out, even where the model's own vocabulary also holds it (as `@huggingface/tokenizers` does).
    pub fn vocab(&self, with_added_tokens: bool) -> Vec<(String, u32)> {
        let mut entries: Vec<(String, u32)> = self.inner.get_vocab(true).into_iter().collect();
        if !with_added_tokens {
            let added = self.inner.get_added_tokens_decoder();
            let added: std::collections::HashSet<&str> =
                added.values().map(|t| t.content.as_str()).collect();
            entries.retain(|(token, _)| !added.contains(token.as_str()));
        }
        entries.sort_unstable_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        entries
    }

    pub fn added_tokens(&self) -> Vec<AddedTokenInfo> {
        let mut tokens: Vec<AddedTokenInfo> = self
            .inner
            .get_added_tokens_decoder()
            .into_iter()
            .map(|(id, t)| AddedTokenInfo {
                id,
                content: t.content,
                single_word: t.single_word,
                lstrip: t.lstrip,
                rstrip: t.rstrip,
                normalized: t.normalized,
                special: t.special,
            })
            .collect();
        tokens.sort_unstable_by_key(|t| t.id);
        tokens
    }

    pub fn vocab_size(&self, with_added_tokens: bool) -> usize {
        self.inner.get_vocab_size(with_added_tokens)
    }
}
