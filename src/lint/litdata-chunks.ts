// Reading litdata TokensLoader chunks back as rows for `lint` (one row per chunk, no labels: litgpt takes
// targets from the token stream), by the format's description: index.json's chunks and config, each chunk
// `uint32 num_items`, `uint32 offsets[num_items + 1]`, the tokens. A chunk must be a regular file whose
// size and offsets match its index entry.

import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

import { TokenshiftError } from '../errors.js';
import type { DatasetRow } from './readers.js';

interface LitdataIndex {
  chunks: { chunk_bytes: number; chunk_size: number; dim: number; filename: string }[];
  config: { data_format: string[]; item_loader: string; compression: unknown; encryption: unknown };
}

const WIDTHS: Record<string, 2 | 4> = { 'no_header_numpy:5': 2, 'no_header_numpy:2': 4, 'no_header_numpy:6': 4 };

export function readLitdataIndex(dir: string): { index: LitdataIndex; width: 2 | 4 } {
  const path = join(dir, 'index.json');
  const bad = (why: string) => new TokenshiftError('INPUT', `${path}: not a litdata TokensLoader index: ${why}`);
  let index: LitdataIndex;
  try {
    index = JSON.parse(readFileSync(path, 'utf8')) as LitdataIndex;
  } catch (error) {
    throw bad(error instanceof Error ? error.message : String(error));
  }
  if (!Array.isArray(index?.chunks) || typeof index.config !== 'object' || index.config === null) throw bad('no chunks and config');
  if (index.config.item_loader !== 'TokensLoader') throw bad(`item_loader is ${JSON.stringify(index.config.item_loader)}`);
  if (index.config.compression !== null || index.config.encryption !== null) throw bad('compressed or encrypted chunks are not read here');
  const width = WIDTHS[index.config.data_format?.[0] ?? ''];
  if (width === undefined) throw bad(`data_format ${JSON.stringify(index.config.data_format)} is not uint16, int32 or uint32 tokens`);
  for (const c of index.chunks)
    if (typeof c?.filename !== 'string' || !/^[\w.-]+$/.test(c.filename) || !Number.isSafeInteger(c.dim) || !Number.isSafeInteger(c.chunk_size))
      throw bad(`chunk entry ${JSON.stringify(c)} is malformed`);
  return { index, width };
}

export async function* litdataRows(dir: string): AsyncGenerator<DatasetRow> {
  const { index, width } = readLitdataIndex(dir);
  for (const chunk of index.chunks) {
    const path = join(dir, chunk.filename);
    const fd = openSync(path, 'r');
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw new TokenshiftError('INPUT', `${path}: not a regular file (a device or a pipe?)`);
      const header = 4 * (chunk.chunk_size + 2);
      const expected = header + chunk.dim * width;
      if (stat.size !== expected || stat.size !== chunk.chunk_bytes)
        throw new TokenshiftError('INPUT', `${path}: ${stat.size} bytes; index.json says ${chunk.chunk_bytes}, its items need ${expected}`);
      const bytes = Buffer.alloc(stat.size);
      if (readSync(fd, bytes, 0, bytes.length, 0) !== bytes.length) throw new TokenshiftError('INPUT', `${path}: could not be read whole`);
      if (bytes.readUInt32LE(0) !== chunk.chunk_size)
        throw new TokenshiftError('INPUT', `${path}: holds ${bytes.readUInt32LE(0)} items, index.json says ${chunk.chunk_size}`);
      if (bytes.readUInt32LE(4) !== header || bytes.readUInt32LE(header - 4) !== stat.size)
        throw new TokenshiftError('INPUT', `${path}: its item offsets do not span the file`);
      const body = new Uint8Array(bytes.subarray(header));
      const unsigned = index.config.data_format[0] === 'no_header_numpy:6';
      yield { input_ids: width === 2 ? new Uint16Array(body.buffer) : unsigned ? new Uint32Array(body.buffer) : new Int32Array(body.buffer), labels: null };
    } finally {
      closeSync(fd);
    }
  }
}
