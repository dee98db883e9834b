// What an input file holds, from its name, or for a Parquet file without the extension, its magic number.

import { closeSync, openSync, readSync, statSync } from 'node:fs';

export type InputFormat = 'parquet' | 'jsonl' | 'json';

const PARQUET_MAGIC = 'PAR1';

export function inputFormat(path: string): InputFormat {
  if (path === '-') return 'jsonl';
  if (/\.parquet$/i.test(path)) return 'parquet';
  if (/\.json$/i.test(path)) return 'json';
  // A Parquet file without the extension still starts with its magic number (only regular files are
  // peeked at: a pipe would lose the bytes, a device might never end).
  try {
    if (!statSync(path).isFile()) return 'jsonl';
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(4);
      if (readSync(fd, head, 0, 4, 0) === 4 && head.toString('latin1') === PARQUET_MAGIC) return 'parquet';
    } finally {
      closeSync(fd);
    }
  } catch {
    // Reported when the file is opened.
  }
  return 'jsonl';
}
