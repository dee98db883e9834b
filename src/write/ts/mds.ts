// MosaicML streaming MDS shards (input_ids and labels as ndarray:int32) and index.json, byte-identical to
// crates/tokenshift-core/src/write/mds.rs, where the format is described.

import { closeSync, fsyncSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { OptionError } from '../../errors.js';
import type { NormalizedWriterOptions } from '../options.js';
import type { PackedColumns, RowColumns } from '../../twin/rows.js';
import type { FormatWriter, WriteSummary } from './format-writer.js';
import { PendingPath } from './pending.js';
import { writeAll } from './write-all.js';

export const MDS_DEFAULT_SIZE_LIMIT = 2 ** 26;
const COLUMNS_CONFIG =
  '"column_encodings": ["ndarray:int32", "ndarray:int32"], "column_names": ["input_ids", "labels"], "column_sizes": [null, null], "compression": null, "format": "mds", "hashes": []';

/** One ndarray:int32 value: `ndim << 2 | shape dtype`, the length, the values. */
function arrayBytes(values: Int32Array): Buffer {
  const n = values.length;
  const shape = n < 2 ** 8 ? 1 : n < 2 ** 16 ? 2 : 4;
  const out = Buffer.alloc(1 + shape + 4 * n);
  out[0] = (1 << 2) | (shape === 1 ? 0 : shape === 2 ? 1 : 2);
  out.writeUIntLE(n, 1, shape);
  Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(out, 1 + shape);
  return out;
}

export class MdsWriter implements FormatWriter {
  private readonly pending: PendingPath;
  private readonly sizeLimit: number;
  private readonly config: Buffer;
  private samples: Buffer[] = [];
  private shardSize: number;
  private readonly shards: string[] = [];
  private readonly files: string[] = [];
  private rows = 0;
  private tokens = 0;

  constructor(path: string, options: NormalizedWriterOptions) {
    this.sizeLimit = options.sizeLimit ?? MDS_DEFAULT_SIZE_LIMIT;
    this.config = Buffer.from(`{${COLUMNS_CONFIG}, "size_limit": ${this.sizeLimit}, "version": 2}`);
    this.shardSize = 8 + this.config.length;
    this.pending = new PendingPath(path, true, options.overwrite);
  }

  private flushShard(): void {
    const name = `shard.${String(this.shards.length).padStart(5, '0')}.mds`;
    const n = this.samples.length;
    const head = Buffer.alloc(4 * (n + 2));
    head.writeUInt32LE(n, 0);
    let offset = head.length + this.config.length;
    head.writeUInt32LE(offset, 4);
    this.samples.forEach((s, i) => {
      offset += s.length;
      head.writeUInt32LE(offset, 8 + 4 * i);
    });
    const fd = openSync(join(this.pending.temporary, name), 'w');
    try {
      writeAll(fd, Buffer.concat([head, this.config, ...this.samples]));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.shards.push(
      `{${COLUMNS_CONFIG}, "raw_data": {"basename": "${name}", "bytes": ${offset}, "hashes": {}}, "samples": ${n}, "size_limit": ${this.sizeLimit}, "version": 2, "zip_data": null}`,
    );
    this.files.push(name);
    this.samples = [];
    this.shardSize = 8 + this.config.length;
  }

  write(rows: RowColumns, _packed: PackedColumns | null): void {
    const n = rows.offsets.length - 1;
    for (let r = 0; r < n; r++) {
      const a = rows.offsets[r] as number;
      const b = rows.offsets[r + 1] as number;
      if (a === b) throw new OptionError(`invalid option \`format\`: row ${this.rows + r} is empty, and MDS cannot store an empty array`);
      const ids = arrayBytes(rows.inputIds.subarray(a, b));
      const labels = arrayBytes(rows.labels.subarray(a, b));
      const sizes = Buffer.alloc(8);
      sizes.writeUInt32LE(ids.length, 0);
      sizes.writeUInt32LE(labels.length, 4);
      const sample = Buffer.concat([sizes, ids, labels]);
      if (this.sizeLimit < this.shardSize + sample.length + 4) this.flushShard();
      this.shardSize += sample.length + 4;
      this.samples.push(sample);
    }
    this.rows += n;
    this.tokens += rows.inputIds.length;
  }

  finish(): WriteSummary {
    if (this.samples.length > 0) this.flushShard();
    writeFileSync(join(this.pending.temporary, 'index.json'), `{"shards": [${this.shards.join(', ')}], "version": 2}`, { flush: true });
    this.pending.commit();
    return {
      format: 'mds',
      rows: this.rows,
      tokens: this.tokens,
      files: [...this.files, 'index.json'],
      layout: { columns: { input_ids: 'ndarray:int32', labels: 'ndarray:int32' }, sizeLimit: this.sizeLimit },
    };
  }

  abort(): void {
    this.pending.abort();
  }
}
