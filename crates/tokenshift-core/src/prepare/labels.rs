//! Stage 3: the label convention. This is the one place where a token's label is decided.
//!
//! For `n` tokens with trainable mask `t`:
//! - `Shift::Model`: `labels[i] = t[i] ? ids[i] : ignore` — the trainer's model shifts.
//! - `Shift::Data`:  `labels[i] = t[i+1] ? ids[i+1] : ignore`, `labels[n-1] = ignore`.
//!
//! Both loops are branch-free over slices, so the compiler vectorises them.

use super::options::Shift;

pub fn labels_into(
    ids: &[i32],
    trainable: &[u8],
    shift: Shift,
    ignore_index: i32,
    labels: &mut Vec<i32>,
) {
    let n = ids.len().min(trainable.len());
    labels.clear();
    labels.resize(n, ignore_index);
    match shift {
        Shift::Model => select(&ids[..n], &trainable[..n], ignore_index, &mut labels[..n]),
        Shift::Data if n > 0 => select(
            &ids[1..n],
            &trainable[1..n],
            ignore_index,
            &mut labels[..n - 1],
        ),
        Shift::Data => {}
    }
}

/// `out[i] = t[i] ? ids[i] : ignore`, as a mask blend instead of a branch.
#[inline]
fn select(ids: &[i32], trainable: &[u8], ignore_index: i32, out: &mut [i32]) {
    for ((label, &id), &t) in out.iter_mut().zip(ids).zip(trainable) {
        let keep = -i32::from(t & 1); // all ones when trainable, zero otherwise
        *label = (id & keep) | (ignore_index & !keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: [i32; 5] = [1, 10, 11, 12, 2];
    const MASK: [u8; 5] = [0, 0, 1, 1, 1];

    fn labels(shift: Shift) -> Vec<i32> {
        let mut out = Vec::new();
        labels_into(&IDS, &MASK, shift, -100, &mut out);
        out
    }

    #[test]
    fn model_shift_keeps_trainable_ids_in_place() {
        assert_eq!(labels(Shift::Model), vec![-100, -100, 11, 12, 2]);
    }

    #[test]
    fn data_shift_moves_labels_one_left_and_ignores_the_last() {
        assert_eq!(labels(Shift::Data), vec![-100, 11, 12, 2, -100]);
    }

    #[test]
    fn empty_and_single_token_rows() {
        let mut out = vec![7];
        labels_into(&[], &[], Shift::Data, -100, &mut out);
        assert!(out.is_empty());
        labels_into(&[5], &[1], Shift::Data, -1, &mut out);
        assert_eq!(out, vec![-1]);
        labels_into(&[5], &[1], Shift::Model, -1, &mut out);
        assert_eq!(out, vec![5]);
    }
}
