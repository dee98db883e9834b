//! Rows in CSR form, the shape every stage after `prepare` reads: `input_ids[offsets[r]..offsets[r+1]]`
//! (same for `labels`), plus the columns packed rows add. One definition, one validation, for pack,
//! collate and the writers (twin: `src/twin/rows.ts`).

use crate::error::{Error, Result};

/// Rows of a prepared batch in CSR form.
pub struct Rows<'a> {
    pub input_ids: &'a [i32],
    pub labels: &'a [i32],
    pub offsets: &'a [u32],
}

impl Rows<'_> {
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn row(&self, r: usize) -> (&[i32], &[i32]) {
        let (a, b) = (self.offsets[r] as usize, self.offsets[r + 1] as usize);
        (&self.input_ids[a..b], &self.labels[a..b])
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |message: String| Error::InvalidOption {
            option: "rows".into(),
            message,
        };
        if self.input_ids.len() != self.labels.len() {
            return Err(bad("input_ids and labels differ in length".into()));
        }
        if self.offsets.first().is_some_and(|&o| o != 0)
            || self.offsets.windows(2).any(|w| w[0] > w[1])
            || self
                .offsets
                .last()
                .is_some_and(|&o| o as usize != self.input_ids.len())
        {
            return Err(bad(
                "offsets must start at 0, never decrease and end at the number of tokens".into(),
            ));
        }
        Ok(())
    }
}

/// Columns that only packed rows have.
pub struct PackedColumns<'a> {
    /// Restart at 0 for each example.
    pub position_ids: &'a [i32],
    /// Example lengths of all rows; row `r`'s are `seq_lens[seq_offsets[r]..seq_offsets[r+1]]`.
    pub seq_lens: &'a [u32],
    pub seq_offsets: &'a [u32],
}

/// One batch of rows, in output order.
pub struct RowBatch<'a> {
    pub rows: Rows<'a>,
    pub packed: Option<PackedColumns<'a>>,
    /// Per row, input columns kept through `prepare` (`keep`), each row one JSON object text.
    pub kept: Option<&'a [String]>,
}

impl RowBatch<'_> {
    pub fn validate(&self) -> Result<()> {
        self.rows.validate()?;
        if let Some(kept) = self.kept {
            if kept.len() != self.rows.len() {
                return Err(Error::InvalidOption {
                    option: "kept columns".into(),
                    message: format!("{} entries for {} rows", kept.len(), self.rows.len()),
                });
            }
        }
        if let Some(p) = &self.packed {
            let bad = |message: &str| Error::InvalidOption {
                option: "packed rows".into(),
                message: message.into(),
            };
            if p.position_ids.len() != self.rows.input_ids.len() {
                return Err(bad("position_ids must have one entry per token"));
            }
            if p.seq_offsets.len() != self.rows.offsets.len()
                || p.seq_offsets.first().is_some_and(|&o| o != 0)
                || p.seq_offsets.windows(2).any(|w| w[0] > w[1])
                || p.seq_offsets
                    .last()
                    .is_some_and(|&o| o as usize != p.seq_lens.len())
            {
                return Err(bad("seq_offsets must hold rows + 1 non-decreasing entries from 0 to the number of seq_lens"));
            }
        }
        Ok(())
    }

    /// Packed row `r`'s positions and example lengths.
    pub fn packed_row(&self, r: usize) -> Option<(&[i32], &[u32])> {
        self.packed.as_ref().map(|p| {
            let (a, b) = (
                self.rows.offsets[r] as usize,
                self.rows.offsets[r + 1] as usize,
            );
            (
                &p.position_ids[a..b],
                &p.seq_lens[p.seq_offsets[r] as usize..p.seq_offsets[r + 1] as usize],
            )
        })
    }
}
