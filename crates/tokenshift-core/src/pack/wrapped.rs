//! The TinyLlama / lit-gpt way: every example's tokens (with their BOS/EOS) form one stream, cut into
//! rows. `shift: data`: windows of `block_size + 1` tokens with stride `block_size`, `input_ids = w[..B]`,
//! `labels = w[1..=B]`. `shift: model`: `input_ids = labels =` a window of `block_size`.

use super::{PackOptions, PackedBatch, Rows, Tail};
use crate::prepare::Shift;

pub fn pack_wrapped(rows: &Rows, options: &PackOptions) -> PackedBatch {
    let block = options.block_size as usize;
    let stream = rows.input_ids;
    let mut out = PackedBatch {
        offsets: vec![0],
        seq_offsets: vec![0],
        ..PackedBatch::default()
    };
    out.stats.examples = rows.len() as u64;
    // Tokens a window needs beyond its inputs: the next token, for data-side shifting.
    let lookahead = usize::from(options.shift == Shift::Data);
    // Sized once: growing by doubling would touch (and copy) fresh memory several times over.
    let windows = stream.len().saturating_sub(lookahead) / block + 1;
    out.input_ids.reserve_exact(windows * block);
    out.labels.reserve_exact(windows * block);
    out.position_ids.reserve_exact(windows * block);
    out.seq_lens.reserve_exact(windows);
    out.offsets.reserve_exact(windows);
    out.seq_offsets.reserve_exact(windows);
    let mut start = 0;
    while start + block + lookahead <= stream.len() {
        let window = &stream[start..start + block + lookahead];
        out.input_ids.extend_from_slice(&window[..block]);
        out.labels.extend_from_slice(&window[lookahead..]);
        out.position_ids.extend(0..block as i32);
        out.seq_lens.push(block as u32);
        out.stats.tokens += block as u64;
        out.push_row();
        start += block;
    }
    let rest = stream.len().saturating_sub(start);
    // A data-shifted tail needs at least two tokens (one input, one label).
    let usable = rest.saturating_sub(lookahead);
    match options.tail {
        Tail::Pad if usable > 0 => {
            let window = &stream[start..];
            out.input_ids.extend_from_slice(&window[..usable]);
            out.labels.extend_from_slice(&window[lookahead..]);
            let pad = block - usable;
            out.input_ids
                .extend(std::iter::repeat_n(options.pad_id, pad));
            out.labels
                .extend(std::iter::repeat_n(options.ignore_index, pad));
            out.position_ids.extend(0..block as i32);
            out.seq_lens.push(usable as u32);
            out.stats.tokens += usable as u64;
            out.stats.pad_tokens += pad as u64;
            out.push_row();
        }
        _ => out.stats.dropped_tail_tokens = rest as u64,
    }
    out
}
