//! `check_alignment`: counts, over every labelled position, whether `labels[i]` equals `ids[i]` (the
//! model shifts), `ids[i+1]` (shifted in the data) or `ids[i+2]` (shifted twice), and flags rows that
//! contradict the expected convention, are fully masked, or leave their EOS untrained.

use crate::prepare::Shift;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// `labels[i] == ids[i]`.
    Model,
    /// `labels[i] == ids[i + 1]`.
    Data,
    /// `labels[i] == ids[i + 2]`: shifted in the data and again somewhere else.
    DoubleShifted,
    /// No count dominates (e.g. rows of one repeated token), or there are no labels.
    Undetermined,
}

impl Convention {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::Data => "data",
            Self::DoubleShifted => "double-shifted",
            Self::Undetermined => "undetermined",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlignmentReport {
    pub rows: u64,
    /// Positions whose label is not the ignore index.
    pub labelled: u64,
    pub same_position: u64,
    pub next_position: u64,
    pub after_next_position: u64,
    /// 0-based indices of rows that contradict the expected convention.
    pub double_shifted_rows: Vec<u32>,
    pub unshifted_rows: Vec<u32>,
    pub fully_masked_rows: Vec<u32>,
    pub masked_eos_rows: Vec<u32>,
    /// Rows whose `ids` and `labels` lengths differ (nothing else is checked for them).
    pub length_mismatch_rows: Vec<u32>,
}

impl AlignmentReport {
    /// The convention the counts support: one count must reach every labelled position it can be
    /// checked at and beat the others.
    pub fn detected(&self) -> Convention {
        classify(
            self.labelled,
            self.same_position,
            self.next_position,
            self.after_next_position,
        )
    }
}

fn classify(labelled: u64, same: u64, next: u64, after_next: u64) -> Convention {
    if labelled == 0 {
        return Convention::Undetermined;
    }
    let best = same.max(next).max(after_next);
    let winners = [same, next, after_next]
        .iter()
        .filter(|&&c| c == best)
        .count();
    if winners > 1 || best * 10 < labelled * 9 {
        Convention::Undetermined
    } else if best == same {
        Convention::Model
    } else if best == next {
        Convention::Data
    } else {
        Convention::DoubleShifted
    }
}

/// Rows in CSR form. `eos`: flag rows whose last EOS token is left untrained.
pub fn check_alignment(
    ids: &[i32],
    labels: &[i32],
    offsets: &[u32],
    label_offsets: &[u32],
    expected: Shift,
    ignore_index: i32,
    eos: Option<i32>,
) -> AlignmentReport {
    let mut report = AlignmentReport::default();
    let rows = offsets
        .len()
        .saturating_sub(1)
        .min(label_offsets.len().saturating_sub(1));
    for r in 0..rows {
        let row_ids = slice(ids, offsets[r], offsets[r + 1]);
        let row_labels = slice(labels, label_offsets[r], label_offsets[r + 1]);
        report.rows += 1;
        let row = r as u32;
        if row_ids.len() != row_labels.len() {
            report.length_mismatch_rows.push(row);
            continue;
        }
        let (mut labelled, mut same, mut next, mut after_next) = (0u64, 0u64, 0u64, 0u64);
        for (i, &label) in row_labels.iter().enumerate() {
            if label == ignore_index {
                continue;
            }
            labelled += 1;
            same += u64::from(row_ids[i] == label);
            next += u64::from(row_ids.get(i + 1) == Some(&label));
            after_next += u64::from(row_ids.get(i + 2) == Some(&label));
        }
        report.labelled += labelled;
        report.same_position += same;
        report.next_position += next;
        report.after_next_position += after_next;
        if labelled == 0 {
            report.fully_masked_rows.push(row);
            continue;
        }
        match (expected, classify(labelled, same, next, after_next)) {
            (Shift::Model, Convention::Data | Convention::DoubleShifted) => {
                report.double_shifted_rows.push(row)
            }
            (Shift::Data, Convention::DoubleShifted) => report.double_shifted_rows.push(row),
            (Shift::Data, Convention::Model) => report.unshifted_rows.push(row),
            _ => {}
        }
        if let Some(eos) = eos {
            if let Some(j) = row_ids.iter().rposition(|&id| id == eos) {
                let label_at = match expected {
                    Shift::Model => Some(j),
                    Shift::Data => j.checked_sub(1),
                };
                if label_at.is_some_and(|k| row_labels[k] == ignore_index) {
                    report.masked_eos_rows.push(row);
                }
            }
        }
    }
    report
}

fn slice(values: &[i32], start: u32, end: u32) -> &[i32] {
    let (start, end) = (start as usize, end as usize);
    if start <= end && end <= values.len() {
        &values[start..end]
    } else {
        &[]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: [i32; 6] = [1, 20, 21, 22, 23, 2];

    fn check(labels: &[i32], expected: Shift) -> AlignmentReport {
        check_alignment(&IDS, labels, &[0, 6], &[0, 6], expected, -100, Some(2))
    }

    #[test]
    fn recognises_each_convention() {
        let model = check(&[-100, -100, 21, 22, 23, 2], Shift::Model);
        assert_eq!(
            (model.detected(), model.same_position, model.labelled),
            (Convention::Model, 4, 4)
        );
        assert!(model.double_shifted_rows.is_empty() && model.masked_eos_rows.is_empty());

        let data = check(&[-100, 21, 22, 23, 2, -100], Shift::Data);
        assert_eq!((data.detected(), data.next_position), (Convention::Data, 4));

        let twice = check(&[21, 22, 23, 2, -100, -100], Shift::Data);
        assert_eq!(twice.detected(), Convention::DoubleShifted);
        assert_eq!(twice.double_shifted_rows, vec![0]);
    }

    #[test]
    fn flags_contradictions_masks_and_eos() {
        assert_eq!(
            check(&[-100, 21, 22, 23, 2, -100], Shift::Model).double_shifted_rows,
            vec![0]
        );
        assert_eq!(
            check(&[-100, -100, 21, 22, 23, 2], Shift::Data).unshifted_rows,
            vec![0]
        );
        assert_eq!(check(&[-100; 6], Shift::Model).fully_masked_rows, vec![0]);
        assert_eq!(
            check(&[-100, -100, 21, 22, 23, -100], Shift::Model).masked_eos_rows,
            vec![0]
        );
        let mismatch = check_alignment(&IDS, &[1], &[0, 6], &[0, 1], Shift::Model, -100, None);
        assert_eq!(mismatch.length_mismatch_rows, vec![0]);
    }
}
