// lit-gpt packed-dataset chunks (LITPKDS), byte-identical to crates/tokenshift-core/src/write/litbin.rs;
// the format is described there.

import { fsyncSync, closeSync, openSync } from 'node:fs';

import { writeAll } from './write-all.js';
import { join } from 'node:path';

import { OptionError } from '../../errors.js';
import type { NormalizedWriterOptions } from '../options.js';
import type { Shift } from '../../twin/prepare/options.js';
import type { PackedColumns, RowColumns } from '../../twin/rows.js';
import type { FormatWriter, WriteSummary } from './format-writer.js';
import { PendingPath } from './pending.js';

export const LITPKDS_MAGIC = 'LITPKDS';
export const UINT16_VOCAB_LIMIT = 65500;

/** Whether a row's labels ignore more positions than its convention does by itself (none for 'model', the
 * last one for 'data'): the mask a token-stream format cannot keep (twin of litbin.rs). */
export function masksMoreThanConvention(labels: Int32Array, ignoreIndex: number, shift: Shift | undefined): boolean {
  let masked = 0;
  for (const label of labels) if (label === ignoreIndex) masked++;
  return masked > (shift === 'model' ? 0 : 1);
}

export class LitBinWriter implements FormatWriter {
  private readonly pending: PendingPath;
  private readonly uint16: boolean;
  private readonly chunkSize: number;
  private readonly sepId: number;
  private readonly prefix: string;
  private chunk: Int32Array;
  private filled = 0;
  private readonly files: string[] = [];
  private rows = 0;
  private tokens = 0;
  private maskedRows = 0;

  constructor(
    path: string,
    private readonly options: NormalizedWriterOptions,
  ) {
    this.uint16 = (options.vocabSize as number) < UINT16_VOCAB_LIMIT;
    this.chunkSize = options.chunkSize as number;
    this.sepId = options.sepId as number;
    if (this.uint16 && this.sepId > 0xffff) throw new OptionError('invalid option `sepId`: does not fit uint16');
    this.prefix = options.prefix ?? 'train';
    this.pending = new PendingPath(path, true, options.overwrite);
    this.chunk = new Int32Array(this.chunkSize);
  }

  private writeChunk(): void {
    const name = `${this.prefix}_${String(this.files.length).padStart(10, '0')}.bin`;
    this.chunk.fill(this.sepId, this.filled);
    const header = Buffer.alloc(24);
    header.write(LITPKDS_MAGIC, 0, 'latin1');
    header.writeBigUInt64LE(1n, 7);
    header.writeUInt8(this.uint16 ? 8 : 4, 15);
    header.writeBigUInt64LE(BigInt(this.chunkSize), 16);
    const body = this.uint16 ? Uint16Array.from(this.chunk) : this.chunk;
    const fd = openSync(join(this.pending.temporary, name), 'w');
    try {
      writeAll(fd, header);
      writeAll(fd, Buffer.from(body.buffer, body.byteOffset, body.byteLength));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.files.push(name);
    this.filled = 0;
  }

  write(rows: RowColumns, _packed: PackedColumns | null): void {
    const n = rows.offsets.length - 1;
    for (let r = 0; r < n; r++) {
      let a = rows.offsets[r] as number;
      const b = rows.offsets[r + 1] as number;
      const ids = rows.inputIds.subarray(a, b);
      if (this.uint16) {
        const wide = ids.find((id) => id < 0 || id > 0xffff);
        if (wide !== undefined)
          throw new OptionError(
            `invalid option \`vocabSize\`: token id ${wide} in row ${this.rows + r} does not fit uint16; pass the tokenizer's vocabulary size`,
          );
      }
      if (masksMoreThanConvention(rows.labels.subarray(a, b), this.options.ignoreIndex, this.options.shift)) this.maskedRows++;
      while (a < b) {
        const take = Math.min(this.chunkSize - this.filled, b - a);
        this.chunk.set(rows.inputIds.subarray(a, a + take), this.filled);
        this.filled += take;
        a += take;
        if (this.filled === this.chunkSize) this.writeChunk();
      }
    }
    this.rows += n;
    this.tokens += rows.inputIds.length;
  }

  finish(): WriteSummary {
    if (this.filled > 0) this.writeChunk();
    this.pending.commit();
    return {
      format: 'bin',
      rows: this.rows,
      tokens: this.tokens,
      files: this.files,
      layout: { dtype: this.uint16 ? 'uint16' : 'int32', chunkSize: this.chunkSize, sepId: this.sepId, maskedRows: this.maskedRows },
    };
  }

  abort(): void {
    this.pending.abort();
  }
}
