//! Transformers' `clean_up_tokenization`: removes the spaces that word-level decoding leaves before
//! punctuation and English contractions. The Rust `tokenizers` crate leaves this to its callers.

const RULES: [(&str, &str); 10] = [
    (" .", "."),
    (" ?", "?"),
    (" !", "!"),
    (" ,", ","),
    (" ' ", "'"),
    (" n't", "n't"),
    (" 'm", "'m"),
    (" 's", "'s"),
    (" 've", "'ve"),
    (" 're", "'re"),
];

/// Applies the rules in Transformers' order; each rule sees the output of the previous one.
pub fn clean_up_tokenization(text: &str) -> String {
    let mut out = text.to_owned();
    for (from, to) in RULES {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clean_up_tokenization;

    #[test]
    fn removes_spaces_before_punctuation_and_contractions() {
        assert_eq!(
            clean_up_tokenization("Hello , world ! I do n't know . It 's"),
            "Hello, world! I don't know. It's"
        );
    }

    #[test]
    fn leaves_other_text_alone() {
        assert_eq!(clean_up_tokenization("a  b\tc"), "a  b\tc");
    }
}
