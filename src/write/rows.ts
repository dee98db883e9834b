// The rows a writer takes: a PreparedBatch, a PackedBatch, or the same CSR arrays.

export interface RowColumns {
  inputIds: Int32Array;
  labels: Int32Array;
  offsets: Uint32Array;
  /** Packed rows only: positions restarting per example, and each row's example lengths. */
  positionIds?: Int32Array;
  seqLens?: Uint32Array;
  seqOffsets?: Uint32Array;
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
export function validateRows(rows: RowColumns, packed: PackedColumns | null): void {
  const { inputIds, labels, offsets } = rows;
  if (inputIds.length !== labels.length) throw new Error('invalid option `rows`: input_ids and labels differ in length');
  let ok = offsets.length === 0 || (offsets[0] === 0 && offsets[offsets.length - 1] === inputIds.length);
  for (let i = 1; ok && i < offsets.length; i++) ok = (offsets[i - 1] as number) <= (offsets[i] as number);
  if (!ok) throw new Error('invalid option `rows`: offsets must start at 0, never decrease and end at the number of tokens');
  if (packed === null) return;
  if (packed.positionIds.length !== inputIds.length) throw new Error('invalid option `packed rows`: position_ids must have one entry per token');
  const so = packed.seqOffsets;
  let good = so.length === offsets.length && (so.length === 0 || (so[0] === 0 && so[so.length - 1] === packed.seqLens.length));
  for (let i = 1; good && i < so.length; i++) good = (so[i - 1] as number) <= (so[i] as number);
  if (!good) throw new Error('invalid option `packed rows`: seq_offsets must hold rows + 1 non-decreasing entries from 0 to the number of seq_lens');
}
