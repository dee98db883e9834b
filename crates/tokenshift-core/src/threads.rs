//! One rayon pool per requested thread count, shared by every tokenizer, so that creating many
//! tokenizers does not create many pools.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use rayon::ThreadPool;

use crate::error::{Error, Result};

static POOLS: LazyLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Threads used when the caller asks for 0 ("all"): the cores this process may run on.
pub fn available_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Resolves 0 to all available cores.
pub fn resolve_threads(requested: usize) -> usize {
    if requested == 0 {
        available_threads()
    } else {
        requested
    }
}

/// The shared pool with exactly `threads` workers (0 = all cores).
pub fn pool(threads: usize) -> Result<Arc<ThreadPool>> {
    let threads = resolve_threads(threads);
    // A poisoned lock only means another thread panicked while inserting; the map is still valid.
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(existing) = pools.get(&threads) {
        return Ok(existing.clone());
    }
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("tokenshift-{i}"))
        .build()
        .map_err(|e| Error::InvalidOption {
            option: "threads".into(),
            message: format!("cannot start {threads} threads: {e}"),
        })?;
    let built = Arc::new(built);
    pools.insert(threads, built.clone());
    Ok(built)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_means_all_cores() {
        assert_eq!(resolve_threads(0), available_threads());
        assert_eq!(resolve_threads(3), 3);
    }

    #[test]
    fn pools_are_shared_per_thread_count() {
        let a = pool(2).expect("pool");
        let b = pool(2).expect("pool");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.current_num_threads(), 2);
    }
}
