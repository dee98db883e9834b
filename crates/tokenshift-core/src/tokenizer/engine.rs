//! The fast engine: `tokenizers` 1.0's read-only pipeline (ids only, several times faster than 0.23 with
//! the same ids). 0.23 stays the engine of record for what 1.0 lacks: tokenizers its reader refuses,
//! the drop-in `Encoding` (offsets, token strings), and spans `surface` cannot rebuild.

use std::collections::HashSet;

use serde_json::Value;
use tokenizers_pipeline::pipeline::{EncodeOptions, PipelineToken, PipelineTokenizer};

use super::admission::{self, long_probe, vocabulary_texts, PROBES};
use super::canonical_cache::CanonicalConfig;
use super::quiet_stderr::quietly;
use super::space_cuts::{Part, SpaceCuts};
use super::surface::Surface;
use super::surface_kind::{reference_surface, surface_kind, SurfaceKind};
use crate::error::{Error, Result};
use crate::threads;

/// Which engine produced a record's ids (and its spans, where a mask needed them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// `tokenizers` 1.0's pipeline engine.
    Pipeline,
    /// `tokenizers` 0.23.2, the engine the official npm binding runs.
    Reference,
}

impl Engine {
    /// The crate version behind each engine (pinned with `=` in Cargo.toml; a test checks Cargo.lock).
    pub fn crate_version(self) -> &'static str {
        match self {
            Self::Pipeline => "1.0.0-rc.3",
            Self::Reference => "0.23.2",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pipeline => "tokenizers-1.0",
            Self::Reference => "tokenizers-0.23",
        }
    }
}

/// Whether a tokenizer may use the 1.0 engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EnginePreference {
    /// 1.0 wherever it gives 0.23's results.
    #[default]
    Auto,
    /// 0.23 only (to compare, or to rule the new engine out).
    Reference,
}

/// Settings a tokenizer.json may store that 0.23 is told to ignore (as Transformers and
/// `@huggingface/tokenizers` ignore them) and the 1.0 reader would apply to every text.
const IGNORED_SETTINGS: [&str; 2] = ["truncation", "padding"];

pub(crate) struct PipelineEngine {
    inner: PipelineTokenizer,
    /// What the post-processor puts around one sequence when special tokens are added.
    prefix: Vec<u32>,
    suffix: Vec<u32>,
    /// How spans are rebuilt, or why they cannot be (then 0.23's offsets serve).
    surface: std::result::Result<Surface, String>,
    /// Vocabulary entries 1.0 emits where the merges give several tokens: a text whose ids hold one
    /// goes to 0.23 (see `admission`).
    unreachable: HashSet<u32>,
    /// Word-by-word encoding, where the vocabulary proves it gives the same ids (see `space_cuts`),
    /// with the engine that cuts before every "▁".
    space_cuts: Option<(SpaceCuts, PipelineTokenizer)>,
}

/// The 1.0 engines of one tokenizer.json before admission (`PipelineEngine::build`).
pub(crate) struct Built {
    inner: PipelineTokenizer,
    space_cuts: Option<(SpaceCuts, PipelineTokenizer)>,
    surface_kind: std::result::Result<SurfaceKind, String>,
    /// What a later process can build `inner` from (none with word cuts: their engine has its own
    /// config; none when built from it already).
    canonical: Option<String>,
    /// Span tables made from 0.23 ahead of admission (`with_surface_from`).
    surface: Option<std::result::Result<Surface, String>>,
}

impl Built {
    /// The engines from a config kept by an earlier build (`take_canonical`).
    pub fn from_canonical(config: CanonicalConfig) -> std::result::Result<Self, String> {
        Ok(Self {
            inner: read_canonical(&config.text)?,
            space_cuts: None,
            surface_kind: config.surface,
            canonical: None,
            surface: None,
        })
    }

    /// Makes the span tables now, from `reference` (0.23), while admission is not yet needed.
    pub fn with_surface_from(mut self, reference: &tokenizers::Tokenizer) -> Self {
        self.surface = Some(reference_surface(self.surface_kind.clone(), reference));
        self
    }

    /// The config this build can be repeated from, if it was built from tokenizer.json and needs no
    /// word cuts.
    pub fn take_canonical(&mut self) -> Option<CanonicalConfig> {
        Some(CanonicalConfig {
            text: self.canonical.take()?,
            surface: self.surface_kind.clone(),
        })
    }
}

impl PipelineEngine {
    /// Builds and admits 1.0 for a tokenizer.json; `Err` says why this tokenizer stays on 0.23 (shown
    /// to users as the engine note). A verdict from the admission cache skips this for `admit`.
    pub fn load(
        config: Value,
        reference: &tokenizers::Tokenizer,
        sweep_vocabulary: bool,
    ) -> std::result::Result<(Self, Option<CanonicalConfig>), String> {
        // Texts for the vocabulary sweep come from the file as written (canonicalizing reshapes it).
        // Off only to show what the running cross-check catches when admission misses a class.
        let vocabulary = match sweep_vocabulary {
            true => {
                let mut vocab: Vec<(String, u32)> =
                    reference.get_vocab(false).into_iter().collect();
                vocab.sort_unstable_by_key(|(_, id)| *id);
                vocabulary_texts(&config, &vocab)
            }
            false => Vec::new(),
        };
        let mut built = Self::build(config)?;
        let canonical = built.take_canonical();
        Ok((Self::admit(built, reference, &vocabulary, None)?, canonical))
    }

    /// The 1.0 engines of a tokenizer.json, not yet admitted. Needs no 0.23, so it can run while
    /// 0.23 loads.
    pub fn build(mut config: Value) -> std::result::Result<Built, String> {
        let surface_kind = surface_kind(&config);
        if let Value::Object(map) = &mut config {
            for key in IGNORED_SETTINGS {
                map.insert(key.into(), Value::Null);
            }
        }
        let words_config =
            SpaceCuts::prove(&config).map(|cuts| (cuts, SpaceCuts::words_config(&config)));
        let (inner, canonical) = build_pipeline(config)?;
        // Only speed hangs on the words engine: if 1.0 cannot build it, texts are encoded whole.
        let space_cuts = words_config
            .and_then(|(cuts, words_config)| Some((cuts, build_pipeline(words_config).ok()?.0)));
        let canonical = space_cuts.is_none().then_some(canonical);
        Ok(Built {
            inner,
            space_cuts,
            surface_kind,
            canonical,
            surface: None,
        })
    }

    /// Admits `built` against 0.23 (`reference`): the probes, and the sweep over `vocabulary`; with
    /// `known` unreachable entries (a cached verdict), neither.
    pub fn admit(
        built: Built,
        reference: &tokenizers::Tokenizer,
        vocabulary: &[String],
        known: Option<HashSet<u32>>,
    ) -> std::result::Result<Self, String> {
        let Built {
            inner,
            space_cuts,
            surface_kind,
            canonical: _,
            surface,
        } = built;
        let surface = surface.unwrap_or_else(|| reference_surface(surface_kind, reference));
        let single = &inner.get_post_processor().single;
        let ids = |run: &[(PipelineToken, u8)]| run.iter().map(|(t, _)| t.id()).collect();
        let mut engine = Self {
            prefix: ids(&single.prefix),
            suffix: ids(&single.suffix),
            inner,
            surface,
            unreachable: HashSet::new(),
            space_cuts,
        };
        if let Some(unreachable) = known {
            engine.unreachable = unreachable;
            return Ok(engine);
        }
        let reference_ids = |text: &str, add_special_tokens: bool| {
            reference
                .encode_fast(text, add_special_tokens)
                .map(|e| e.get_ids().to_vec())
                .ok()
        };
        let pool = threads::pool(0).map_err(|e| e.to_string())?;
        let sweep = pool.install(|| {
            admission::sweep(
                vocabulary,
                |text| engine.encode_unchecked(text, false),
                |text| reference_ids(text, false),
            )
        })?;
        engine.unreachable = sweep.unreachable;
        // Every added token in text: the engines must number them alike (0.23 renumbers gaps).
        let mut added: Vec<_> = reference.get_added_tokens_decoder().into_iter().collect();
        added.sort_unstable_by_key(|(id, _)| *id);
        let added_probe: String = added
            .iter()
            .map(|(_, token)| format!("a{} ", token.content))
            .collect();
        let long = long_probe();
        let probes = PROBES.iter().copied().chain([added_probe.as_str(), &long]);
        for probe in probes {
            for add_special_tokens in [true, false] {
                let expected = reference_ids(probe, add_special_tokens)
                    .ok_or("tokenizers 0.23 cannot encode a probe text")?;
                let mut ids = Vec::new();
                let served = engine
                    .encode_ids_into(probe, add_special_tokens, &mut ids)
                    .map_err(|e| e.to_string())?;
                if !served {
                    // A probe holding an unreachable entry: 0.23 serves it, as it would at run time.
                    continue;
                }
                if ids != expected {
                    let shown: String = probe.chars().take(80).collect();
                    return Err(format!(
                        "tokenizers 1.0 and 0.23 give different ids for {shown:?}"
                    ));
                }
            }
        }
        Ok(engine)
    }

    /// Whether texts are encoded word by word (`space_cuts`).
    pub fn cuts_words(&self) -> bool {
        self.space_cuts.is_some()
    }

    /// Vocabulary entries the merges do not build but 1.0 emits (their texts go to 0.23).
    pub fn unreachable_entries(&self) -> &HashSet<u32> {
        &self.unreachable
    }

    /// The ids of `text` without specials and without the unreachable-entry check (the sweep's view).
    fn encode_unchecked(&self, text: &str, add_special_tokens: bool) -> Option<Vec<u32>> {
        let mut out = Vec::new();
        self.encode_raw(text, add_special_tokens, &mut out).ok()?;
        Some(out)
    }

    /// Appends the ids of `text` to `out` and returns true; or leaves `out` as it was and returns false
    /// when the ids would hold an unreachable entry (the caller asks 0.23).
    pub fn encode_ids_into(
        &self,
        text: &str,
        add_special_tokens: bool,
        out: &mut Vec<u32>,
    ) -> Result<bool> {
        let start = out.len();
        self.encode_raw(text, add_special_tokens, out)?;
        if !self.unreachable.is_empty()
            && out[start..].iter().any(|id| self.unreachable.contains(id))
        {
            out.truncate(start);
            return Ok(false);
        }
        Ok(true)
    }

    fn encode_raw(&self, text: &str, add_special_tokens: bool, out: &mut Vec<u32>) -> Result<()> {
        if add_special_tokens {
            out.extend_from_slice(&self.prefix);
        }
        let mut tokens = Vec::with_capacity(text.len() / 3 + 1);
        let options = EncodeOptions::no_specials();
        let encoded = match &self.space_cuts {
            Some((cuts, words)) if cuts.applies_to(text) => {
                SpaceCuts::for_each_part(text, |part| match part {
                    Part::Words(run) => words.encode_into(run, &options, &mut tokens),
                    Part::Piece(piece) => self.inner.encode_into(piece, &options, &mut tokens),
                })
            }
            _ => self.inner.encode_into(text, &options, &mut tokens),
        };
        encoded.map_err(|e| Error::Encode(e.to_string()))?;
        out.extend_from_slice(PipelineToken::cast_slice(&tokens));
        if add_special_tokens {
            out.extend_from_slice(&self.suffix);
        }
        Ok(())
    }

    /// How many of the post-processor's tokens `encode_ids_into` puts before and after the text's own.
    pub fn added_around(&self, add_special_tokens: bool) -> (usize, usize) {
        match add_special_tokens {
            true => (self.prefix.len(), self.suffix.len()),
            false => (0, 0),
        }
    }

    /// Ids with byte spans, the post-processor's tokens marked as not from the text; `None` when the
    /// spans cannot be rebuilt for this text (the caller asks 0.23).
    pub fn token_spans(
        &self,
        text: &str,
        add_special_tokens: bool,
    ) -> Result<Option<super::TokenSpans>> {
        let Ok(surface) = &self.surface else {
            return Ok(None);
        };
        let (before, after) = self.added_around(add_special_tokens);
        let mut ids = Vec::new();
        if !self.encode_ids_into(text, add_special_tokens, &mut ids)? {
            return Ok(None);
        }
        let own = before..ids.len() - after;
        let mut offsets = Vec::with_capacity(ids.len());
        // 0.23 reports (0, 0) for the post-processor's tokens.
        offsets.resize(before, (0, 0));
        if surface
            .spans(text, &ids[own.clone()], &mut offsets)
            .is_none()
        {
            return Ok(None);
        }
        offsets.resize(ids.len(), (0, 0));
        let from_text = (0..ids.len()).map(|i| own.contains(&i)).collect();
        let spans = super::TokenSpans {
            ids,
            offsets,
            from_text,
        };
        Ok(Some(spans))
    }

    /// Why spans come from 0.23 for every record of this tokenizer, if they do.
    pub fn span_note(&self) -> Option<&str> {
        self.surface.as_ref().err().map(String::as_str)
    }
}

/// A 1.0 engine from a tokenizer.json (settings it must not apply already removed), with the
/// canonical config it was read from.
fn build_pipeline(mut config: Value) -> std::result::Result<(PipelineTokenizer, String), String> {
    // The reader takes only canonical configs; the upgrade pass rewrites older ones.
    tokenizers_pipeline::canonicalize_value(&mut config)
        .map_err(|e| format!("tokenizers 1.0 cannot read this config: {e}"))?;
    let canonical = serde_json::to_string(&config).map_err(|e| e.to_string())?;
    drop(config);
    Ok((read_canonical(&canonical)?, canonical))
}

fn read_canonical(canonical: &str) -> std::result::Result<PipelineTokenizer, String> {
    // Its perfect-hash builder prints retries on stderr; a library writes only where it documents.
    quietly(|| tokenizers_pipeline::from_json(canonical))
        .map_err(|e| format!("tokenizers 1.0 cannot read this config: {e}"))
}

#[cfg(test)]
mod tests {
    use super::Engine;

    #[test]
    fn crate_versions_match_the_lock_file() {
        let lock = include_str!("../../../../Cargo.lock");
        for engine in [Engine::Pipeline, Engine::Reference] {
            let entry = format!(
                "name = \"tokenizers\"\nversion = \"{}\"",
                engine.crate_version()
            );
            assert!(lock.contains(&entry), "Cargo.lock has no {entry}");
        }
    }
}
