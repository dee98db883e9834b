use std::sync::Arc;

use napi::bindgen_prelude::{AbortSignal, AsyncTask, Uint32Array};
use napi::{Env, Task};
use napi_derive::napi;
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

#[napi]
pub struct NativeTokenizer {
    pub(crate) core: Arc<TokenizerCore>,
}

#[napi]
impl NativeTokenizer {
    /// `source_name` labels error messages (a path, or "tokenizer.json").
    #[napi(factory)]
    pub fn from_json(
        tokenizer_json: String,
        config_json: Option<String>,
        source_name: String,
    ) -> napi::Result<Self> {
        guard(|| {
            TokenizerCore::from_json_str(&tokenizer_json, config_json.as_deref(), &source_name)
        })
        .map(|core| Self {
            core: Arc::new(core),
        })
    }

    #[napi]
    pub fn encode(
        &self,
        text: String,
        pair: Option<String>,
        add_special_tokens: bool,
    ) -> napi::Result<NativeEncoding> {
        let encoded = guard(|| self.core.encode(&text, pair.as_deref(), add_special_tokens))?;
        Ok(NativeEncoding {
            ids: Uint32Array::new(encoded.ids),
            tokens: encoded.tokens,
            type_ids: Uint32Array::new(encoded.type_ids),
        })
    }

    #[napi]
    pub fn encode_ids(&self, text: String, add_special_tokens: bool) -> napi::Result<Uint32Array> {
        guard(|| self.core.encode_ids(&text, add_special_tokens)).map(Uint32Array::new)
    }

    #[napi]
    pub fn encode_batch(
        &self,
        texts: Vec<String>,
        add_special_tokens: bool,
        threads: u32,
    ) -> napi::Result<NativeBatch> {
        guard(|| batch::encode_batch(&self.core, &texts, add_special_tokens, threads as usize))
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
    ) -> AsyncTask<EncodeBatchTask> {
        AsyncTask::with_optional_signal(
            EncodeBatchTask {
                core: self.core.clone(),
                texts,
                add_special_tokens,
                threads: threads as usize,
            },
            signal,
        )
    }

    /// `clean_up`: `undefined` uses the config's `clean_up_tokenization_spaces`.
    #[napi]
    pub fn decode(
        &self,
        ids: Uint32Array,
        skip_special_tokens: bool,
        clean_up: Option<bool>,
    ) -> napi::Result<String> {
        guard(|| self.core.decode(&ids, skip_special_tokens, clean_up))
    }

    #[napi]
    pub fn token_to_id(&self, token: String) -> Option<u32> {
        self.core.token_to_id(&token)
    }

    #[napi]
    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.core.id_to_token(id)
    }

    #[napi]
    pub fn vocab(&self, with_added_tokens: bool) -> NativeVocab {
        let (tokens, ids): (Vec<String>, Vec<u32>) =
            self.core.vocab(with_added_tokens).into_iter().unzip();
        NativeVocab {
            tokens,
            ids: Uint32Array::new(ids),
        }
    }

    #[napi]
    pub fn added_tokens(&self) -> Vec<NativeAddedToken> {
        self.core
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
            .collect()
    }

    #[napi]
    pub fn special_tokens(&self) -> NativeSpecialTokens {
        let config = self.core.config();
        let special = &config.special;
        let id = |t: &Option<String>| self.core.special_token_id(t.as_deref());
        NativeSpecialTokens {
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
        }
    }

    #[napi]
    pub fn vocab_size(&self, with_added_tokens: bool) -> u32 {
        u32::try_from(self.core.vocab_size(with_added_tokens)).unwrap_or(u32::MAX)
    }
}

pub struct EncodeBatchTask {
    core: Arc<TokenizerCore>,
    texts: Vec<String>,
    add_special_tokens: bool,
    threads: usize,
}

impl Task for EncodeBatchTask {
    type Output = CsrBatch;
    type JsValue = NativeBatch;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        guard(|| {
            batch::encode_batch(
                &self.core,
                &self.texts,
                self.add_special_tokens,
                self.threads,
            )
        })
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output.into())
    }
}
