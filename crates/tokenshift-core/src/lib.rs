//! tokenshift-core: turns text into training-ready token buffers for causal language models.
//!
//! Data flows one way, one module per stage:
//! `tokenizer` (load + encode) → `batch` (flat CSR buffers across threads).
//! Nothing here knows about Node; the `tokenshift-node` crate only converts types.

pub mod batch;
pub mod error;
pub mod threads;
pub mod tokenizer;

pub use batch::CsrBatch;
pub use error::{Error, Result};
pub use tokenizer::{Encoded, SpecialTokens, TokenizerCore};
