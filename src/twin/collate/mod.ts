// Twin of crates/tokenshift-core/src/collate/mod.rs: rows into row-major `[batch, length]` arrays, padding
// never trained, positions restarting per packed example.

import { OptionError } from '../../errors.js';
import { MAX_COLLATED_CELLS } from '../../limits.js';

/** Rows in CSR form; `positionIds` for packed rows. */
export interface CollateRows {
  inputIds: Int32Array;
  labels: Int32Array;
  offsets: Uint32Array;
  positionIds: Int32Array | null;
}

export interface NormalizedCollateOptions {
  length: number | null;
  multipleOf: number | null;
  side: 'right' | 'left';
  padId: number;
  ignoreIndex: number;
}

export interface Collated<T extends Int32Array | BigInt64Array = Int32Array | BigInt64Array> {
  /** `[batch, length]`. */
  shape: [number, number];
  input_ids: T;
  labels: T;
  attention_mask: T;
  /** Restart per example for packed rows; count from 0 otherwise; 0 on padding. */
  position_ids: T;
}

export function collateRows(csr: CollateRows, o: NormalizedCollateOptions, int64: boolean): Collated {
  const batch = csr.offsets.length - 1;
  const lens = Array.from({ length: batch }, (_, r) => (csr.offsets[r + 1] as number) - (csr.offsets[r] as number));
  let length = o.length ?? lens.reduce((a, b) => Math.max(a, b), 0);
  if (o.multipleOf !== null) length = Math.ceil(length / o.multipleOf) * o.multipleOf;
  const tooLong = lens.findIndex((n) => n > length);
  if (tooLong >= 0) {
    throw new OptionError(
      `invalid option \`length\`: row ${tooLong} has ${lens[tooLong]} tokens, more than the padded length ${length}; truncate or pack first`,
    );
  }
  if (batch * length > MAX_COLLATED_CELLS) {
    throw new OptionError(
      `invalid option \`length\`: ${batch} rows of ${length} tokens exceed ${MAX_COLLATED_CELLS} cells per collated batch; collate fewer rows at a time`,
    );
  }
  const ids = new Int32Array(batch * length).fill(o.padId);
  const labels = new Int32Array(batch * length).fill(o.ignoreIndex);
  const mask = new Int32Array(batch * length);
  const positions = new Int32Array(batch * length);
  lens.forEach((n, r) => {
    const at = r * length + (o.side === 'left' ? length - n : 0);
    const start = csr.offsets[r] as number;
    ids.set(csr.inputIds.subarray(start, start + n), at);
    labels.set(csr.labels.subarray(start, start + n), at);
    mask.fill(1, at, at + n);
    for (let i = 0; i < n; i++) positions[at + i] = csr.positionIds ? (csr.positionIds[start + i] as number) : i;
  });
  const typed = (a: Int32Array) => (int64 ? BigInt64Array.from(a, (v) => BigInt(v)) : a);
  return { shape: [batch, length], input_ids: typed(ids), labels: typed(labels), attention_mask: typed(mask), position_ids: typed(positions) };
}
