// Reading CLI input: a JSON-lines byte stream (gzip or not) from a file or stdin ("-"), and the tokenizer named by --tokenizer.

import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { TokenshiftError, errorMessage } from '../errors.js';
import { Tokenizer, type TokenizerOptions } from '../tokenizer.js';

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
export async function openInputStream(path: string): Promise<InputStream> {
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
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const gzip = path.endsWith('.gz') || (first !== null && first[0] === 0x1f && first[1] === 0x8b);
  const sink = gzip ? createGunzip() : out;
  if (gzip) sink.pipe(out);
  if (first !== null) {
    read += first.length;
    sink.write(first);
  }
  raw.on('data', (chunk: Buffer) => (read += chunk.length));
  raw.on('error', (error) => out.destroy(new TokenshiftError('INPUT', `cannot read input ${name}: ${errorMessage(error)}`, { cause: error })));
  sink.on('error', (error) => out.destroy(new TokenshiftError('INPUT', `cannot decompress ${name}: ${errorMessage(error)}`, { cause: error })));
  raw.pipe(sink);
  return { stream: out, name, totalBytes, bytesRead: () => read };
}

export interface LoadedTokenizer {
  tokenizer: Tokenizer;
  /** The tokenizer.json that was read, and its SHA-256 (recorded in stats). */
  file: string;
  sha256: string;
}

/** Ids run from 0 to the largest in the vocabulary (added tokens included). */
export function vocabSize(tokenizer: Tokenizer): number {
  let max = -1;
  for (const id of tokenizer.get_vocab(true).values()) max = Math.max(max, id);
  return max + 1;
}

/** A folder, or a tokenizer.json whose folder may also hold tokenizer_config.json (for EOS and BOS). */
export function loadTokenizer(path: string, options: TokenizerOptions): LoadedTokenizer {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (error) {
    throw new TokenshiftError('INPUT', `cannot read tokenizer ${path}: ${errorMessage(error)}`, { cause: error });
  }
  const file = isDir ? join(path, 'tokenizer.json') : path;
  const tokenizer = isDir || basename(path) === 'tokenizer.json' ? Tokenizer.fromDir(isDir ? path : dirname(path), options) : Tokenizer.fromFile(path, options);
  return { tokenizer, file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}
