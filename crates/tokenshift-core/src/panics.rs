//! Panics caught where tokenshift expects them (a release-candidate engine, the N-API boundary) are
//! reported through errors and engine notes, not printed: Rust's default hook writes every panic to
//! stderr before it unwinds, even one that is caught. Panics anywhere else still print as usual.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many `catch_quietly` calls this thread is inside.
    static QUIET: Cell<u32> = const { Cell::new(0) };
    /// The message of the last panic caught quietly on this thread.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

fn install_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) > 0 {
                let payload = info.payload();
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                let at = info
                    .location()
                    .map(|l| format!(" (at {}:{}:{})", l.file(), l.line(), l.column()))
                    .unwrap_or_default();
                CAUGHT.with(|c| *c.borrow_mut() = Some(format!("{message}{at}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `work`; a panic becomes `Err` with its message and location (one line), and prints nothing.
pub fn catch_quietly<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    QUIET.with(|q| q.set(q.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(work));
    QUIET.with(|q| q.set(q.get() - 1));
    result.map_err(|payload| {
        CAUGHT.with(|c| c.borrow_mut().take()).unwrap_or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::catch_quietly;

    #[test]
    fn a_caught_panic_is_an_error_with_its_message() {
        let caught = catch_quietly(|| -> u32 { panic!("the vocabulary is empty") });
        let message = caught.expect_err("a panic");
        assert!(message.contains("the vocabulary is empty"), "{message}");
        assert!(message.contains("panics.rs"), "names where: {message}");
        assert_eq!(catch_quietly(|| 7), Ok(7));
    }
}
