// Twin of crates/tokenshift-core/src/pack/wrapped.rs: one token stream cut into windows.

import { emptyPacked, finishPacked, type CsrRows, type NormalizedPackOptions, type RawPacked } from './mod.js';

/** One stream cut into windows: `data` windows of blockSize + 1 (stride blockSize), `model` of blockSize. */
export function packWrapped(rows: CsrRows, o: NormalizedPackOptions): RawPacked {
  const p = emptyPacked();
  const block = o.blockSize;
  const stream = rows.inputIds;
  p.stats.examples = rows.offsets.length - 1;
  const lookahead = o.shift === 'data' ? 1 : 0;
  let start = 0;
  const pushWindow = (inputs: number, pad: number) => {
    for (let i = 0; i < inputs; i++) {
      p.ids.push(stream[start + i] as number);
      p.labels.push(stream[start + i + lookahead] as number);
    }
    for (let i = 0; i < pad; i++) {
      p.ids.push(o.padId);
      p.labels.push(o.ignoreIndex);
    }
    for (let i = 0; i < block; i++) p.positions.push(i);
    p.seqLens.push(inputs);
    p.stats.tokens += inputs;
    p.stats.padTokens += pad;
    p.offsets.push(p.ids.length);
    p.seqOffsets.push(p.seqLens.length);
    p.stats.rows += 1;
  };
  while (start + block + lookahead <= stream.length) {
    pushWindow(block, 0);
    start += block;
  }
  const rest = Math.max(0, stream.length - start);
  const usable = Math.max(0, rest - lookahead);
  if (o.tail === 'pad' && usable > 0) pushWindow(usable, block - usable);
  else p.stats.droppedTailTokens = rest;
  return finishPacked(p);
}
