// Twin of crates/tokenshift-core/src/pack/mod.rs: the normalized options, the rows both algorithms
// (bfd.ts, wrapped.ts) read, and the packed rows they build. The facade (src/pack/pack.ts) picks one.

import type { NativePacked } from '../../../native/index.js';
import type { Shift, Truncation } from '../prepare/options.js';

export interface NormalizedPackOptions {
  mode: 'bfd' | 'wrapped';
  blockSize: number;
  shift: Shift;
  ignoreIndex: number;
  truncation: Truncation;
  tail: 'drop' | 'pad';
  padId: number;
}

/** Packed rows in the shape the native addon returns (its generated type). */
export type RawPacked = NativePacked;

export interface CsrRows {
  inputIds: Int32Array;
  labels: Int32Array;
  offsets: Uint32Array;
}

export function emptyPacked(): {
  ids: number[];
  labels: number[];
  positions: number[];
  offsets: number[];
  seqLens: number[];
  seqOffsets: number[];
  stats: RawPacked['stats'];
} {
  return {
    ids: [],
    labels: [],
    positions: [],
    offsets: [0],
    seqLens: [],
    seqOffsets: [0],
    stats: { examples: 0, rows: 0, tokens: 0, padTokens: 0, truncatedExamples: 0, droppedExamples: 0, fullyMaskedExamples: 0, droppedTailTokens: 0 },
  };
}

export function finishPacked(p: ReturnType<typeof emptyPacked>): RawPacked {
  return {
    inputIds: Int32Array.from(p.ids),
    labels: Int32Array.from(p.labels),
    positionIds: Int32Array.from(p.positions),
    offsets: Uint32Array.from(p.offsets),
    seqLens: Uint32Array.from(p.seqLens),
    seqOffsets: Uint32Array.from(p.seqOffsets),
    stats: p.stats,
  };
}
