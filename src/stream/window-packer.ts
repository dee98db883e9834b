// Packing over a stream with bounded memory: examples are buffered up to `window` of them, then packed.
// bfd packs each window on its own (efficiency stays near that of packing everything at once for
// windows of thousands of examples); wrapped carries the unfinished window's tokens into the next
// window, so the rows are exactly those of packing the whole stream at once.

import { pack, type PackedBatch, type PackOptions } from '../pack/pack.js';
import { concatRows, type CsrRows } from '../twin/rows.js';

export interface PackTotals {
  examples: number;
  rows: number;
  tokens: number;
  padTokens: number;
  truncatedExamples: number;
  droppedExamples: number;
  /** Examples whose kept part trains nothing, left out. */
  fullyMaskedExamples: number;
  droppedTailTokens: number;
  efficiency: number;
}

export class WindowPacker {
  private buffered: CsrRows[] = [];
  private examples = 0;
  private carry: CsrRows | null = null;
  readonly totals: PackTotals = {
    examples: 0,
    rows: 0,
    tokens: 0,
    padTokens: 0,
    truncatedExamples: 0,
    droppedExamples: 0,
    fullyMaskedExamples: 0,
    droppedTailTokens: 0,
    efficiency: 0,
  };

  constructor(
    private readonly options: PackOptions & { shift: NonNullable<PackOptions['shift']> },
    /** Examples per window (default 20,000). */
    private readonly window = 20_000,
  ) {}

  push(batch: CsrRows): PackedBatch[] {
    if (batch.offsets.length <= 1) return [];
    this.buffered.push(batch);
    this.examples += batch.offsets.length - 1;
    return this.examples >= this.window ? [this.flush(false)] : [];
  }

  end(): PackedBatch[] {
    return this.examples > 0 || this.carry !== null ? [this.flush(true)] : [];
  }

  private flush(last: boolean): PackedBatch {
    const parts = this.carry === null ? this.buffered : [this.carry, ...this.buffered];
    const rows = concatRows(parts);
    const wrapped = this.options.mode === 'wrapped';
    const packed = pack(rows, wrapped && !last ? { ...this.options, tail: 'drop' } : this.options);
    const s = packed.stats;
    const t = this.totals;
    // The carried tokens were counted as examples when they first arrived.
    t.examples += s.examples - (this.carry === null ? 0 : 1);
    t.rows += s.rows;
    t.tokens += s.tokens;
    t.padTokens += s.padTokens;
    t.truncatedExamples += s.truncatedExamples;
    t.droppedExamples += s.droppedExamples;
    t.fullyMaskedExamples += s.fullyMaskedExamples;
    this.carry = null;
    if (wrapped && !last && s.droppedTailTokens > 0) {
      const from = rows.inputIds.length - s.droppedTailTokens;
      this.carry = { inputIds: rows.inputIds.slice(from), labels: rows.labels.slice(from), offsets: Uint32Array.of(0, s.droppedTailTokens) };
    } else {
      t.droppedTailTokens += s.droppedTailTokens;
    }
    const all = t.tokens + t.padTokens;
    t.efficiency = all === 0 ? 0 : t.tokens / all;
    this.buffered = [];
    this.examples = 0;
    return packed;
  }
}
