//! Sizes an option may ask for, checked before anything is allocated: a typo such as
//! `--length 100000000` must be an error naming the option, never an allocation that aborts the
//! process. Twin: `src/limits.ts` (same numbers).

use crate::error::{Error, Result};

/// Longest row a writer pads to or a packer fills (`length`, `blockSize`): 16 Mi tokens, far beyond
/// any context length in use, and a padded row of it still fits in memory (16 bytes per token).
pub const MAX_ROW_TOKENS: u64 = 1 << 24;

/// Tokens one lit-gpt chunk file buffers before it is written (`chunkSize`): 128 Mi (TinyLlama: 2 Mi).
pub const MAX_CHUNK_TOKENS: u64 = 1 << 27;

/// Cells of one collated `[batch, length]` tensor (`collate()`): 128 Mi, 2 GiB over its four columns.
pub const MAX_COLLATED_CELLS: u64 = 1 << 27;

/// Text one record may hold (its prompt and completion, or its rendered conversation): 16 MiB, as the
/// stream readers' `maxLineBytes`. Tokenizing one record is not bounded by anything else, and a 300 MB
/// record asked the BPE merge loop for gigabytes. Twin: `MAX_RECORD_TEXT_BYTES` in `src/limits.ts`.
pub const MAX_RECORD_TEXT_BYTES: usize = 16 << 20;

/// Records one `prepare` call takes (4 Mi): its per-record bookkeeping stays near 400 MB. Larger inputs
/// stream (`prepareIter`, `prepareStream`, the CLI) in constant memory.
pub const MAX_RECORDS_PER_CALL: usize = 1 << 22;

/// Errors when one call is given more than `MAX_RECORDS_PER_CALL` records.
pub fn check_record_count(count: usize) -> Result<()> {
    if count > MAX_RECORDS_PER_CALL {
        return Err(Error::InvalidOption {
            option: "records".into(),
            message: format!(
                "one call takes at most {MAX_RECORDS_PER_CALL} records, got {count}: stream larger inputs (prepareIter, prepareStream, or the CLI)"
            ),
        });
    }
    Ok(())
}

/// `value` must be in `1..=max`, else an error naming `option`.
pub fn check_size(option: &str, value: u64, max: u64) -> Result<()> {
    if value == 0 || value > max {
        return Err(Error::InvalidOption {
            option: option.into(),
            message: format!("must be between 1 and {max}, got {value}"),
        });
    }
    Ok(())
}

/// A vector of `n` copies of `value`, or an error when the memory cannot be had.
pub fn filled<T: Clone>(value: T, n: usize, what: &str) -> Result<Vec<T>> {
    let mut out = Vec::new();
    out.try_reserve_exact(n).map_err(|_| Error::OutOfMemory {
        what: what.into(),
        bytes: n.saturating_mul(std::mem::size_of::<T>()),
    })?;
    out.resize(n, value);
    Ok(out)
}

/// Reserves room for `n` more items, or an error when the memory cannot be had.
pub fn reserve<T>(out: &mut Vec<T>, n: usize, what: &str) -> Result<()> {
    out.try_reserve_exact(n).map_err(|_| Error::OutOfMemory {
        what: what.into(),
        bytes: n.saturating_mul(std::mem::size_of::<T>()),
    })
}
