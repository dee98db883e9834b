use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{
    AbortSignal, AsyncTask, Either, ObjectFinalize, Uint32Array, Uint8Array,
};
use napi::{Env, Task};
use napi_derive::napi;
use tokenshift_core::tokenizer::{
    AdmissionCache, EnginePreference, Serve, VerifyEngine, DEFAULT_WARM_UP_BYTES,
};
use tokenshift_core::{batch, CsrBatch, TokenizerCore};

use crate::guard::guard;

#[napi(object)]
pub struct NativeEncoding {
    pub ids: Uint32Array,
    pub tokens: Vec<String>,
    pub type_ids: Uint32Array,
}

#[napi(object)]
pub struct NativeBatch {
    pub ids: Uint32Array,
    pub offsets: Uint32Array,
}

impl From<CsrBatch> for NativeBatch {
    fn from(batch: CsrBatch) -> Self {
        Self {
            ids: Uint32Array::new(batch.ids),
            offsets: Uint32Array::new(batch.offsets),
        }
    }
}

#[napi(object)]
pub struct NativeVocab {
    pub tokens: Vec<String>,
    pub ids: Uint32Array,
}

#[napi(object)]
pub struct NativeAddedToken {
    pub id: u32,
    pub content: String,
    pub single_word: bool,
    pub lstrip: bool,
    pub rstrip: bool,
    pub normalized: bool,
    pub special: bool,
}

#[napi(object)]
pub struct NativeSpecialTokens {
    pub bos: Option<String>,
    pub eos: Option<String>,
    pub pad: Option<String>,
    pub unk: Option<String>,
    pub bos_id: Option<u32>,
    pub eos_id: Option<u32>,
    pub pad_id: Option<u32>,
    pub unk_id: Option<u32>,
    pub chat_template: Option<String>,
    pub clean_up_tokenization_spaces: bool,
}

/// A loaded tokenizer. Its memory is reported to V8 (so that dropping tokenizers in a loop lets the
/// garbage collector run) and can be released at once with `dispose()`.
#[napi(custom_finalize)]
pub struct NativeTokenizer {
    core: Mutex<Option<Arc<TokenizerCore>>>,
    /// What was reported to V8 with `adjust_external_memory`, given back on dispose or finalize.
    external_bytes: i64,
}

/// Measured resident size per tokenizer.json byte: 4-9x over the fixtures with 0.23 alone (Llama-3 4.6x,
/// TinyLlama 5.8x, BERT 8x; T5's charsmap 21x), plus ~1x for the JSON text kept until the 1.0 engine is
/// built, or the engine itself (Qwen3: 7.6x + 1.3x). An estimate is all V8 needs to schedule collections.
const RESIDENT_BYTES_PER_JSON_BYTE: i64 = 8;

impl NativeTokenizer {
    /// The core, shared with work in flight (which keeps it alive past `dispose`).
    pub(crate) fn core(&self) -> napi::Result<Arc<TokenizerCore>> {
        self.core
            .lock()
            .ok()
            .and_then(|slot| slot.clone())
            .ok_or_else(|| {
                crate::guard::coded(
                    "DISPOSED",
                    "this tokenizer was disposed: load a new one to keep using it",
                )
            })
    }

    fn release(&self, env: &Env) {
        let released = self.core.lock().ok().and_then(|mut slot| slot.take());
        if released.is_some() {
            let _ = env.adjust_external_memory(-self.external_bytes);
        }
    }
}

impl ObjectFinalize for NativeTokenizer {
    fn finalize(self, env: Env) -> napi::Result<()> {
        self.release(&env);
        Ok(())
    }
}

#[napi]
impl NativeTokenizer {
    /// `source_name` labels error messages (a path, or "tokenizer.json").
    #[napi(factory)]
    pub fn from_json(
        env: Env,
        tokenizer_json: Either<String, Uint8Array>,
        config_json: Option<String>,
        source_name: String,
        reference_engine_only: Option<bool>,
        verify_engine: Option<String>,
        warm_up_bytes: Option<f64>,
    ) -> napi::Result<Self> {
        // Bytes as read from a file: decoded as JS would (invalid sequences become U+FFFD), without
        // a copy when they are valid. `from_utf8` checks them first: the lossy decoder's own check
        // walks byte by byte (18 ms of an 11 MB file; a few ms this way).
        let tokenizer_json = match &tokenizer_json {
            Either::A(text) => Cow::Borrowed(text.as_str()),
            Either::B(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) => String::from_utf8_lossy(bytes),
            },
        };
        let mut core = guard(|| {
            let mut core = TokenizerCore::from_json_str_cached(
                &tokenizer_json,
                config_json.as_deref(),
                &source_name,
                // 0.23 alone needs no verdict (and must not build 1.0 beside it).
                match reference_engine_only {
                    Some(true) => None,
                    _ => AdmissionCache::from_environment(),
                },
            )?;
            if let Some(verify) = verify_engine.as_deref() {
                core.set_verify_engine(verify.parse::<VerifyEngine>()?);
            }
            // The option is checked by the facade (a whole number of bytes from 0 to 2^53); the
            // environment sets it for processes whose options one cannot reach (the CLI, tests).
            let warm_up = warm_up_bytes
                .map(|b| b as u64)
                .or(warm_up_from_environment()?);
            core.set_warm_up_bytes(warm_up.unwrap_or(DEFAULT_WARM_UP_BYTES));
            Ok(core)
        })?;
        if reference_engine_only == Some(true) {
            core.set_engine_preference(EnginePreference::Reference);
        }
        // A diagnostic (docs/engine.md): admission without its vocabulary sweep, to watch the
        // running cross-check catch what the sweep would have.
        if std::env::var("TOKENSHIFT_ENGINE_SWEEP").as_deref() == Ok("off") {
            core.skip_vocabulary_sweep();
        }
        let external_bytes = i64::try_from(tokenizer_json.len())
            .unwrap_or(i64::MAX / RESIDENT_BYTES_PER_JSON_BYTE)
            .saturating_mul(RESIDENT_BYTES_PER_JSON_BYTE);
        env.adjust_external_memory(external_bytes)?;
        Ok(Self {
            core: Mutex::new(Some(Arc::new(core))),
            external_bytes,
        })
    }

    /// Frees the tokenizer now rather than when it is garbage collected; later calls fail.
    #[napi]
    pub fn dispose(&self, env: Env) {
        self.release(&env);
    }

    /// `tokenizers-1.0` or `tokenizers-0.23`: the engine bulk work runs on (loads 1.0 on first call).
    #[napi]
    pub fn engine(&self) -> napi::Result<String> {
        let core = self.core()?;
        guard(|| Ok(core.engine().as_str().to_owned()))
    }

    /// `sample`, `all` or `off`: how much of 1.0's output 0.23 re-encodes while running.
    #[napi]
    pub fn verify_engine(&self) -> napi::Result<String> {
        Ok(self.core()?.verify_engine().as_str().to_owned())
    }

    /// Why 0.23 serves this tokenizer, or its character spans, if it does.
    #[napi]
    pub fn engine_note(&self) -> napi::Result<Option<String>> {
        let core = self.core()?;
        guard(|| Ok(core.engine_note()))
    }

    #[napi]
    pub fn encode(
        &self,
        text: String,
        pair: Option<String>,
        add_special_tokens: bool,
    ) -> napi::Result<NativeEncoding> {
        let core = self.core()?;
        let encoded = guard(|| core.encode(&text, pair.as_deref(), add_special_tokens))?;
        Ok(NativeEncoding {
            ids: Uint32Array::new(encoded.ids),
            tokens: encoded.tokens,
            type_ids: Uint32Array::new(encoded.type_ids),
        })
    }

    #[napi]
    pub fn encode_ids(&self, text: String, add_special_tokens: bool) -> napi::Result<Uint32Array> {
        let core = self.core()?;
        guard(|| core.encode_ids(&text, add_special_tokens)).map(Uint32Array::new)
    }

    #[napi]
    pub fn encode_batch(
        &self,
        texts: Vec<String>,
        add_special_tokens: bool,
        threads: u32,
    ) -> napi::Result<NativeBatch> {
        let core = self.core()?;
        guard(|| batch::encode_batch(&core, &texts, add_special_tokens, threads as usize))
            .map(NativeBatch::from)
    }

    /// Same result as `encode_batch`, computed off the JS thread.
    #[napi(ts_return_type = "Promise<NativeBatch>")]
    pub fn encode_batch_async(
        &self,
        texts: Vec<String>,
        add_special_tokens: bool,
        threads: u32,
        signal: Option<AbortSignal>,
    ) -> napi::Result<AsyncTask<EncodeBatchTask>> {
        let core = self.core()?;
        // Counted in the warm-up now, in call order, not when the task runs.
        let serve = core.reserve_bulk(|| batch::batch_bytes(&texts));
        Ok(AsyncTask::with_optional_signal(
            EncodeBatchTask {
                core,
                texts,
                add_special_tokens,
                threads: threads as usize,
                serve,
            },
            signal,
        ))
    }

    /// `clean_up`: `undefined` uses the config's `clean_up_tokenization_spaces`.
    #[napi]
    pub fn decode(
        &self,
        ids: Uint32Array,
        skip_special_tokens: bool,
        clean_up: Option<bool>,
    ) -> napi::Result<String> {
        let core = self.core()?;
        guard(|| core.decode(&ids, skip_special_tokens, clean_up))
    }

    #[napi]
    pub fn token_to_id(&self, token: String) -> napi::Result<Option<u32>> {
        Ok(self.core()?.token_to_id(&token))
    }

    #[napi]
    pub fn id_to_token(&self, id: u32) -> napi::Result<Option<String>> {
        Ok(self.core()?.id_to_token(id))
    }

    #[napi]
    pub fn vocab(&self, with_added_tokens: bool) -> napi::Result<NativeVocab> {
        let (tokens, ids): (Vec<String>, Vec<u32>) =
            self.core()?.vocab(with_added_tokens).into_iter().unzip();
        Ok(NativeVocab {
            tokens,
            ids: Uint32Array::new(ids),
        })
    }

    #[napi]
    pub fn added_tokens(&self) -> napi::Result<Vec<NativeAddedToken>> {
        Ok(self
            .core()?
            .added_tokens()
            .into_iter()
            .map(|t| NativeAddedToken {
                id: t.id,
                content: t.content,
                single_word: t.single_word,
                lstrip: t.lstrip,
                rstrip: t.rstrip,
                normalized: t.normalized,
                special: t.special,
            })
            .collect())
    }

    #[napi]
    pub fn special_tokens(&self) -> napi::Result<NativeSpecialTokens> {
        let core = self.core()?;
        let config = core.config();
        let special = &config.special;
        let id = |t: &Option<String>| core.special_token_id(t.as_deref());
        Ok(NativeSpecialTokens {
            bos: special.bos.clone(),
            eos: special.eos.clone(),
            pad: special.pad.clone(),
            unk: special.unk.clone(),
            bos_id: id(&special.bos),
            eos_id: id(&special.eos),
            pad_id: id(&special.pad),
            unk_id: id(&special.unk),
            chat_template: config.chat_template.clone(),
            clean_up_tokenization_spaces: config.clean_up_tokenization_spaces,
        })
    }

    #[napi]
    pub fn vocab_size(&self, with_added_tokens: bool) -> napi::Result<u32> {
        Ok(u32::try_from(self.core()?.vocab_size(with_added_tokens)).unwrap_or(u32::MAX))
    }
}

/// `TOKENSHIFT_ENGINE_WARM_UP_BYTES`, if set: the bytes of bulk input 0.23 serves while 1.0 builds.
fn warm_up_from_environment() -> tokenshift_core::Result<Option<u64>> {
    let Ok(value) = std::env::var("TOKENSHIFT_ENGINE_WARM_UP_BYTES") else {
        return Ok(None);
    };
    value
        .trim()
        .parse::<u64>()
        .map(Some)
        .map_err(|_| tokenshift_core::Error::InvalidOption {
            option: "TOKENSHIFT_ENGINE_WARM_UP_BYTES".into(),
            message: format!("must be a whole number of bytes, 0 or more (got {value:?})"),
        })
}

pub struct EncodeBatchTask {
    core: Arc<TokenizerCore>,
    texts: Vec<String>,
    add_special_tokens: bool,
    threads: usize,
    serve: Serve,
}

impl Task for EncodeBatchTask {
    type Output = CsrBatch;
    type JsValue = NativeBatch;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        guard(|| {
            batch::encode_batch_served(
                &self.core,
                &self.texts,
                self.add_special_tokens,
                self.threads,
                self.serve,
            )
        })
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        crate::guard::ensure_env_alive(&env)?;
        Ok(output.into())
    }
}
