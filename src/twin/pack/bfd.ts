// Twin of crates/tokenshift-core/src/pack/bfd.rs: whole examples, best-fit decreasing.

import { emptyPacked, finishPacked, type CsrRows, type NormalizedPackOptions, type RawPacked } from './mod.js';

/** Best-fit decreasing; ties by input order; the tightest open row, lowest index first. */
export function packBfd(rows: CsrRows, o: NormalizedPackOptions): RawPacked {
  const p = emptyPacked();
  const block = o.blockSize;
  const count = rows.offsets.length - 1;
  const spans: ([number, number] | null)[] = [];
  for (let r = 0; r < count; r++) {
    const offset = rows.offsets[r] as number;
    const n = (rows.offsets[r + 1] as number) - offset;
    p.stats.examples += 1;
    const span: [number, number] | null = n <= block ? [0, n] : o.truncation === 'drop' ? null : o.truncation === 'right' ? [0, block] : [n - block, n];
    // As in the Rust core: a kept part that trains nothing (position 0 is never trained under the model's shift) is skipped and counted.
    const trains = ([a, b]: [number, number]) => rows.labels.subarray(offset + a + (o.shift === 'model' ? 1 : 0), offset + b).some((l) => l !== o.ignoreIndex);
    if (span === null) {
      p.stats.droppedExamples += 1;
      spans.push(null);
    } else if (!trains(span)) {
      p.stats.fullyMaskedExamples += 1;
      spans.push(null);
    } else {
      if (n > block) p.stats.truncatedExamples += 1;
      spans.push(span);
    }
  }
  const len = (r: number) => (spans[r] ? (spans[r] as [number, number])[1] - (spans[r] as [number, number])[0] : 0);
  const order = Array.from({ length: count }, (_, r) => r).filter((r) => len(r) > 0);
  order.sort((a, b) => len(b) - len(a) || a - b);
  const bins: number[][] = [];
  const room: number[] = [];
  for (const r of order) {
    const n = len(r);
    let best = -1;
    for (let b = 0; b < bins.length; b++) {
      const left = room[b] as number;
      if (left >= n && left > 0 && (best < 0 || left < (room[best] as number))) best = b;
    }
    if (best < 0) {
      bins.push([]);
      room.push(block);
      best = bins.length - 1;
    }
    (bins[best] as number[]).push(r);
    room[best] = (room[best] as number) - n;
  }
  for (const bin of bins) {
    const rowStart = p.ids.length;
    for (const r of bin) {
      const [a, b] = spans[r] as [number, number];
      const base = rows.offsets[r] as number;
      const start = p.labels.length;
      for (let i = a; i < b; i++) {
        p.ids.push(rows.inputIds[base + i] as number);
        p.labels.push(rows.labels[base + i] as number);
        p.positions.push(i - a);
      }
      if (o.shift === 'model') p.labels[start] = o.ignoreIndex;
      p.seqLens.push(b - a);
      p.stats.tokens += b - a;
    }
    p.stats.padTokens += block - (p.ids.length - rowStart);
    p.offsets.push(p.ids.length);
    p.seqOffsets.push(p.seqLens.length);
    p.stats.rows += 1;
  }
  return finishPacked(p);
}
