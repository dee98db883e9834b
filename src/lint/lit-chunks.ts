// Reading lit-gpt LITPKDS chunks back as rows for `lint`, by the format's description: magic, u64 version,
// u8 dtype code, u64 chunk size, tokens. A chunk must be a regular file whose size matches its header
// (a link to /dev/zero is refused before anything is read).

import { closeSync, fstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { TokenshiftError } from '../errors.js';
import type { DatasetRow } from './readers.js';

const HEADER_BYTES = 24;

export function readLitChunk(path: string): { version: number; dtype: 'uint16' | 'int32'; chunkSize: number; tokens: Uint16Array | Int32Array } {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new TokenshiftError('INPUT', `${path}: not a regular file (a device or a pipe?)`);
    const header = Buffer.alloc(HEADER_BYTES);
    if (readSync(fd, header, 0, HEADER_BYTES, 0) !== HEADER_BYTES || header.toString('latin1', 0, 7) !== 'LITPKDS')
      throw new TokenshiftError('INPUT', `${path}: no LITPKDS header`);
    const version = Number(header.readBigUInt64LE(7));
    const code = header.readUInt8(15);
    const chunkSize = Number(header.readBigUInt64LE(16));
    const dtypes: Record<number, 'uint16' | 'int32'> = { 8: 'uint16', 4: 'int32' };
    const dtype = dtypes[code];
    if (dtype === undefined) throw new TokenshiftError('INPUT', `${path}: dtype code ${code} is not a token type (8 uint16, 4 int32)`);
    const width = dtype === 'uint16' ? 2 : 4;
    if (stat.size !== HEADER_BYTES + chunkSize * width)
      throw new TokenshiftError('INPUT', `${path}: ${stat.size} bytes, expected ${HEADER_BYTES} + ${chunkSize} x ${width}`);
    const body = new ArrayBuffer(chunkSize * width);
    if (readSync(fd, new Uint8Array(body), 0, body.byteLength, HEADER_BYTES) !== body.byteLength)
      throw new TokenshiftError('INPUT', `${path}: could not be read whole (the file changed while it was read?)`);
    return { version, dtype, chunkSize, tokens: dtype === 'uint16' ? new Uint16Array(body) : new Int32Array(body) };
  } finally {
    closeSync(fd);
  }
}

export async function* litChunkRows(dir: string): AsyncGenerator<DatasetRow> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort();
  for (const f of files) yield { input_ids: readLitChunk(join(dir, f)).tokens, labels: null };
}
