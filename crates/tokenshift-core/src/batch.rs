//! Batch encoding into one flat buffer: row `r` is `ids[offsets[r]..offsets[r + 1]]` (CSR).

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::threads;
use crate::tokenizer::{Engine, Serve, TokenizerCore};

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
/// texts are encoded in contiguous runs, each into one buffer, and the runs concatenated in input order.
pub fn encode_batch<S: AsRef<str> + Sync>(
    tokenizer: &TokenizerCore,
    texts: &[S],
    add_special_tokens: bool,
    threads: usize,
) -> Result<CsrBatch> {
    let serve = tokenizer.reserve_bulk(|| batch_bytes(texts));
    encode_batch_served(tokenizer, texts, add_special_tokens, threads, serve)
}

/// The bytes a batch counts for in the warm-up (see `TokenizerCore::reserve_bulk`).
pub fn batch_bytes<S: AsRef<str>>(texts: &[S]) -> usize {
    texts.iter().map(|text| text.as_ref().len()).sum()
}

/// `encode_batch` for a call already counted (an async call counts when it is made).
pub fn encode_batch_served<S: AsRef<str> + Sync>(
    tokenizer: &TokenizerCore,
    texts: &[S],
    add_special_tokens: bool,
    threads: usize,
    serve: Serve,
) -> Result<CsrBatch> {
    let plan = tokenizer.check_plan(serve);
    let pool = threads::pool(threads)?;
    // Several runs per thread keep the threads busy when text lengths vary; a run per text would
    // allocate a vector per text.
    let run_len = texts.len().div_ceil(pool.current_num_threads() * 8).max(1);
    let encode_runs = || {
        pool.install(|| {
            texts
                .par_chunks(run_len)
                .map(|run| {
                    let bytes: usize = run.iter().map(|t| t.as_ref().len()).sum();
                    let mut ids = Vec::with_capacity(bytes / 3);
                    let mut ends = Vec::with_capacity(run.len());
                    let mut by_pipeline = false;
                    for text in run {
                        let engine = tokenizer.encode_ids_checked(
                            text.as_ref(),
                            add_special_tokens,
                            &mut ids,
                            plan.check(text.as_ref()),
                        )?;
                        by_pipeline |= engine == Engine::Pipeline;
                        ends.push(ids.len());
                    }
                    Ok(((ids, ends), by_pipeline))
                })
                .collect::<Result<Vec<_>>>()
        })
    };
    let mut runs = encode_runs()?;
    // A cross-check mismatch in this call: what 1.0 encoded here is done again, by 0.23 alone now.
    if tokenizer.demotion().is_some() && runs.iter().any(|(_, by_pipeline)| *by_pipeline) {
        runs = encode_runs()?;
    }
    let runs: Vec<_> = runs.into_iter().map(|(run, _)| run).collect();
    let total: usize = runs.iter().map(|(ids, _)| ids.len()).sum();
    if u32::try_from(total).is_err() {
        return Err(Error::BatchTooLarge(total));
    }
    let mut batch = CsrBatch {
        ids: Vec::with_capacity(total),
        offsets: Vec::with_capacity(texts.len() + 1),
    };
    batch.offsets.push(0);
    for (ids, ends) in runs {
        let base = batch.ids.len();
        // Cannot truncate: `total` fits in u32 and every offset is at most `total`.
        batch
            .offsets
            .extend(ends.iter().map(|&end| (base + end) as u32));
        batch.ids.extend_from_slice(&ids);
    }
    Ok(batch)
}
