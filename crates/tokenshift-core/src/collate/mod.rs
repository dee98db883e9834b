//! Collation: rows of different lengths into `[batch, length]` tensors with padding that is never
//! trained (labels = ignore index, attention 0).

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::limits;
use crate::rows::Rows;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    #[default]
    Right,
    Left,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CollateOptions {
    /// Pad to this length; `None`: to the longest row.
    #[serde(default)]
    pub length: Option<u32>,
    /// Round the length up to a multiple of this (e.g. 8 for tensor cores).
    #[serde(default)]
    pub multiple_of: Option<u32>,
    #[serde(default)]
    pub side: Side,
    pub pad_id: i32,
    #[serde(default = "default_ignore_index")]
    pub ignore_index: i32,
}

fn default_ignore_index() -> i32 {
    -100
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Collated {
    pub batch: usize,
    pub length: usize,
    /// Row-major `[batch, length]`.
    pub input_ids: Vec<i32>,
    pub labels: Vec<i32>,
    pub attention_mask: Vec<i32>,
    /// Restart at 0 per example when `seq_lens` are given, else count the row's tokens; 0 on padding.
    pub position_ids: Vec<i32>,
}

impl CollateOptions {
    pub fn from_json_str(text: &str) -> Result<Self> {
        let options: Self = serde_json::from_str(text).map_err(|e| Error::InvalidOption {
            option: "collate options".into(),
            message: e.to_string(),
        })?;
        if let Some(length) = options.length {
            limits::check_size("length", u64::from(length), limits::MAX_ROW_TOKENS)?;
        }
        if let Some(m) = options.multiple_of {
            limits::check_size("multipleOf", u64::from(m), limits::MAX_ROW_TOKENS)?;
        }
        Ok(options)
    }
}

/// `position_ids`: per-token positions of the rows (e.g. from packing), or `None` to count from 0 per row.
pub fn collate(
    rows: &Rows,
    position_ids: Option<&[i32]>,
    options: &CollateOptions,
) -> Result<Collated> {
    rows.validate()?;
    let batch = rows.len();
    let longest = (0..batch).map(|r| rows.row(r).0.len()).max().unwrap_or(0);
    let mut length = options.length.map_or(longest, |l| l as usize);
    if let Some(m) = options.multiple_of {
        let m = m as usize;
        length = length.div_ceil(m) * m;
    }
    if let Some(r) = (0..batch).find(|&r| rows.row(r).0.len() > length) {
        return Err(Error::InvalidOption {
            option: "length".into(),
            message: format!("row {r} has {} tokens, more than the padded length {length}; truncate or pack first", rows.row(r).0.len()),
        });
    }
    if position_ids.is_some_and(|p| p.len() != rows.input_ids.len()) {
        return Err(Error::InvalidOption {
            option: "positionIds".into(),
            message: "must have one entry per token".into(),
        });
    }
    let cells = batch
        .checked_mul(length)
        .filter(|&c| c as u64 <= limits::MAX_COLLATED_CELLS)
        .ok_or_else(|| Error::InvalidOption {
            option: "length".into(),
            message: format!(
                "{batch} rows of {length} tokens exceed {} cells per collated batch; collate fewer rows at a time",
                limits::MAX_COLLATED_CELLS
            ),
        })?;
    let mut out = Collated {
        batch,
        length,
        input_ids: limits::filled(options.pad_id, cells, "collated input_ids")?,
        labels: limits::filled(options.ignore_index, cells, "collated labels")?,
        attention_mask: limits::filled(0, cells, "collated attention_mask")?,
        position_ids: limits::filled(0, cells, "collated position_ids")?,
    };
    for r in 0..batch {
        let (ids, labels) = rows.row(r);
        let n = ids.len();
        let at = r * length
            + if options.side == Side::Left {
                length - n
            } else {
                0
            };
        out.input_ids[at..at + n].copy_from_slice(ids);
        out.labels[at..at + n].copy_from_slice(labels);
        out.attention_mask[at..at + n].fill(1);
        match position_ids {
            Some(p) => {
                let start = rows.offsets[r] as usize;
                out.position_ids[at..at + n].copy_from_slice(&p[start..start + n]);
            }
            None => out.position_ids[at..at + n]
                .iter_mut()
                .zip(0..)
                .for_each(|(slot, i)| *slot = i),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_right_and_left_to_a_multiple() {
        let ids = [1, 2, 3, 4, 5];
        let labels = [-100, 2, 3, -100, 5];
        let rows = Rows {
            input_ids: &ids,
            labels: &labels,
            offsets: &[0, 3, 5],
        };
        let options = CollateOptions {
            length: None,
            multiple_of: Some(4),
            side: Side::Right,
            pad_id: 0,
            ignore_index: -100,
        };
        let c = collate(&rows, None, &options).expect("collates");
        assert_eq!((c.batch, c.length), (2, 4));
        assert_eq!(c.input_ids, [1, 2, 3, 0, 4, 5, 0, 0]);
        assert_eq!(c.labels, [-100, 2, 3, -100, -100, 5, -100, -100]);
        assert_eq!(c.attention_mask, [1, 1, 1, 0, 1, 1, 0, 0]);
        assert_eq!(c.position_ids, [0, 1, 2, 0, 0, 1, 0, 0]);
        let left = collate(
            &rows,
            None,
            &CollateOptions {
                side: Side::Left,
                ..options
            },
        )
        .expect("collates");
        assert_eq!(left.input_ids, [0, 1, 2, 3, 0, 0, 4, 5]);
    }

    #[test]
    fn inconsistent_offsets_are_an_error_not_a_panic() {
        let rows = Rows {
            input_ids: &[1, 2],
            labels: &[1, 2],
            offsets: &[0, 5],
        };
        let options = CollateOptions {
            length: None,
            multiple_of: None,
            side: Side::Right,
            pad_id: 0,
            ignore_index: -100,
        };
        assert!(collate(&rows, None, &options).is_err());
    }

    #[test]
    fn a_row_longer_than_the_fixed_length_is_an_error() {
        let rows = Rows {
            input_ids: &[1, 2, 3],
            labels: &[1, 2, 3],
            offsets: &[0, 3],
        };
        let options = CollateOptions {
            length: Some(2),
            multiple_of: None,
            side: Side::Right,
            pad_id: 0,
            ignore_index: -100,
        };
        assert!(collate(&rows, None, &options)
            .expect_err("too long")
            .to_string()
            .contains("row 0 has 3 tokens"));
    }
}
