//! Explains why a well-formed `tokenizer.json` was rejected. The `tokenizers` crate reports some
//! broken files only as "data did not match any variant of untagged enum ModelUntagged"; this finds
//! the entry at fault. It runs only after a load has failed, so it costs nothing on the happy path.

use std::collections::HashSet;

use serde_json::Value;

/// The first concrete defect found in the model section, if any.
pub fn diagnose_model(tokenizer: &Value) -> Option<String> {
    let model = tokenizer.get("model")?;
    let merges = model.get("merges")?.as_array()?;
    let vocab: HashSet<&str> = model
        .get("vocab")?
        .as_object()?
        .keys()
        .map(String::as_str)
        .collect();
    for (index, merge) in merges.iter().enumerate() {
        let (left, right) = match merge {
            Value::String(line) => {
                let parts: Vec<&str> = line.split(' ').collect();
                if parts.len() != 2 {
                    return Some(format!(
                        "model.merges[{index}] {line:?} must be two tokens separated by one space (found {} parts)",
                        parts.len()
                    ));
                }
                (parts[0], parts[1])
            }
            Value::Array(pair) => match (pair.first(), pair.get(1), pair.len()) {
                (Some(Value::String(a)), Some(Value::String(b)), 2) => (a.as_str(), b.as_str()),
                _ => return Some(format!("model.merges[{index}] must be a pair of strings")),
            },
            _ => {
                return Some(format!(
                    "model.merges[{index}] must be a string or a pair of strings"
                ))
            }
        };
        for part in [left, right] {
            if !vocab.contains(part) {
                return Some(format!(
                    "model.merges[{index}] uses {part:?}, which is not in model.vocab"
                ));
            }
        }
        let merged = format!("{left}{right}");
        if !vocab.contains(merged.as_str()) {
            return Some(format!(
                "model.merges[{index}] {left:?} + {right:?} makes {merged:?}, which is not in model.vocab"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::diagnose_model;
    use serde_json::json;

    #[test]
    fn finds_merge_whose_result_is_missing() {
        let t = json!({"model": {"vocab": {"a": 0, "b": 1, "ab": 2, "c": 3}, "merges": ["a b", "ab c"]}});
        let found = diagnose_model(&t).expect("defect");
        assert!(
            found.contains("model.merges[1]") && found.contains("\"abc\""),
            "{found}"
        );
    }

    #[test]
    fn finds_ambiguous_legacy_merge() {
        let t = json!({"model": {"vocab": {" ": 0}, "merges": ["   "]}});
        assert!(diagnose_model(&t)
            .expect("defect")
            .contains("found 4 parts"));
    }

    #[test]
    fn accepts_consistent_models() {
        let t = json!({"model": {"vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b"]]}});
        assert_eq!(diagnose_model(&t), None);
    }
}
