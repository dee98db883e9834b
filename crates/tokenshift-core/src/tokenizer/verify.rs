//! The cross-check while running: `tokenizers` 1.0 is a release candidate, so by default a sample of
//! what it encodes is encoded again by 0.23 and compared. A difference takes 1.0 off the tokenizer for
//! the rest of the job (`TokenizerCore::demotion`), and the caller redoes what 1.0 produced in the
//! batch at hand.

use std::str::FromStr;

use super::warm_up::Serve;
use crate::error::Error;

/// How much of 1.0's output 0.23 re-encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerifyEngine {
    /// One text in `SAMPLE_EVERY`, chosen by its content, on its first `SAMPLE_BYTES`.
    #[default]
    Sample,
    All,
    Off,
}

/// One text in this many is checked: 0.23 is 4-20x slower than 1.0, so this costs 1-2%.
pub const SAMPLE_EVERY: u64 = 1000;
/// A sampled text is checked on its first this many bytes (cut at a character): one long text must not
/// cost more than the rest of a small job. `all` checks whole texts.
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

/// Which engine one bulk call uses (see `warm_up`), and which of its texts are checked. The sample is
/// chosen by content (a hash of a text's length and first bytes), so the same input gives the same
/// checks and the same counts however it is batched, threaded, or whatever the tokenizer encoded
/// before.
#[derive(Debug, Clone, Copy)]
pub struct CheckPlan {
    verify: VerifyEngine,
    serve: Serve,
}

/// How one text is encoded in bulk: whether 1.0 may serve it, and on how many leading bytes 0.23
/// checks 1.0's ids (0: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    pub pipeline: bool,
    pub bytes: usize,
}

impl Check {
    /// 1.0 where admitted, unchecked.
    pub const UNCHECKED: Self = Self {
        pipeline: true,
        bytes: 0,
    };
}

impl CheckPlan {
    pub fn new(verify: VerifyEngine, serve: Serve) -> Self {
        Self { verify, serve }
    }

    /// How `text` is encoded: by 0.23 alone in a warm-up call, else by 1.0 checked as `checks` says.
    pub fn check(&self, text: &str) -> Check {
        match self.serve {
            Serve::WarmUp => Check {
                pipeline: false,
                bytes: 0,
            },
            Serve::Pipeline => Check {
                pipeline: true,
                bytes: self.checks(text),
            },
        }
    }

    /// How many leading bytes of `text` are checked (0: none).
    pub fn checks(&self, text: &str) -> usize {
        match self.verify {
            VerifyEngine::Off => 0,
            VerifyEngine::All => usize::MAX,
            VerifyEngine::Sample if sample_key(text).is_multiple_of(SAMPLE_EVERY) => SAMPLE_BYTES,
            VerifyEngine::Sample => 0,
        }
    }
}

/// A cheap, fixed hash of a text: its length and first 64 bytes (FNV-1a; no per-process key).
fn sample_key(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in (text.len() as u64)
        .to_le_bytes()
        .iter()
        .chain(text.as_bytes().iter().take(64))
    {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
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
    fn the_sample_is_about_one_text_in_a_thousand_chosen_by_content() {
        let plan = CheckPlan::new(VerifyEngine::Sample, Serve::Pipeline);
        let texts: Vec<String> = (0..100_000).map(|i| format!("record {i} text")).collect();
        let checked = texts.iter().filter(|t| plan.checks(t) > 0).count();
        assert!((50..=150).contains(&checked), "{checked} of 100,000");
        // The same texts are chosen every time.
        assert_eq!(texts.iter().filter(|t| plan.checks(t) > 0).count(), checked);
        assert_eq!(
            CheckPlan::new(VerifyEngine::Off, Serve::Pipeline).checks("x"),
            0
        );
        let all = CheckPlan::new(VerifyEngine::All, Serve::Pipeline);
        assert_eq!(
            all.check("x"),
            Check {
                pipeline: true,
                bytes: usize::MAX
            }
        );
        // A warm-up call is 0.23's alone: nothing of 1.0's to check.
        let warm_up = CheckPlan::new(VerifyEngine::All, Serve::WarmUp);
        assert_eq!(
            warm_up.check("x"),
            Check {
                pipeline: false,
                bytes: 0
            }
        );
        assert!("everything".parse::<VerifyEngine>().is_err());
        assert_eq!(leading("aé", 2), "a");
    }
}
