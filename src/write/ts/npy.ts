// NumPy .npy columns, byte-identical to crates/tokenshift-core/src/write/npy.rs: NPY 1.0, a 128-byte
// header rewritten with the row count at the end, C-order little-endian rows padded by collation.

import { closeSync, fsyncSync, openSync } from 'node:fs';

import { writeAll } from './write-all.js';
import { join } from 'node:path';

import { collate } from '../../collate/collate.js';
import type { NormalizedWriterOptions } from '../options.js';
import type { PackedColumns, RowColumns } from '../../twin/rows.js';
import type { FormatWriter, WriteSummary } from './format-writer.js';
import { PendingPath } from './pending.js';

export const NPY_COLUMNS = ['input_ids', 'labels', 'attention_mask', 'position_ids'] as const;
const HEADER_BYTES = 128;
/** Cells collated at once (4 Mi: 64 MiB over the four int32 columns). */
const GROUP_CELLS = 2 ** 22;

export function npyHeader(dtype: 'int32' | 'int64', rows: number, length: number): Buffer {
  const descr = dtype === 'int32' ? '<i4' : '<i8';
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${length}), }`;
  const out = Buffer.alloc(HEADER_BYTES, 0x20);
  out.write('\x93NUMPY\x01\x00', 0, 'latin1');
  out.writeUInt16LE(HEADER_BYTES - 10, 8);
  out.write(dict, 10, 'latin1');
  out[HEADER_BYTES - 1] = 0x0a;
  return out;
}

function littleEndianBytes(values: Int32Array | BigInt64Array): Buffer {
  // x86-64 and arm64 are little-endian, so the typed array's memory is the file's byte order.
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

export class NpyWriter implements FormatWriter {
  private readonly pending: PendingPath;
  private readonly fds: number[];
  private readonly length: number;
  private rows = 0;
  private tokens = 0;

  constructor(
    path: string,
    private readonly options: NormalizedWriterOptions,
  ) {
    this.length = options.length as number;
    this.pending = new PendingPath(path, true, options.overwrite);
    this.fds = NPY_COLUMNS.map((column) => {
      const fd = openSync(join(this.pending.temporary, `${column}.npy`), 'w');
      writeAll(fd, npyHeader(options.dtype, 0, this.length));
      return fd;
    });
  }

  write(rows: RowColumns, packed: PackedColumns | null): void {
    // Padded rows are collated a group at a time, so memory stays near GROUP_CELLS cells whatever the
    // batch size and row length (as the Rust writer does).
    const group = Math.max(1, Math.floor(GROUP_CELLS / this.length));
    const count = rows.offsets.length - 1;
    for (let first = 0; first < count; first += group) {
      const last = Math.min(first + group, count);
      const a = rows.offsets[first] as number;
      const b = rows.offsets[last] as number;
      const offsets = rows.offsets.slice(first, last + 1).map((o) => o - a);
      const c = collate(
        {
          inputIds: rows.inputIds.subarray(a, b),
          labels: rows.labels.subarray(a, b),
          offsets,
          ...(packed ? { positionIds: packed.positionIds.subarray(a, b) } : {}),
        },
        {
          length: this.length,
          side: this.options.side,
          padId: this.options.padId,
          ignoreIndex: this.options.ignoreIndex,
          dtype: this.options.dtype,
          backend: 'ts',
        },
      );
      [c.input_ids, c.labels, c.attention_mask, c.position_ids].forEach((values, i) => writeAll(this.fds[i] as number, littleEndianBytes(values)));
      this.rows += c.shape[0];
    }
    this.tokens += rows.inputIds.length;
  }

  finish(): WriteSummary {
    this.fds.forEach((fd, i) => {
      writeAll(fd, npyHeader(this.options.dtype, this.rows, this.length).subarray(0, HEADER_BYTES), 0);
      fsyncSync(fd);
      closeSync(fd);
      // Closed once only: a number closed twice may by then belong to another file.
      this.fds[i] = -1;
    });
    this.pending.commit();
    return {
      format: 'npy',
      rows: this.rows,
      tokens: this.tokens,
      files: NPY_COLUMNS.map((c) => `${c}.npy`),
      layout: { shape: [this.rows, this.length], dtype: this.options.dtype },
    };
  }

  abort(): void {
    this.fds.forEach((fd) => fd >= 0 && closeSync(fd));
    this.pending.abort();
  }
}
