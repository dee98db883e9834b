// Twin of crates/tokenshift-core/src/rows.rs: rows in CSR form, the shape every stage after prepare reads
// (`inputIds[offsets[r]..offsets[r+1]]`, same for labels), the columns packed rows add, one validation with
// the core's messages, and the two ways rows are built: flattened from per-row arrays, or concatenated.

import { OptionError } from '../errors.js';

/** Rows in CSR form. */
export interface CsrRows {
  inputIds: Int32Array;
  labels: Int32Array;
  offsets: Uint32Array;
}

/** What a writer takes: a PreparedBatch, a PackedBatch, or the same CSR arrays. */
export interface RowColumns extends CsrRows {
  /** Packed rows only: positions restarting per example, and each row's example lengths. */
  positionIds?: Int32Array;
  seqLens?: Uint32Array;
  seqOffsets?: Uint32Array;
  /** Per row, input columns kept through `prepare` (`keep`), each one JSON object text. */
  kept?: readonly string[];
}

export interface PackedColumns {
  positionIds: Int32Array;
  seqLens: Uint32Array;
  seqOffsets: Uint32Array;
}

export function checkRowColumns(rows: RowColumns): PackedColumns | null {
  if (!(rows?.inputIds instanceof Int32Array) || !(rows.labels instanceof Int32Array) || !(rows.offsets instanceof Uint32Array)) {
    throw new TypeError('rows must have inputIds and labels (Int32Array) and offsets (Uint32Array), e.g. a PreparedBatch or PackedBatch');
  }
  const { positionIds, seqLens, seqOffsets } = rows;
  if (positionIds === undefined && seqLens === undefined && seqOffsets === undefined) return null;
  if (!(positionIds instanceof Int32Array) || !(seqLens instanceof Uint32Array) || !(seqOffsets instanceof Uint32Array)) {
    throw new TypeError('packed rows need positionIds (Int32Array), seqLens and seqOffsets (Uint32Array) together');
  }
  return { positionIds, seqLens, seqOffsets };
}

/** The same checks as the Rust core's `Rows::validate` and `RowBatch::validate`, with the same messages. */
export function validateRows(rows: CsrRows & { kept?: readonly string[] }, packed: PackedColumns | null = null): void {
  const { inputIds, labels, offsets } = rows;
  if (inputIds.length !== labels.length) throw new OptionError('invalid option `rows`: input_ids and labels differ in length');
  let ok = offsets.length === 0 || (offsets[0] === 0 && offsets[offsets.length - 1] === inputIds.length);
  for (let i = 1; ok && i < offsets.length; i++) ok = (offsets[i - 1] as number) <= (offsets[i] as number);
  if (!ok) throw new OptionError('invalid option `rows`: offsets must start at 0, never decrease and end at the number of tokens');
  const rowCount = Math.max(offsets.length - 1, 0);
  if (rows.kept !== undefined && rows.kept.length !== rowCount)
    throw new OptionError(`invalid option \`kept columns\`: ${rows.kept.length} entries for ${rowCount} rows`);
  if (packed === null) return;
  if (packed.positionIds.length !== inputIds.length) throw new OptionError('invalid option `packed rows`: position_ids must have one entry per token');
  const so = packed.seqOffsets;
  let good = so.length === offsets.length && (so.length === 0 || (so[0] === 0 && so[so.length - 1] === packed.seqLens.length));
  for (let i = 1; good && i < so.length; i++) good = (so[i - 1] as number) <= (so[i] as number);
  if (!good) throw new OptionError('invalid option `packed rows`: seq_offsets must hold rows + 1 non-decreasing entries from 0 to the number of seq_lens');
}

/** Per-row arrays as one flat array and offsets: row r is `values[offsets[r]..offsets[r + 1]]`. */
export function flatten<T extends Int32Array | Uint32Array>(
  rows: readonly ArrayLike<number>[],
  make: (length: number) => T,
): { values: T; offsets: Uint32Array } {
  const offsets = new Uint32Array(rows.length + 1);
  rows.forEach((row, r) => (offsets[r + 1] = (offsets[r] as number) + row.length));
  const values = make(offsets[rows.length] as number);
  rows.forEach((row, r) => values.set(row, offsets[r]));
  return { values, offsets };
}

/** Rows of several batches as one CSR batch. */
export function concatRows(batches: readonly CsrRows[]): CsrRows {
  const rows = batches.reduce((n, b) => n + b.offsets.length - 1, 0);
  const tokens = batches.reduce((n, b) => n + b.inputIds.length, 0);
  const out = { inputIds: new Int32Array(tokens), labels: new Int32Array(tokens), offsets: new Uint32Array(rows + 1) };
  let row = 0;
  let at = 0;
  for (const b of batches) {
    out.inputIds.set(b.inputIds, at);
    out.labels.set(b.labels, at);
    const n = b.offsets.length - 1;
    for (let r = 1; r <= n; r++) out.offsets[row + r] = at + (b.offsets[r] as number);
    row += n;
    at += b.inputIds.length;
  }
  return out;
}
