//! The cross-check while running: `tokenizers` 1.0 is a release candidate, so by default a sample of
//! what it encodes is encoded again by 0.23 and compared. A difference takes 1.0 off the tokenizer for
//! the rest of the job (`TokenizerCore::demotion`), and the caller redoes what 1.0 produced in the
//! batch at hand.

use std::str::FromStr;

use crate::error::Error;

/// How much of 1.0's output 0.23 re-encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerifyEngine {
    /// The first `FIRST_CHECKED` texts a tokenizer encodes in bulk, then one in `SAMPLE_EVERY`.
    #[default]
    Sample,
    All,
    Off,
}

/// The first texts of a job are checked: a tokenizer that differs is most likely caught there.
pub const FIRST_CHECKED: u64 = 2;
/// Past the start, one text in this many.
pub const SAMPLE_EVERY: u64 = 1000;
/// A sampled text is checked on its first this many bytes (cut at a character): 0.23 is 4-20x slower
/// than 1.0, and one long text must not cost more than the rest of a small job. `all` checks whole texts.
pub const SAMPLE_BYTES: usize = 1024;

impl VerifyEngine {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sample => "sample",
            Self::All => "all",
            Self::Off => "off",
        }
    }
}

impl FromStr for VerifyEngine {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self, Error> {
        match value {
            "sample" => Ok(Self::Sample),
            "all" => Ok(Self::All),
            "off" => Ok(Self::Off),
            other => Err(Error::InvalidOption {
                option: "verifyEngine".into(),
                message: format!("must be 'sample', 'all' or 'off' (got {other:?})"),
            }),
        }
    }
}

/// Which texts of one bulk call are checked: the call's texts are numbered from `first` in the
/// tokenizer's running count, so the total checked over a job does not depend on how it was split.
#[derive(Debug, Clone, Copy)]
pub struct CheckPlan {
    verify: VerifyEngine,
    first: u64,
}

impl CheckPlan {
    pub fn new(verify: VerifyEngine, first: u64) -> Self {
        Self { verify, first }
    }

    /// How many leading bytes of the call's `index`-th text are checked (0: none).
    pub fn checks(&self, index: usize) -> usize {
        let n = self.first + index as u64;
        match self.verify {
            VerifyEngine::Off => 0,
            VerifyEngine::All => usize::MAX,
            VerifyEngine::Sample if n < FIRST_CHECKED || n.is_multiple_of(SAMPLE_EVERY) => {
                SAMPLE_BYTES
            }
            VerifyEngine::Sample => 0,
        }
    }
}

/// `text` cut to at most `bytes` bytes, at a character boundary.
pub fn leading(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_covers_the_start_then_one_in_a_thousand_however_the_job_is_split() {
        let whole = CheckPlan::new(VerifyEngine::Sample, 0);
        let checked_whole = (0..5000).filter(|&i| whole.checks(i) > 0).count();
        assert_eq!(checked_whole, 2 + 4);
        let split: usize = [(0u64, 1000usize), (1000, 2500), (3500, 1500)]
            .iter()
            .map(|&(first, n)| {
                let plan = CheckPlan::new(VerifyEngine::Sample, first);
                (0..n).filter(|&i| plan.checks(i) > 0).count()
            })
            .sum();
        assert_eq!(split, checked_whole);
        assert_eq!(CheckPlan::new(VerifyEngine::Off, 0).checks(0), 0);
        assert_eq!(CheckPlan::new(VerifyEngine::All, 77).checks(5), usize::MAX);
        assert_eq!(whole.checks(0), SAMPLE_BYTES);
        assert_eq!(leading("aé", 2), "a");
        assert!("everything".parse::<VerifyEngine>().is_err());
    }
}
