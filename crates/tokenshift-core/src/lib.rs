//! tokenshift-core: turns text into training-ready token buffers for causal language models.
//!
//! Data flows one way, one module per stage:
//! `tokenizer` (load + encode) → `batch` (flat CSR buffers across threads) → `prepare` (records →
//! trainable tokens → labels → truncation) → `pack` → `collate` → `write`, all on `rows` (CSR rows);
//! `align` checks a dataset's label convention. ARCHITECTURE.md has the whole map.
//! Nothing here knows about Node; the `tokenshift-node` crate only converts types.

pub mod align;
pub mod batch;
pub mod chat;
pub mod collate;
pub mod error;
pub mod limits;
pub mod memory;
pub mod pack;
pub mod panics;
pub mod prepare;
pub mod read;
pub mod rows;
pub mod threads;
pub mod tokenizer;
pub mod write;

pub use batch::CsrBatch;
pub use error::{Error, Result};
pub use tokenizer::{Encoded, SpecialTokens, TokenSpans, TokenizerCore};
