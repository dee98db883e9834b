//! N-API binding of `tokenshift-core`: converts types and errors, nothing else.
//! Every entry point runs inside `guard`, so a Rust panic becomes a JS `Error`, never an abort.

pub mod align;
pub mod chat;
mod guard;
pub mod memory;
pub mod pack;
pub mod prepare;
pub mod read;
pub mod tokenizer;
pub mod write;

use napi_derive::napi;

/// Cores available to this process: what thread count 0 resolves to.
#[napi]
pub fn available_threads() -> u32 {
    u32::try_from(tokenshift_core::threads::available_threads()).unwrap_or(u32::MAX)
}

/// The engines' crate versions: `["tokenizers-1.0 = 1.0.0-rc.3", "tokenizers-0.23 = 0.23.2"]`.
#[napi]
pub fn engine_versions() -> Vec<String> {
    use tokenshift_core::tokenizer::Engine;
    [Engine::Pipeline, Engine::Reference]
        .iter()
        .map(|e| format!("{} = {}", e.as_str(), e.crate_version()))
        .collect()
}

/// Panics on purpose, so tests can prove that a Rust panic reaches JS as an `Error`.
#[napi(js_name = "__panicForTest")]
pub fn panic_for_test() -> napi::Result<()> {
    guard::guard(|| -> tokenshift_core::Result<()> {
        panic!("deliberate panic from __panicForTest");
    })
}

// No custom global allocator: mimalloc as the addon's allocator segfaulted when a second worker_thread
// loaded the addon after the first had exited (its per-thread heaps outlive the Node environment that
// registered the module), and it measured within noise of glibc malloc here (README "Safety").
