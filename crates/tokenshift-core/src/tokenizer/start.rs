//! How the 1.0 engine starts. Fresh, a file is admitted at first bulk use: 1.0 built, then probed and
//! swept against 0.23, and the verdict kept in the admission cache when there is one. A file the cache
//! has admitted before skips the probes and the sweep, and its 1.0 engines are built on a second thread
//! while 0.23 loads (a job on that file starts in about the longer of the two loads instead of their
//! sum plus the admission). Its 1.0 engine is built from the canonical config kept in the cache when
//! there is one (see `canonical_cache`).

use std::collections::HashSet;
use std::sync::Mutex;

use super::admission_cache::{AdmissionCache, Verdict};
use super::engine::{Built, PipelineEngine};
use super::{TokenizerConfig, TokenizerCore};
use crate::error::Result;
use crate::panics::catch_quietly;

/// 1.0 engines built while 0.23 loaded, for the file whose (swept) cache key is `key`.
pub(crate) struct Prebuilt {
    key: String,
    built: std::result::Result<Built, String>,
    /// Whether they were built from the canonical config kept in the cache.
    from_canonical: bool,
}

impl TokenizerCore {
    /// `from_json_str`, keeping admission verdicts in `cache` (`None`: every process admits anew).
    pub fn from_json_str_cached(
        tokenizer_json: &str,
        config_json: Option<&str>,
        source_name: &str,
        cache: Option<AdmissionCache>,
    ) -> Result<Self> {
        let admitted_key = cache.as_ref().and_then(|cache| {
            let key = AdmissionCache::key(tokenizer_json, true);
            matches!(cache.load(&key), Some(Verdict::Admitted { .. })).then_some(key)
        });
        let (inner, prebuilt) = match (&cache, admitted_key) {
            (Some(cache), Some(key)) => {
                let (inner, built, from_canonical) = std::thread::scope(|scope| {
                    let building = scope.spawn(|| build_admitted(cache, &key, tokenizer_json));
                    let inner = Self::reference_from_json(tokenizer_json, source_name);
                    let (built, from_canonical) = building.join().unwrap_or_else(|_| {
                        (Err("tokenizers 1.0 failed while reading it".into()), false)
                    });
                    (inner, built, from_canonical)
                });
                let prebuilt = Prebuilt {
                    key,
                    built,
                    from_canonical,
                };
                (inner, Some(prebuilt))
            }
            _ => (Self::reference_from_json(tokenizer_json, source_name), None),
        };
        let config = match config_json {
            Some(text) => TokenizerConfig::from_json_str(text)?,
            None => TokenizerConfig::default(),
        };
        let mut core = Self::new(inner?, config, source_name)?;
        core.pending_json = Mutex::new(Some(tokenizer_json.to_owned()));
        core.admission_cache = cache;
        core.prebuilt = Mutex::new(prebuilt);
        Ok(core)
    }

    /// Builds and admits the 1.0 engine (once, at first bulk use): `Err` is the engine note.
    pub(super) fn start_pipeline_engine(&self) -> std::result::Result<PipelineEngine, String> {
        let json = self
            .pending_json
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
            .ok_or("the tokenizer.json text is not available")?;
        let prebuilt = self.prebuilt.lock().ok().and_then(|mut slot| slot.take());
        let cached = self.admission_cache.as_ref().map(|cache| {
            let key = match &prebuilt {
                Some(prebuilt) if self.sweep_vocabulary => prebuilt.key.clone(),
                _ => AdmissionCache::key(&json, self.sweep_vocabulary),
            };
            let verdict = cache.load(&key);
            (cache, key, verdict)
        });
        let _ = self
            .admitted_from_cache
            .set(matches!(&cached, Some((_, _, Some(_)))));
        let engine = match cached {
            Some((_, _, Some(Verdict::Refused { note }))) => return Err(note),
            Some((cache, key, Some(Verdict::Admitted { unreachable }))) => {
                let (built, from_canonical) = match prebuilt {
                    Some(prebuilt) if prebuilt.key == key => {
                        (prebuilt.built, prebuilt.from_canonical)
                    }
                    _ => build_admitted(cache, &key, &json),
                };
                let _ = self.built_from_canonical.set(from_canonical);
                drop(json);
                self.admit_known(built, unreachable)
            }
            fresh => {
                // A pool that cannot start is this process's trouble, not a verdict on the file.
                crate::threads::pool(0).map_err(|e| e.to_string())?;
                let config: serde_json::Value =
                    serde_json::from_str(&json).map_err(|e| e.to_string())?;
                drop(json);
                let loaded =
                    caught(|| PipelineEngine::load(config, &self.inner, self.sweep_vocabulary));
                let (engine, canonical) = match loaded {
                    Ok((engine, canonical)) => (Ok(engine), canonical),
                    Err(note) => (Err(note), None),
                };
                if let Some((cache, key, None)) = fresh {
                    let verdict = match &engine {
                        Ok(engine) => Verdict::Admitted {
                            unreachable: engine.unreachable_entries().clone(),
                        },
                        Err(note) => Verdict::Refused { note: note.clone() },
                    };
                    cache.store(&key, &verdict);
                    if let Some(canonical) = canonical.filter(|_| engine.is_ok()) {
                        cache.store_canonical(&key, &canonical);
                    }
                }
                engine
            }
        };
        // The build and its sweep free most of what they allocate, across several threads.
        crate::memory::release_free_memory();
        engine
    }

    /// `built` admitted on a cached verdict: no probes, no sweep.
    fn admit_known(
        &self,
        built: std::result::Result<Built, String>,
        unreachable: HashSet<u32>,
    ) -> std::result::Result<PipelineEngine, String> {
        let built = built?;
        caught(|| PipelineEngine::admit(built, &self.inner, &[], Some(unreachable)))
    }
}

/// The 1.0 engines of an admitted file: from the canonical config kept for it, else from its text.
/// Says which.
fn build_admitted(
    cache: &AdmissionCache,
    key: &str,
    tokenizer_json: &str,
) -> (std::result::Result<Built, String>, bool) {
    if let Some(config) = cache.load_canonical(key) {
        if let Ok(built) = caught(|| Built::from_canonical(config)) {
            return (Ok(built), true);
        }
    }
    let mut built = build_from_text(tokenizer_json);
    // Kept for the next process now, while 0.23 still loads.
    if let Some(canonical) = built.as_mut().ok().and_then(Built::take_canonical) {
        cache.store_canonical(key, &canonical);
    }
    (built, false)
}

/// The 1.0 engines of a tokenizer.json text.
fn build_from_text(tokenizer_json: &str) -> std::result::Result<Built, String> {
    caught(|| {
        let config: serde_json::Value =
            serde_json::from_str(tokenizer_json).map_err(|e| e.to_string())?;
        PipelineEngine::build(config)
    })
}

/// Runs 1.0 work whose panic must not take 0.23 down (a release candidate): the panic becomes the
/// engine note.
fn caught<T>(
    work: impl FnOnce() -> std::result::Result<T, String>,
) -> std::result::Result<T, String> {
    catch_quietly(work).unwrap_or_else(|panic| {
        Err(format!(
            "tokenizers 1.0 failed while reading it ({})",
            panic.replace('\n', " ")
        ))
    })
}
