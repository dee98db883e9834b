//! How the 1.0 engine starts. Fresh, a file is admitted at first bulk use past the warm-up: 1.0
//! built, then probed and swept against 0.23, and the verdict kept in the admission cache when there
//! is one. A file the cache has admitted before skips the probes and the sweep, and its 1.0 engines
//! are built on a thread of their own, started as 0.23 starts loading and joined only when 1.0 is
//! first needed: a new tokenizer is ready when 0.23 is, and the warm-up (`warm_up`) serves its first
//! bulk work with 0.23 meanwhile. Its 1.0 engine is built from the canonical config kept in the cache
//! when there is one (see `canonical_cache`).

use std::collections::HashSet;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::admission_cache::{AdmissionCache, Verdict};
use super::engine::{Built, PipelineEngine};
use super::quiet_stderr::{printed_during, uncaptured};
use super::{TokenizerConfig, TokenizerCore};
use crate::error::Result;
use crate::panics::catch_quietly;

/// The engines a build thread returns, and whether they came from the canonical config kept in the
/// cache.
type Building = (std::result::Result<Built, String>, bool);

/// 1.0 engines being built on their own thread for the file whose (swept) cache key is `key`. Once
/// built, the thread also makes their span tables from 0.23, which it is handed when loaded.
pub(crate) struct Prebuilt {
    key: String,
    /// Where 0.23 goes once loaded; dropped without sending if it never is.
    reference: Option<Sender<Arc<tokenizers::Tokenizer>>>,
    /// Joined at first need (at once when not `quiet`: its capture of stderr must end first).
    building: Option<JoinHandle<Building>>,
    /// The build, once joined.
    done: Option<Building>,
    /// The verdict says the build prints nothing: it runs uncaptured.
    quiet: bool,
}

impl Prebuilt {
    /// Hands the build thread the loaded 0.23 (for the span tables).
    fn hand_reference(&mut self, reference: &Arc<tokenizers::Tokenizer>) {
        if let Some(sender) = self.reference.take() {
            let _ = sender.send(reference.clone());
        }
    }

    /// Waits for the build.
    fn settle(&mut self) {
        self.reference = None;
        if let Some(building) = self.building.take() {
            self.done = Some(building.join().unwrap_or_else(|_| failed_build()));
        }
    }

    /// The build, waited for.
    fn finish(mut self) -> Building {
        self.settle();
        self.done.take().unwrap_or_else(failed_build)
    }
}

impl Drop for Prebuilt {
    /// A tokenizer dropped mid-build waits for it: builds left running would add up in a loop that
    /// creates tokenizers. (The thread waits for 0.23 only while its sender lives: dropped first.)
    fn drop(&mut self) {
        self.settle();
    }
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
            match cache.load(&key) {
                Some(Verdict::Admitted { quiet, .. }) => Some((key, quiet)),
                _ => None,
            }
        });
        // One copy of the text, shared by the build thread and the first bulk use (a fresh build).
        let owned_json: Arc<str> = Arc::from(tokenizer_json);
        // Started before 0.23 loads and, for a build known to print nothing, not joined here: the
        // warm-up (`warm_up`) serves the first bulk work with 0.23 while it runs, uncaptured (stderr
        // must not be held while JavaScript runs). A build that printed is joined before this returns,
        // captured. A thread that cannot start leaves the build to first use.
        let prebuilt = match (&cache, admitted_key) {
            (Some(cache), Some((key, quiet))) => {
                let (sender, receiver) = mpsc::channel::<Arc<tokenizers::Tokenizer>>();
                let (cache, thread_key, json) = (cache.clone(), key.clone(), owned_json.clone());
                std::thread::Builder::new()
                    .name("tokenshift-1.0-build".into())
                    .spawn(move || {
                        let build = || build_admitted(&cache, &thread_key, &json);
                        let (built, from_canonical) = match quiet {
                            true => uncaptured(build),
                            false => build(),
                        };
                        drop(json);
                        // The span tables were most of the first bulk call's wait: made here.
                        let built = match receiver.recv() {
                            Ok(reference) => built.map(|built| built.with_surface_from(&reference)),
                            Err(_) => built,
                        };
                        (built, from_canonical)
                    })
                    .ok()
                    .map(|building| Prebuilt {
                        key,
                        reference: Some(sender),
                        building: Some(building),
                        done: None,
                        quiet,
                    })
            }
            _ => None,
        };
        let inner = Self::reference_from_json(tokenizer_json, source_name)?;
        let config = match config_json {
            Some(text) => TokenizerConfig::from_json_str(text)?,
            None => TokenizerConfig::default(),
        };
        let mut core = Self::new(inner, config, source_name)?;
        core.pending_json = Mutex::new(Some(owned_json));
        core.admission_cache = cache;
        let prebuilt = prebuilt.map(|mut prebuilt| {
            prebuilt.hand_reference(&core.inner);
            if !prebuilt.quiet {
                prebuilt.settle();
            }
            prebuilt
        });
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
            Some((cache, key, Some(Verdict::Admitted { unreachable, .. }))) => {
                let (built, from_canonical) = match prebuilt {
                    Some(prebuilt) if prebuilt.key == key => prebuilt.finish(),
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
                let (loaded, printed) = printed_during(|| {
                    caught(|| PipelineEngine::load(config, &self.inner, self.sweep_vocabulary))
                });
                let (engine, canonical) = match loaded {
                    Ok((engine, canonical)) => (Ok(engine), canonical),
                    Err(note) => (Err(note), None),
                };
                if let Some((cache, key, None)) = fresh {
                    let verdict = match &engine {
                        Ok(engine) => Verdict::Admitted {
                            unreachable: engine.unreachable_entries().clone(),
                            quiet: !printed,
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

/// What a build thread that panicked outside `caught` gave.
fn failed_build() -> Building {
    (Err("tokenizers 1.0 failed while reading it".into()), false)
}

/// The 1.0 engines of an admitted file: from the canonical config kept for it, else from its text.
/// Says which.
fn build_admitted(cache: &AdmissionCache, key: &str, tokenizer_json: &str) -> Building {
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
