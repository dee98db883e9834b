//! Batch encoding into one flat buffer: row `r` is `ids[offsets[r]..offsets[r + 1]]` (CSR).

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::threads;
use crate::tokenizer::TokenizerCore;

/// Rows of token ids in compressed-sparse-row form: no per-row allocation reaches the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsrBatch {
    pub ids: Vec<u32>,
    /// `rows + 1` entries, starting at 0.
    pub offsets: Vec<u32>,
}

impl CsrBatch {
    pub fn rows(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn row(&self, r: usize) -> &[u32] {
        &self.ids[self.offsets[r] as usize..self.offsets[r + 1] as usize]
    }

    /// Concatenates per-row vectors in order.
    pub fn from_rows(rows: Vec<Vec<u32>>) -> Result<Self> {
        let total: usize = rows.iter().map(Vec::len).sum();
        if u32::try_from(total).is_err() {
            return Err(Error::BatchTooLarge(total));
        }
        let mut ids = Vec::with_capacity(total);
        let mut offsets = Vec::with_capacity(rows.len() + 1);
        offsets.push(0);
        for row in rows {
            ids.extend_from_slice(&row);
            // Cannot truncate: `total` fits in u32 and this is a prefix of it.
            offsets.push(ids.len() as u32);
        }
        Ok(Self { ids, offsets })
    }
}

/// Encodes every text on `threads` workers (0 = all cores). Output is identical for any thread count:
/// rows are computed independently and concatenated in input order.
pub fn encode_batch<S: AsRef<str> + Sync>(
    tokenizer: &TokenizerCore,
    texts: &[S],
    add_special_tokens: bool,
    threads: usize,
) -> Result<CsrBatch> {
    let pool = threads::pool(threads)?;
    let rows = pool.install(|| {
        texts
            .par_iter()
            .map(|text| tokenizer.encode_ids(text.as_ref(), add_special_tokens))
            .collect::<Result<Vec<_>>>()
    })?;
    CsrBatch::from_rows(rows)
}
