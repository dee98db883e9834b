//! Bounds the memory of large records across every thread and every call in flight. Tokenizing a
//! record takes about 120 bytes per byte of input (measured: a 16 MiB line peaks near 1.9 GB — the
//! `tokenizers` crate keeps per-byte alignments and a per-token Encoding), so two threads, each on a
//! 60 MiB line, would need 15 GB. Records of 1 MiB and more must fit a shared allowance of 16 MiB of
//! input being prepared at once (a larger record runs alone), so peak memory stays near 2 GB whatever the
//! thread count. Small records never wait.

use std::sync::{Condvar, Mutex};

/// Records below this size are not gated.
pub const GATED_RECORD_BYTES: usize = 1 << 20;
/// Input bytes of gated records prepared at once.
pub const IN_FLIGHT_BYTES: usize = 16 << 20;

static IN_FLIGHT: Mutex<usize> = Mutex::new(0);
static RELEASED: Condvar = Condvar::new();

/// Held while a large record is prepared.
pub struct Permit(usize);

/// Waits until `bytes` fit the allowance (immediately for small records, or when nothing else runs).
pub fn acquire(bytes: usize) -> Option<Permit> {
    if bytes < GATED_RECORD_BYTES {
        return None;
    }
    // A poisoned lock only means another thread panicked while holding it; the count is still right.
    let mut used = IN_FLIGHT.lock().unwrap_or_else(|p| p.into_inner());
    while *used > 0 && *used + bytes > IN_FLIGHT_BYTES {
        used = RELEASED.wait(used).unwrap_or_else(|p| p.into_inner());
    }
    *used += bytes;
    Some(Permit(bytes))
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut used = IN_FLIGHT.lock().unwrap_or_else(|p| p.into_inner());
        *used -= self.0;
        RELEASED.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_records_wait_for_room_and_small_ones_never_do() {
        assert!(acquire(100).is_none());
        let first = acquire(IN_FLIGHT_BYTES - GATED_RECORD_BYTES).expect("gated");
        let waiter = std::thread::spawn(|| acquire(2 * GATED_RECORD_BYTES).map(|p| p.0));
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(
            !waiter.is_finished(),
            "must wait while the allowance is used"
        );
        drop(first);
        assert_eq!(waiter.join().expect("joins"), Some(2 * GATED_RECORD_BYTES));
        // A record larger than the whole allowance runs alone rather than never.
        assert!(acquire(IN_FLIGHT_BYTES * 2).is_some());
    }
}
