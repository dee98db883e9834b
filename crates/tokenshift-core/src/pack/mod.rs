//! Packing prepared examples into rows of `block_size` tokens, after `prepare` and before collation.
//! `bfd` packs whole examples (fine-tuning); `wrapped` cuts one token stream into windows (pretraining).

pub mod bfd;
pub mod wrapped;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::prepare::{Shift, Truncation};
use crate::rows::Rows;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackMode {
    Bfd,
    Wrapped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Tail {
    /// Drop the last, incomplete window (counted).
    #[default]
    Drop,
    /// Pad it to `block_size` (padding is never trained).
    Pad,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PackOptions {
    pub mode: PackMode,
    pub block_size: u32,
    pub shift: Shift,
    #[serde(default = "default_ignore_index")]
    pub ignore_index: i32,
    /// Examples longer than `block_size` (bfd).
    #[serde(default)]
    pub truncation: Truncation,
    /// The incomplete last window (wrapped).
    #[serde(default)]
    pub tail: Tail,
    /// Pad id for a padded tail (wrapped).
    #[serde(default)]
    pub pad_id: i32,
}

fn default_ignore_index() -> i32 {
    -100
}

impl PackOptions {
    pub fn from_json_str(text: &str) -> Result<Self> {
        let options: Self = serde_json::from_str(text).map_err(|e| Error::InvalidOption {
            option: "pack options".into(),
            message: e.to_string(),
        })?;
        if options.block_size < 2 {
            return Err(Error::InvalidOption {
                option: "blockSize".into(),
                message: "must be at least 2".into(),
            });
        }
        Ok(options)
    }
}

/// Packed rows in CSR form plus, per row, the lengths of the examples (or window) it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackedBatch {
    pub input_ids: Vec<i32>,
    pub labels: Vec<i32>,
    /// Restart at 0 for each example.
    pub position_ids: Vec<i32>,
    /// `rows + 1` entries.
    pub offsets: Vec<u32>,
    /// Example lengths, all rows together; row `r`'s are `seq_lens[seq_offsets[r]..seq_offsets[r+1]]`.
    pub seq_lens: Vec<u32>,
    pub seq_offsets: Vec<u32>,
    pub stats: PackStats,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackStats {
    pub examples: u64,
    pub rows: u64,
    /// Tokens of examples placed in rows (not padding).
    pub tokens: u64,
    /// Padding a fixed `block_size` per row would add (bfd), or the padded tail (wrapped).
    pub pad_tokens: u64,
    pub truncated_examples: u64,
    pub dropped_examples: u64,
    /// Examples left out because nothing in their kept part is trained (bfd).
    pub fully_masked_examples: u64,
    /// Tokens of the dropped tail window (wrapped).
    pub dropped_tail_tokens: u64,
}

impl PackStats {
    /// Non-pad tokens over all tokens of `block_size` rows.
    pub fn efficiency(&self) -> f64 {
        let all = self.tokens + self.pad_tokens;
        if all == 0 {
            0.0
        } else {
            self.tokens as f64 / all as f64
        }
    }
}

impl PackedBatch {
    fn push_row(&mut self) {
        self.offsets.push(self.input_ids.len() as u32);
        self.seq_offsets.push(self.seq_lens.len() as u32);
        self.stats.rows += 1;
    }
}

pub fn pack(rows: &Rows, options: &PackOptions) -> Result<PackedBatch> {
    rows.validate()?;
    crate::limits::check_size(
        "blockSize",
        u64::from(options.block_size),
        crate::limits::MAX_ROW_TOKENS,
    )?;
    Ok(match options.mode {
        PackMode::Bfd => bfd::pack_bfd(rows, options),
        PackMode::Wrapped => wrapped::pack_wrapped(rows, options),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(mode: PackMode, block_size: u32, shift: Shift) -> PackOptions {
        PackOptions {
            mode,
            block_size,
            shift,
            ignore_index: -100,
            truncation: Truncation::Right,
            tail: Tail::Drop,
            pad_id: 0,
        }
    }

    /// Three examples of lengths 3, 5, 2 with labels equal to ids (shift model).
    const IDS: [i32; 10] = [1, 2, 3, 10, 11, 12, 13, 14, 20, 21];
    const OFFSETS: [u32; 4] = [0, 3, 8, 10];

    #[test]
    fn bfd_leaves_out_examples_whose_kept_part_trains_nothing() {
        // Example 1 trains only its last two tokens: cut to 3 on the right, nothing trained is left.
        // Example 2 trains only position 0, which a packed row never trains under the model's shift.
        let labels = [1, 2, 3, -100, -100, -100, 13, 14, 20, -100];
        let rows = Rows {
            input_ids: &IDS,
            labels: &labels,
            offsets: &OFFSETS,
        };
        let packed = pack(&rows, &options(PackMode::Bfd, 3, Shift::Model)).expect("packs");
        assert_eq!(packed.stats.fully_masked_examples, 2);
        assert_eq!(packed.stats.truncated_examples, 0);
        assert_eq!(packed.input_ids, [1, 2, 3]);
        // Under the data shift position 0 is trained: example 2 stays.
        let packed = pack(&rows, &options(PackMode::Bfd, 3, Shift::Data)).expect("packs");
        assert_eq!(packed.stats.fully_masked_examples, 1);
        assert_eq!(packed.seq_lens, [3, 2]);
    }

    #[test]
    fn bfd_places_longest_first_into_the_tightest_row() {
        let rows = Rows {
            input_ids: &IDS,
            labels: &IDS,
            offsets: &OFFSETS,
        };
        let packed = pack(&rows, &options(PackMode::Bfd, 6, Shift::Model)).expect("packs");
        // 5 opens row 0 (room 1); 3 opens row 1 (room 3); 2 fits row 1.
        assert_eq!(packed.offsets, [0, 5, 10]);
        assert_eq!(packed.input_ids, [10, 11, 12, 13, 14, 1, 2, 3, 20, 21]);
        assert_eq!(packed.seq_lens, [5, 3, 2]);
        assert_eq!(packed.seq_offsets, [0, 1, 3]);
        assert_eq!(packed.position_ids, [0, 1, 2, 3, 4, 0, 1, 2, 0, 1]);
        // Each example's first label is ignored: no example predicts from the previous one.
        assert_eq!(packed.labels, [-100, 11, 12, 13, 14, -100, 2, 3, -100, 21]);
        assert_eq!((packed.stats.tokens, packed.stats.pad_tokens), (10, 2));
    }

    #[test]
    fn bfd_truncates_or_drops_examples_longer_than_a_row() {
        let rows = Rows {
            input_ids: &IDS,
            labels: &IDS,
            offsets: &OFFSETS,
        };
        let mut o = options(PackMode::Bfd, 4, Shift::Data);
        let packed = pack(&rows, &o).expect("packs");
        assert_eq!(packed.stats.truncated_examples, 1);
        assert_eq!(&packed.input_ids[..4], [10, 11, 12, 13]);
        o.truncation = Truncation::Drop;
        let packed = pack(&rows, &o).expect("packs");
        assert_eq!((packed.stats.dropped_examples, packed.stats.tokens), (1, 5));
    }

    #[test]
    fn wrapped_windows_reconstruct_the_stream() {
        let rows = Rows {
            input_ids: &IDS,
            labels: &IDS,
            offsets: &OFFSETS,
        };
        let data = pack(&rows, &options(PackMode::Wrapped, 4, Shift::Data)).expect("packs");
        assert_eq!(data.input_ids, [1, 2, 3, 10, 11, 12, 13, 14]);
        assert_eq!(data.labels, [2, 3, 10, 11, 12, 13, 14, 20]);
        assert_eq!(data.stats.dropped_tail_tokens, 2);
        let model = pack(&rows, &options(PackMode::Wrapped, 4, Shift::Model)).expect("packs");
        assert_eq!(model.labels, model.input_ids);
        let mut padded = options(PackMode::Wrapped, 4, Shift::Model);
        padded.tail = Tail::Pad;
        let p = pack(&rows, &padded).expect("packs");
        assert_eq!(&p.input_ids[8..], [20, 21, 0, 0]);
        assert_eq!(&p.labels[8..], [20, 21, -100, -100]);
        assert_eq!(p.stats.pad_tokens, 2);
    }
}
