// Reading MosaicML MDS shards back as rows for `lint`, by the format's description (streaming's MDSWriter
// and MDSReader): index.json's shards, each `uint32 samples`, `uint32 offsets[samples + 1]`, the config
// JSON, then per sample one `uint32` size per variable column and the columns. Only the columns
// tokenshift writes are read (input_ids and labels, ndarray:int32, uncompressed); anything else is
// refused with the reason.

import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

import { TokenshiftError } from '../errors.js';
import type { DatasetRow } from './readers.js';

interface MdsShard {
  column_names: string[];
  column_encodings: string[];
  compression: unknown;
  raw_data: { basename: string; bytes: number };
  samples: number;
}

/** An ndarray:int32 column value of a sample: the shape byte, the length, the values. */
function decodeArray(bytes: Buffer, where: string): Int32Array {
  const byte = bytes[0] as number;
  const shapeBytes = 2 ** (byte & 3);
  if (byte >> 2 !== 1 || shapeBytes > 4 || bytes.length < 1 + shapeBytes) throw new TokenshiftError('INPUT', `${where}: not a one-dimensional array`);
  const n = bytes.readUIntLE(1, shapeBytes);
  if (bytes.length !== 1 + shapeBytes + 4 * n) throw new TokenshiftError('INPUT', `${where}: ${bytes.length} bytes for ${n} int32 values`);
  return new Int32Array(new Uint8Array(bytes.subarray(1 + shapeBytes)).buffer);
}

export async function* mdsRows(dir: string): AsyncGenerator<DatasetRow> {
  const indexPath = join(dir, 'index.json');
  const bad = (why: string) => new TokenshiftError('INPUT', `${indexPath}: not an MDS index tokenshift reads: ${why}`);
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { shards?: MdsShard[]; version?: number };
  if (index.version !== 2 || !Array.isArray(index.shards)) throw bad('expected version 2 and a list of shards');
  for (const shard of index.shards) {
    if (shard.compression !== null) throw bad('compressed shards are not read here');
    if (JSON.stringify(shard.column_names) !== '["input_ids","labels"]' || shard.column_encodings.some((e) => e !== 'ndarray:int32'))
      throw bad(`columns ${JSON.stringify(shard.column_names)} (${JSON.stringify(shard.column_encodings)}) are not input_ids and labels as ndarray:int32`);
    if (typeof shard.raw_data?.basename !== 'string' || !/^[\w.-]+$/.test(shard.raw_data.basename)) throw bad('a shard has no usable file name');
    const path = join(dir, shard.raw_data.basename);
    const fd = openSync(path, 'r');
    let bytes: Buffer;
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw new TokenshiftError('INPUT', `${path}: not a regular file (a device or a pipe?)`);
      if (stat.size !== shard.raw_data.bytes) throw new TokenshiftError('INPUT', `${path}: ${stat.size} bytes, index.json says ${shard.raw_data.bytes}`);
      bytes = Buffer.alloc(stat.size);
      if (readSync(fd, bytes, 0, bytes.length, 0) !== bytes.length) throw new TokenshiftError('INPUT', `${path}: could not be read whole`);
    } finally {
      closeSync(fd);
    }
    const n = bytes.readUInt32LE(0);
    if (n !== shard.samples || bytes.length < 4 * (n + 2)) throw new TokenshiftError('INPUT', `${path}: holds ${n} samples, index.json says ${shard.samples}`);
    for (let s = 0; s < n; s++) {
      const start = bytes.readUInt32LE(4 + 4 * s);
      const end = bytes.readUInt32LE(8 + 4 * s);
      const where = `${path} sample ${s}`;
      if (start + 8 > end || end > bytes.length) throw new TokenshiftError('INPUT', `${where}: offsets ${start}..${end} outside the file`);
      const idsBytes = bytes.readUInt32LE(start);
      const labelsBytes = bytes.readUInt32LE(start + 4);
      if (start + 8 + idsBytes + labelsBytes !== end) throw new TokenshiftError('INPUT', `${where}: column sizes do not fill the sample`);
      const ids = decodeArray(bytes.subarray(start + 8, start + 8 + idsBytes), `${where} input_ids`);
      const labels = decodeArray(bytes.subarray(start + 8 + idsBytes, end), `${where} labels`);
      if (labels.length !== ids.length) throw new TokenshiftError('INPUT', `${where}: ${labels.length} labels for ${ids.length} input_ids`);
      yield { input_ids: ids, labels };
    }
  }
}
