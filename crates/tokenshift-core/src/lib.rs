//! tokenshift-core: turns text into training-ready token buffers for causal language models.
//!
//! Data flows one way, one module per stage:
//! `tokenizer` (load + encode) → `batch` (flat CSR buffers across threads) → `prepare` (records →
//! trainable tokens → labels → truncation) → `align` (checking a dataset's label convention).
//! Nothing here knows about Node; the `tokenshift-node` crate only converts types.

pub mod align;
pub mod batch;
pub mod chat;
pub mod collate;
pub mod error;
pub mod limits;
pub mod pack;
pub mod prepare;
pub mod threads;
pub mod tokenizer;
pub mod write;

pub use batch::CsrBatch;
pub use error::{Error, Result};
pub use tokenizer::{Encoded, SpecialTokens, TokenSpans, TokenizerCore};
