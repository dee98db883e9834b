// Reading a directory of .npy columns (input_ids.npy, labels.npy, attention_mask.npy, position_ids.npy)
// back as rows for `lint`, by the NPY format's description, not the writer's code. Every column must be a
// regular file whose header matches its size and the input_ids' shape; ids must fit int32 (labels are int32).

import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

import { TokenshiftError } from '../errors.js';
import type { DatasetRow } from './readers.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** An NPY 1.0/2.0 array's header: dtype, shape and where the data starts. A header that does not match
 * the file's size (truncated or doctored) is refused, never read on into nothing. */
export function npyHeader(path: string): { dtype: '<i4' | '<i8'; shape: number[]; dataOffset: number } {
  const bad = (why: string) => new TokenshiftError('INPUT', `${path}: not a usable .npy file: ${why}`);
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw bad('it is not a regular file (a device or a pipe?)');
    const size = stat.size;
    const head = Buffer.alloc(12);
    if (readSync(fd, head, 0, 12, 0) < 10 || head.toString('latin1', 0, 6) !== '\x93NUMPY') throw new TokenshiftError('INPUT', `${path}: not an .npy file`);
    const major = head[6] as number;
    if (major < 1 || major > 3) throw bad(`format version ${major} is unknown`);
    const headerLength = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
    const start = major === 1 ? 10 : 12;
    if (start + headerLength > size || headerLength > 1 << 20) throw bad(`its header claims ${headerLength} bytes, the file has ${size}`);
    const text = Buffer.alloc(headerLength);
    readSync(fd, text, 0, headerLength, start);
    const dict = text.toString('latin1');
    const descr = /'descr':\s*'([^']+)'/.exec(dict)?.[1];
    const shapeText = /'shape':\s*\(([^)]*)\)/.exec(dict)?.[1];
    if (/'fortran_order':\s*True/.test(dict)) throw new TokenshiftError('INPUT', `${path}: Fortran-order arrays are not supported`);
    if ((descr !== '<i4' && descr !== '<i8') || shapeText === undefined)
      throw new TokenshiftError('INPUT', `${path}: expected a little-endian int32 or int64 array, got ${descr}`);
    const shape = shapeText
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(Number);
    if (shape.length !== 2 || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) throw bad(`shape (${shapeText}) is not [rows, length]`);
    // Rows of length 0 hold nothing, and their count is bounded by nothing (a header-only file could
    // claim 2^53 of them).
    if ((shape[0] as number) > 0 && shape[1] === 0) throw bad(`shape (${shapeText}) has rows of length 0`);
    const dataBytes = (shape[0] as number) * (shape[1] as number) * (descr === '<i4' ? 4 : 8);
    if (start + headerLength + dataBytes !== size)
      throw bad(`shape (${shapeText}) needs ${dataBytes} bytes of data, the file holds ${size - start - headerLength}`);
    return { dtype: descr, shape, dataOffset: start + headerLength };
  } finally {
    closeSync(fd);
  }
}

interface NpyColumn {
  path: string;
  rows: number;
  length: number;
  /** Row `r`; int64 values are range-checked, never wrapped. */
  row: (r: number) => Int32Array;
  close: () => void;
}

function npyColumn(path: string): NpyColumn | null {
  if (!existsSync(path)) return null;
  const { dtype, shape, dataOffset } = npyHeader(path);
  const [rows = 0, length = 0] = shape;
  const width = dtype === '<i4' ? 4 : 8;
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(length * width);
  const row = (r: number): Int32Array => {
    // The header was checked against the file's size, so a short read means the file changed under us.
    if (readSync(fd, buffer, 0, buffer.length, dataOffset + r * length * width) !== buffer.length)
      throw new TokenshiftError('INPUT', `${path}: row ${r} could not be read whole (the file changed while it was read?)`);
    if (width === 4) return new Int32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length));
    const out = new Int32Array(length);
    for (let i = 0; i < length; i++) {
      const value = buffer.readBigInt64LE(i * 8);
      if (value < BigInt(INT32_MIN) || value > BigInt(INT32_MAX))
        throw new TokenshiftError('INPUT', `${path}: row ${r}, position ${i}: ${value} does not fit int32 (token ids and labels are int32)`);
      out[i] = Number(value);
    }
    return out;
  };
  return { path, rows, length, row, close: () => closeSync(fd) };
}

export async function* npyRows(dir: string): AsyncGenerator<DatasetRow> {
  const ids = npyColumn(join(dir, 'input_ids.npy'));
  if (ids === null) throw new TokenshiftError('INPUT', `${dir}: no input_ids.npy`);
  const others: (NpyColumn | null)[] = [];
  try {
    for (const name of ['labels', 'attention_mask', 'position_ids']) {
      const column = npyColumn(join(dir, `${name}.npy`));
      // A column of another shape (a stale file from an earlier run) would pair rows that do not belong.
      if (column !== null && (column.rows !== ids.rows || column.length !== ids.length))
        throw new TokenshiftError(
          'INPUT',
          `${column.path}: shape (${column.rows}, ${column.length}) differs from input_ids.npy's (${ids.rows}, ${ids.length}); columns must come from one run`,
        );
      others.push(column);
    }
    const [labels, mask, positions] = others as [NpyColumn | null, NpyColumn | null, NpyColumn | null];
    for (let r = 0; r < ids.rows; r++) {
      // Padding (attention 0) is not part of a row's content.
      const m = mask?.row(r);
      const keep = (a: Int32Array) => (m === undefined ? a : a.filter((_, i) => m[i] === 1));
      const row: DatasetRow = { input_ids: keep(ids.row(r)), labels: labels === null ? null : keep(labels.row(r)) };
      if (positions !== null) row.position_ids = keep(positions.row(r));
      if (m !== undefined) row.attention_mask = m;
      yield row;
    }
  } finally {
    for (const column of [ids, ...others]) column?.close();
  }
}
