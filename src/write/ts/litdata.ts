// litdata TokensLoader chunks and index.json, byte-identical to crates/tokenshift-core/src/write/litdata.rs,
// where the format is described.

import { closeSync, fsyncSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { NormalizedWriterOptions } from '../options.js';
import type { PackedColumns, RowColumns } from '../../twin/rows.js';
import type { FormatWriter, WriteSummary } from './format-writer.js';
import { masksMoreThanConvention } from './litbin.js';
import { PendingPath } from './pending.js';
import { megatronWidth, tokenBytes, type TokenWidth } from './token-width.js';
import { writeAll } from './write-all.js';

/** A single array leaf, as litdata's `treespec_dumps` writes it. */
export const LITDATA_LEAF_SPEC = '[1, {"type": null, "context": null, "children_spec": []}]';

interface ChunkInfo {
  chunk_bytes: number;
  chunk_size: number;
  dim: number;
  filename: string;
}

export class LitdataWriter implements FormatWriter {
  private readonly pending: PendingPath;
  private readonly width: TokenWidth;
  private readonly chunkSize: number;
  private items: number[] = [];
  private chunk: Int32Array;
  private filled = 0;
  private readonly chunks: ChunkInfo[] = [];
  private rows = 0;
  private tokens = 0;
  private maskedRows = 0;

  constructor(
    path: string,
    private readonly options: NormalizedWriterOptions,
  ) {
    this.width = options.tokenDtype ?? megatronWidth(options.vocabSize as number);
    this.chunkSize = options.chunkSize as number;
    this.pending = new PendingPath(path, true, options.overwrite);
    this.chunk = new Int32Array(Math.min(this.chunkSize, 1 << 24));
  }

  private writeChunk(): void {
    const filename = `chunk-0-${this.chunks.length}.bin`;
    const itemsize = this.width === 'uint16' ? 2 : 4;
    const header = Buffer.alloc(4 * (this.items.length + 2));
    header.writeUInt32LE(this.items.length, 0);
    let offset = header.length;
    header.writeUInt32LE(offset, 4);
    this.items.forEach((n, i) => {
      offset += n * itemsize;
      header.writeUInt32LE(offset, 8 + 4 * i);
    });
    const body = tokenBytes(this.chunk.subarray(0, this.filled), this.width, 0, 'vocabSize');
    const fd = openSync(join(this.pending.temporary, filename), 'w');
    try {
      writeAll(fd, header);
      writeAll(fd, body);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.chunks.push({ chunk_bytes: header.length + body.byteLength, chunk_size: this.items.length, dim: this.filled, filename });
    this.items = [];
    this.filled = 0;
  }

  write(rows: RowColumns, _packed: PackedColumns | null): void {
    const n = rows.offsets.length - 1;
    for (let r = 0; r < n; r++) {
      let a = rows.offsets[r] as number;
      const b = rows.offsets[r + 1] as number;
      // Checked whole, so an error names the row before any of it is written.
      tokenBytes(rows.inputIds.subarray(a, b), this.width, this.rows + r, 'vocabSize');
      if (masksMoreThanConvention(rows.labels.subarray(a, b), this.options.ignoreIndex, this.options.shift)) this.maskedRows++;
      while (a < b) {
        const take = Math.min(this.chunkSize - this.filled, b - a);
        if (this.filled + take > this.chunk.length) {
          const grown = new Int32Array(Math.min(this.chunkSize, Math.max(this.chunk.length * 2, this.filled + take)));
          grown.set(this.chunk.subarray(0, this.filled));
          this.chunk = grown;
        }
        this.chunk.set(rows.inputIds.subarray(a, a + take), this.filled);
        this.items.push(take);
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
    const itemsize = this.width === 'uint16' ? 2 : 4;
    const index = {
      chunks: this.chunks,
      config: {
        chunk_bytes: this.chunkSize * itemsize,
        chunk_size: null,
        compression: null,
        data_format: [`no_header_numpy:${{ uint16: 5, int32: 2, uint32: 6 }[this.width]}`],
        data_spec: LITDATA_LEAF_SPEC,
        encryption: null,
        item_loader: 'TokensLoader',
      },
    };
    writeFileSync(join(this.pending.temporary, 'index.json'), JSON.stringify(index), { flush: true });
    this.pending.commit();
    return {
      format: 'litdata',
      rows: this.rows,
      tokens: this.tokens,
      files: [...this.chunks.map((c) => c.filename), 'index.json'],
      layout: { dtype: this.width, chunkSize: this.chunkSize, maskedRows: this.maskedRows },
    };
  }

  abort(): void {
    this.pending.abort();
  }
}
