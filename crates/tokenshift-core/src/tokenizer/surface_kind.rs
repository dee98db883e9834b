//! Which tokenizer configs let spans be rebuilt from ids (`surface`), and why the others cannot: the
//! pieces must map onto the text unchanged, so nothing may rewrite it (lower-casing, charsmaps, offset
//! trimming, added tokens that strip whitespace); and the span tables of an accepted kind.

use serde_json::Value;

use super::surface::Surface;

/// How a tokenizer's pieces map onto its input, when its config makes that provable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurfaceKind {
    /// Byte-level BPE (GPT-2, Llama-3, Qwen). `nfc`: an NFC normalizer, so only NFC text maps back.
    ByteLevel { nfc: bool },
    /// SentencePiece-style BPE (Llama-2, Mistral): `Prepend("▁")` + `Replace(" ", "▁")`, byte fallback.
    Metaspace,
}

/// The accepted config shapes, or why a tokenizer's spans must come from 0.23's offsets.
pub fn surface_kind(tokenizer: &Value) -> Result<SurfaceKind, String> {
    if let Some(token) = tokenizer["added_tokens"].as_array().and_then(|tokens| {
        tokens.iter().find(|t| {
            ["lstrip", "rstrip", "single_word"]
                .iter()
                .any(|flag| t[*flag].as_bool() == Some(true))
        })
    }) {
        return Err(format!(
            "added token {} strips whitespace or matches whole words",
            token["content"]
        ));
    }
    let model = &tokenizer["model"];
    // Older files (GPT-2's) leave out the model type; BPE is the one with merges.
    let is_bpe = model["type"] == "BPE" || (model["type"].is_null() && model["merges"].is_array());
    if !is_bpe {
        return Err("the model is not BPE".into());
    }
    if !post_processor_keeps_offsets(&tokenizer["post_processor"]) {
        return Err("the post-processor trims or rewrites offsets".into());
    }
    let normalizer = &tokenizer["normalizer"];
    let byte_fallback = tokenizer["model"]["byte_fallback"].as_bool() == Some(true);
    if byte_level_pre_tokenizer(&tokenizer["pre_tokenizer"]) && !byte_fallback {
        return match normalizer {
            Value::Null => Ok(SurfaceKind::ByteLevel { nfc: false }),
            n if n["type"] == "NFC" => Ok(SurfaceKind::ByteLevel { nfc: true }),
            _ => Err("the normalizer rewrites the text".into()),
        };
    }
    let normalized_added = tokenizer["added_tokens"]
        .as_array()
        .is_some_and(|tokens| tokens.iter().any(|t| t["normalized"] == true));
    if tokenizer["pre_tokenizer"].is_null() && is_metaspace_normalizer(normalizer) {
        // A normalized added token is matched after "▁" was prepended, which moves section starts.
        return match normalized_added {
            false => Ok(SurfaceKind::Metaspace),
            true => Err("an added token is matched in normalized text".into()),
        };
    }
    Err("the normalizer or pre-tokenizer is not one whose pieces map back to the text".into())
}

fn post_processor_keeps_offsets(node: &Value) -> bool {
    match node["type"].as_str() {
        None => node.is_null(),
        Some("TemplateProcessing") => true,
        Some("ByteLevel") => node["trim_offsets"] == false,
        Some("Sequence") => node["processors"]
            .as_array()
            .is_some_and(|all| all.iter().all(post_processor_keeps_offsets)),
        Some(_) => false,
    }
}

/// `ByteLevel` without an added prefix space, alone or after `Split`s (which only cut the text).
fn byte_level_pre_tokenizer(node: &Value) -> bool {
    let is_byte_level = |n: &Value| n["type"] == "ByteLevel" && n["add_prefix_space"] == false;
    match node["type"].as_str() {
        Some("ByteLevel") => is_byte_level(node),
        Some("Sequence") => node["pretokenizers"].as_array().is_some_and(|all| {
            all.split_last().is_some_and(|(last, splits)| {
                is_byte_level(last) && splits.iter().all(|s| s["type"] == "Split")
            })
        }),
        _ => false,
    }
}

fn is_metaspace_normalizer(node: &Value) -> bool {
    let Some([prepend, replace]) = node["normalizers"].as_array().map(Vec::as_slice) else {
        return false;
    };
    node["type"] == "Sequence"
        && prepend["type"] == "Prepend"
        && prepend["prepend"] == "▁"
        && replace["type"] == "Replace"
        && replace["pattern"]["String"] == " "
        && replace["content"] == "▁"
}

/// The span tables of a tokenizer whose spans are rebuilt as `kind` says, from 0.23's vocabulary.
pub(crate) fn reference_surface(
    kind: Result<SurfaceKind, String>,
    reference: &tokenizers::Tokenizer,
) -> Result<Surface, String> {
    kind.map(|kind| {
        let added = reference.get_added_tokens_decoder();
        Surface::new(
            kind,
            reference.get_vocab_size(true),
            |id| reference.id_to_token(id),
            |id| added.get(&id).map(|t| t.content.clone()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_that_rewrite_text_are_refused_with_a_reason() {
        let lower: Value = serde_json::json!({
            "model": {"type": "BPE"}, "normalizer": {"type": "Lowercase"},
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false}, "added_tokens": []
        });
        assert!(surface_kind(&lower).is_err());
        let strip: Value = serde_json::json!({
            "model": {"type": "BPE"}, "normalizer": null, "added_tokens": [{"content": "<|a|>", "rstrip": true}],
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false}
        });
        assert!(surface_kind(&strip).expect_err("refused").contains("<|a|>"));
        let qwen_like: Value = serde_json::json!({
            "model": {"type": "BPE"}, "normalizer": {"type": "NFC"}, "added_tokens": [],
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Split"}, {"type": "ByteLevel", "add_prefix_space": false}]},
            "post_processor": {"type": "ByteLevel", "trim_offsets": false}
        });
        assert_eq!(
            surface_kind(&qwen_like),
            Ok(SurfaceKind::ByteLevel { nfc: true })
        );
    }
}
