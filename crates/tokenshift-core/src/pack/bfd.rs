//! Best-fit decreasing: examples, longest first (ties in input order), each into the open row with the
//! least room that still fits it, else a new row. Examples are never split; each row lists its examples
//! in the order they were placed. Deterministic: no hashing, no threads.

use std::collections::BTreeSet;

use super::{PackOptions, PackedBatch, Rows};
use crate::prepare::{Shift, Truncation};

pub fn pack_bfd(rows: &Rows, options: &PackOptions) -> PackedBatch {
    let block = options.block_size as usize;
    let mut out = PackedBatch {
        offsets: vec![0],
        seq_offsets: vec![0],
        ..PackedBatch::default()
    };
    // (start, end) of each example's kept part, or None when dropped.
    let mut spans = Vec::with_capacity(rows.len());
    for r in 0..rows.len() {
        let (ids, labels) = rows.row(r);
        out.stats.examples += 1;
        let n = ids.len();
        let span = if n <= block {
            Some((0, n))
        } else {
            match options.truncation {
                Truncation::Right => Some((0, block)),
                Truncation::Left => Some((n - block, n)),
                Truncation::Drop => None,
            }
        };
        // An example whose kept part trains nothing (truncation cut its trained tokens, or its only one
        // sits at position 0, which a row never trains under the model's shift) would waste a row's
        // compute and hide a data problem: skipped and counted, as `prepare` skips such records.
        let trains = |(a, b): (usize, usize)| {
            let first = a + usize::from(options.shift == Shift::Model);
            labels
                .get(first..b)
                .is_some_and(|kept| kept.iter().any(|&l| l != options.ignore_index))
        };
        match span {
            Some(s) if !trains(s) => {
                out.stats.fully_masked_examples += 1;
                spans.push(None);
            }
            Some(s) if n > block => {
                out.stats.truncated_examples += 1;
                spans.push(Some(s));
            }
            Some(s) => spans.push(Some(s)),
            None => {
                out.stats.dropped_examples += 1;
                spans.push(None);
            }
        }
    }
    let mut order: Vec<usize> = (0..rows.len())
        .filter(|&r| spans[r].is_some_and(|(a, b)| b > a))
        .collect();
    let len = |r: usize| spans[r].map_or(0, |(a, b)| b - a);
    order.sort_by_key(|&r| (std::cmp::Reverse(len(r)), r));

    // Open rows by (room left, row index): the first entry with room >= n is the best fit.
    let mut room: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut bins: Vec<Vec<usize>> = Vec::new();
    let mut left: Vec<usize> = Vec::new();
    for r in order {
        let n = len(r);
        let bin = match room.range((n, 0)..).next().copied() {
            Some(entry) => {
                room.remove(&entry);
                entry.1
            }
            None => {
                bins.push(Vec::new());
                left.push(block);
                bins.len() - 1
            }
        };
        bins[bin].push(r);
        left[bin] -= n;
        if left[bin] > 0 {
            room.insert((left[bin], bin));
        }
    }

    // Sized once: growing by doubling would touch (and copy) fresh memory several times over.
    let kept: usize = spans.iter().flatten().map(|(a, b)| b - a).sum();
    out.input_ids.reserve_exact(kept);
    out.labels.reserve_exact(kept);
    out.position_ids.reserve_exact(kept);
    out.seq_lens.reserve_exact(spans.len());
    out.offsets.reserve_exact(bins.len());
    out.seq_offsets.reserve_exact(bins.len());
    for bin in &bins {
        for &r in bin {
            let (ids, labels) = rows.row(r);
            let Some((a, b)) = spans[r] else { continue };
            let start = out.labels.len();
            out.input_ids.extend_from_slice(&ids[a..b]);
            out.labels.extend_from_slice(&labels[a..b]);
            // With the model shifting, position 0 of an example would be trained as the continuation of
            // the previous example in the row: never let one example predict another.
            if options.shift == Shift::Model {
                out.labels[start] = options.ignore_index;
            }
            out.position_ids.extend(0..(b - a) as i32);
            out.seq_lens.push((b - a) as u32);
            out.stats.tokens += (b - a) as u64;
        }
        out.stats.pad_tokens +=
            (block - (out.input_ids.len() - *out.offsets.last().unwrap_or(&0) as usize)) as u64;
        out.push_row();
    }
    out
}
