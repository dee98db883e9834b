// JSON lines as a byte stream (gzip or not) from a file or stdin ("-"): what the record pipeline reads.

import { createReadStream, statSync } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { TokenshiftError, errorMessage } from '../errors.js';
import type { ReadTally } from './line-range.js';

export interface InputStream {
  /** Bytes of JSON lines, decompressed when the input is gzip. */
  stream: Readable;
  name: string;
  /** Bytes on disk (compressed size for .gz), or null for stdin. */
  totalBytes: number | null;
  /** Bytes read from disk so far (before decompression). */
  bytesRead: () => number;
}

/** A JSON-lines file (gzip when it ends in .gz or starts with gzip's magic bytes) or stdin, as a byte stream. */
/** `tally`: counts and hashes the bytes read from disk (before decompression). */
export async function openInputStream(path: string, tally?: ReadTally): Promise<InputStream> {
  const name = path === '-' ? 'stdin' : path;
  let raw: Readable;
  let totalBytes: number | null = null;
  try {
    if (path === '-') raw = process.stdin;
    else {
      totalBytes = statSync(path).size;
      raw = createReadStream(path, { highWaterMark: 1 << 20 });
    }
  } catch (error) {
    throw new TokenshiftError('INPUT', `cannot read input ${name}: ${errorMessage(error)}`, { cause: error });
  }
  let read = 0;
  // Peek at the first bytes for gzip's magic number, then hand everything on.
  const first = await new Promise<Buffer | null>((resolve, reject) => {
    raw.once('error', (error) => reject(new TokenshiftError('INPUT', `cannot read input ${name}: ${errorMessage(error)}`, { cause: error })));
    raw.once('readable', () => resolve(raw.read() as Buffer | null));
    raw.once('end', () => resolve(null));
  });
  // Parquet starts with "PAR1": it is read from a file (its footer is at the end), never as JSON lines.
  if (first !== null && first.subarray(0, 4).toString('latin1') === 'PAR1') {
    raw.destroy();
    throw new TokenshiftError('INPUT', `${name} holds Parquet: name the file with --input (Parquet is read from its footer, so it cannot come through a pipe)`);
  }
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const gzip = path.endsWith('.gz') || (first !== null && first[0] === 0x1f && first[1] === 0x8b);
  const sink = gzip ? createGunzip() : out;
  if (gzip) sink.pipe(out);
  if (first !== null) {
    read += first.length;
    tally?.add(first);
    sink.write(first);
  }
  raw.on('data', (chunk: Buffer) => {
    read += chunk.length;
    tally?.add(chunk);
  });
  raw.on('error', (error) => out.destroy(new TokenshiftError('INPUT', `cannot read input ${name}: ${errorMessage(error)}`, { cause: error })));
  sink.on('error', (error) => out.destroy(new TokenshiftError('INPUT', `cannot decompress ${name}: ${errorMessage(error)}`, { cause: error })));
  raw.pipe(sink);
  return { stream: out, name, totalBytes, bytesRead: () => read };
}
