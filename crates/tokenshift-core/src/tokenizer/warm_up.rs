//! The warm-up: a tokenizer's first bulk work is served by 0.23 while 1.0 is still being built. 1.0
//! takes 0.3-1 s to build (longer than 0.23 takes to load), and a small job, or the first batch of a
//! large one, would otherwise wait for it. Which engine serves a call is decided by the input given
//! before it, never by timing: the calls that keep a tokenizer's bulk input within `limit` bytes are
//! served by 0.23, and the call that takes it past `limit`, with every call after it, by 1.0 (waiting
//! for its build if needed). The same calls in the same order give the same engine counts however
//! fast 1.0 builds; an async call counts when it is made, not when it runs.

use std::sync::atomic::{AtomicU64, Ordering};

/// About what 0.23 encodes on one core in the time 1.0 still takes to build once 0.23 has loaded
/// (Qwen3: ~0.1 s). 0.23 costs about ten times 1.0's CPU per byte, so a larger warm-up slows a job
/// whose cores are busy.
pub const DEFAULT_WARM_UP_BYTES: u64 = 256 << 10;

/// Which engine a bulk call may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serve {
    /// 1.0 where admitted (else 0.23), with the running cross-check.
    Pipeline,
    /// 0.23 alone: the call is within the warm-up.
    WarmUp,
}

/// The bulk input a tokenizer has been given, against its warm-up limit.
#[derive(Debug)]
pub(crate) struct WarmUp {
    limit: u64,
    given: AtomicU64,
}

impl WarmUp {
    pub(crate) fn new(limit: u64) -> Self {
        Self {
            limit,
            given: AtomicU64::new(0),
        }
    }

    /// Counts a call of `bytes()` of input and says which engine serves it. Once the warm-up is
    /// over (or off) every call is 1.0's, so its input is no longer measured.
    pub(crate) fn reserve(&self, bytes: impl FnOnce() -> u64) -> Serve {
        if self.limit == 0 || self.given.load(Ordering::SeqCst) > self.limit {
            return Serve::Pipeline;
        }
        let bytes = bytes();
        let before = self.given.fetch_add(bytes, Ordering::SeqCst);
        match before.saturating_add(bytes) <= self.limit {
            true => Serve::WarmUp,
            false => Serve::Pipeline,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_within_the_limit_warm_up_and_the_call_past_it_switches_for_good() {
        let warm_up = WarmUp::new(100);
        assert_eq!(warm_up.reserve(|| 60), Serve::WarmUp);
        assert_eq!(warm_up.reserve(|| 40), Serve::WarmUp);
        assert_eq!(warm_up.reserve(|| 1), Serve::Pipeline);
        assert_eq!(warm_up.reserve(|| 0), Serve::Pipeline);
        let big_first = WarmUp::new(100);
        assert_eq!(big_first.reserve(|| 101), Serve::Pipeline);
        assert_eq!(big_first.reserve(|| 1), Serve::Pipeline);
        // Past the warm-up (or with none), a call's input is not measured.
        assert_eq!(big_first.reserve(|| unreachable!()), Serve::Pipeline);
        let off = WarmUp::new(0);
        assert_eq!(off.reserve(|| unreachable!()), Serve::Pipeline);
    }
}
