// Reading a file whole, up to a size limit: a tokenizer, config or template path that names an endless
// file (`/dev/zero`, a FIFO) or a huge one is an error naming the limit, never an allocation that aborts
// the process.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** tokenizer.json: the largest public ones are ~35 MB (Gemma 3: 33 MB). */
export const MAX_TOKENIZER_BYTES = 512 * 1024 * 1024;
/** tokenizer_config.json, special_tokens_map.json, chat and prompt templates (Gemma 3's config: 1.2 MB). */
export const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

/** The file's text; throws `error(message)` when it holds more than `maxBytes` bytes. */
export function readBoundedText(path: string, maxBytes: number, error: (message: string) => Error): string {
  return readBoundedBytes(path, maxBytes, error).toString('utf8');
}

/** `readBoundedText`'s bytes, undecoded (the native backend takes UTF-8 as it is). */
export function readBoundedBytes(path: string, maxBytes: number, error: (message: string) => Error): Buffer {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw error(`${path} is a directory`);
    if (stat.isFile() && stat.size > maxBytes) throw error(`${path} is ${stat.size} bytes, over the limit of ${maxBytes}`);
    // Devices and pipes report no size: read at most one byte past the limit.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      chunks.push(buffer.subarray(0, n));
      total += n;
      if (total > maxBytes) throw error(`${path} holds more than the limit of ${maxBytes} bytes (an endless file such as /dev/zero?)`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
