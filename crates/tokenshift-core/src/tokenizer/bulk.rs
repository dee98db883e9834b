//! The bulk paths (batch encoding, `prepare`): ids from the 1.0 engine where it is admitted, else from
//! 0.23, and the running cross-check that compares the two and takes 1.0 off a tokenizer it finds wrong.

use super::engine::{Engine, PipelineEngine};
use super::verify::{leading, Check, CheckPlan, VerifyEngine};
use super::warm_up::Serve;
use super::{TokenSpans, TokenizerCore};
use crate::error::{Error, Result};
use crate::panics::catch_quietly;

impl TokenizerCore {
    /// Chooses how much 1.0 output 0.23 re-checks (before the tokenizer is shared).
    pub fn set_verify_engine(&mut self, verify: VerifyEngine) {
        self.verify = verify;
    }

    /// Admission without its vocabulary sweep: a diagnostic that lets a known class of wrong ids
    /// through, to show the running cross-check catching it. Never for real work.
    #[doc(hidden)]
    pub fn skip_vocabulary_sweep(&mut self) {
        self.sweep_vocabulary = false;
    }

    pub fn verify_engine(&self) -> VerifyEngine {
        self.verify
    }

    /// Counts a bulk call of `bytes()` of input against the warm-up (see `warm_up`; measured only
    /// while it lasts) and says which engine serves it. Made when the call is made, so calls run out
    /// of order still count in order.
    pub fn reserve_bulk(&self, bytes: impl FnOnce() -> usize) -> Serve {
        self.warm_up.reserve(|| bytes() as u64)
    }

    /// Which engine serves a bulk call and which of its texts 0.23 checks. For 1.0, also builds it now
    /// (or waits for its build), before the caller enters a thread pool (its admission sweep runs on
    /// one).
    pub fn check_plan(&self, serve: Serve) -> CheckPlan {
        if serve == Serve::Pipeline {
            let _ = self.pipeline_engine();
        }
        CheckPlan::new(self.verify, serve)
    }

    /// Why 1.0 was taken off this tokenizer mid-job (a cross-check found different ids), if it was.
    pub fn demotion(&self) -> Option<&str> {
        self.demoted.get().map(String::as_str)
    }

    /// Takes 1.0 off this tokenizer for good after a cross-check found `text` encoded differently.
    fn demote(&self, text: &str, pipeline: &[u32], reference: &[u32]) {
        let shown: String = text.chars().take(60).collect();
        let _ = self.demoted.set(format!(
            "a cross-check found tokenizers 1.0 giving different ids than 0.23 for {shown:?} \
             ({} tokens vs {}); 0.23 serves the rest of the job",
            pipeline.len(),
            reference.len()
        ));
    }

    /// Ids with byte spans from the 1.0 engine where it can rebuild them for this text, else from 0.23;
    /// the same spans either way. Returns the engine that served.
    pub fn token_spans(
        &self,
        text: &str,
        add_special_tokens: bool,
    ) -> Result<(TokenSpans, Engine)> {
        self.token_spans_checked(text, add_special_tokens, Check::UNCHECKED)
    }

    /// The 1.0 engine if `check` lets it serve and it is admitted.
    fn serving_engine(&self, check: Check) -> Option<&PipelineEngine> {
        check
            .pipeline
            .then(|| self.pipeline_engine().ok())
            .flatten()
    }

    /// Whether the engines give the same ids for the first `bytes` of `text` (the cross-check); a
    /// difference takes 1.0 off this tokenizer for good.
    fn engines_agree(
        &self,
        engine: &PipelineEngine,
        text: &str,
        add_special_tokens: bool,
        bytes: usize,
    ) -> Result<bool> {
        let probe = leading(text, bytes);
        let mut fast = Vec::new();
        let served = catch_quietly(|| engine.encode_ids_into(probe, add_special_tokens, &mut fast));
        // A probe holding an unreachable entry is 0.23's anyway.
        if let Ok(Ok(false)) = served {
            return Ok(true);
        }
        let reference = self.reference_fast(probe, add_special_tokens)?;
        if matches!(served, Ok(Ok(true))) && reference.get_ids() == fast.as_slice() {
            return Ok(true);
        }
        self.demote(probe, &fast, reference.get_ids());
        Ok(false)
    }

    /// `token_spans`; `check` says whether 1.0 may serve, and on how many leading bytes the engines
    /// are compared (0.23 serves for good if they differ).
    pub fn token_spans_checked(
        &self,
        text: &str,
        add_special_tokens: bool,
        check: Check,
    ) -> Result<(TokenSpans, Engine)> {
        if let Some(engine) = self.serving_engine(check) {
            let rebuilt = catch_quietly(|| engine.token_spans(text, add_special_tokens));
            if let Ok(Ok(Some(spans))) = rebuilt {
                if check.bytes == 0
                    || self.engines_agree(engine, text, add_special_tokens, check.bytes)?
                {
                    return Ok((spans, Engine::Pipeline));
                }
                return Ok((
                    self.encode_with_offsets(text, add_special_tokens)?,
                    Engine::Reference,
                ));
            }
        }
        Ok((
            self.encode_with_offsets(text, add_special_tokens)?,
            Engine::Reference,
        ))
    }

    /// Ids, and per id whether it came from the text (1) or from the post-processor (0): all a `{text}`
    /// record's mask needs. From 1.0's ids wherever it serves them, as batch encoding does (no spans
    /// to rebuild), else from 0.23; the same ids and flags either way.
    pub fn text_tokens_checked(
        &self,
        text: &str,
        add_special_tokens: bool,
        check: Check,
    ) -> Result<(Vec<u32>, Vec<u8>, Engine)> {
        if let Some(engine) = self.serving_engine(check) {
            let mut ids = Vec::with_capacity(text.len() / 3 + 4);
            let served =
                catch_quietly(|| engine.encode_ids_into(text, add_special_tokens, &mut ids));
            if matches!(served, Ok(Ok(true)))
                && (check.bytes == 0
                    || self.engines_agree(engine, text, add_special_tokens, check.bytes)?)
            {
                let (before, after) = engine.added_around(add_special_tokens);
                let mut from_text = vec![1u8; ids.len()];
                from_text[..before].fill(0);
                from_text[ids.len() - after..].fill(0);
                return Ok((ids, from_text, Engine::Pipeline));
            }
        }
        // No offsets needed: 0.23's fast path, which marks the post-processor's tokens the same way.
        let encoding = self.reference_fast(text, add_special_tokens)?;
        let from_text = encoding
            .get_sequence_ids()
            .iter()
            .map(|id| u8::from(id.is_some()))
            .collect();
        Ok((encoding.get_ids().to_vec(), from_text, Engine::Reference))
    }

    /// Ids only: the hot path of batch encoding (the 1.0 engine, else 0.23's `encode_fast`).
    pub fn encode_ids(&self, text: &str, add_special_tokens: bool) -> Result<Vec<u32>> {
        let mut ids = Vec::new();
        self.encode_ids_into(text, add_special_tokens, &mut ids)?;
        Ok(ids)
    }

    /// Appends the ids of `text` to `out`; returns the engine that served.
    pub fn encode_ids_into(
        &self,
        text: &str,
        add_special_tokens: bool,
        out: &mut Vec<u32>,
    ) -> Result<Engine> {
        self.encode_ids_checked(text, add_special_tokens, out, Check::UNCHECKED)
    }

    /// `encode_ids_into`; `check` says whether 1.0 may serve, and on how many leading bytes the
    /// engines are compared (0.23 serves for good if they differ).
    pub fn encode_ids_checked(
        &self,
        text: &str,
        add_special_tokens: bool,
        out: &mut Vec<u32>,
        check: Check,
    ) -> Result<Engine> {
        if let Some(engine) = self.serving_engine(check) {
            let start = out.len();
            let encoded = catch_quietly(|| engine.encode_ids_into(text, add_special_tokens, out));
            if let Ok(Ok(true)) = encoded {
                if check.bytes == 0
                    || self.engines_agree(engine, text, add_special_tokens, check.bytes)?
                {
                    return Ok(Engine::Pipeline);
                }
            }
            out.truncate(start);
        }
        let encoding = self.reference_fast(text, add_special_tokens)?;
        out.extend_from_slice(encoding.get_ids());
        Ok(Engine::Reference)
    }

    /// 0.23's encoding without offsets: ids, and sequence ids that mark the post-processor's tokens.
    fn reference_fast(&self, text: &str, add_special_tokens: bool) -> Result<tokenizers::Encoding> {
        self.inner
            .encode_fast(text, add_special_tokens)
            .map_err(|e| Error::Encode(e.to_string()))
    }
}
