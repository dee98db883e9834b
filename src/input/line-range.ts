// The JSON lines that start in bytes [start, end) of a file, read without touching the rest: a work unit
// of an uncompressed JSON-lines file. A unit that starts mid-line skips to the next line start (that line
// belongs to the unit before); its last line is read to its end even past `end`. Every line of the file
// therefore belongs to exactly one unit, and reading the units of a file in order gives its bytes once.

import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';

import { TokenshiftError, errorMessage } from '../errors.js';

/** Bytes read per call while streaming the range. */
const RANGE_READ_BYTES = 1 << 20;
/** Bytes read per call while looking for a line end outside the range: small, so little is read in vain. */
const SEEK_READ_BYTES = 4 << 10;

/** What a unit reader took from the file: bytes and their SHA-256 in the order read. */
export class ReadTally {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');

  add(data: Buffer): void {
    this.bytes += data.length;
    this.hash.update(data);
  }

  sha256(): string {
    return this.hash.copy().digest('hex');
  }
}

async function readAt(file: FileHandle, position: number, length: number, tally: ReadTally): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  const data = buffer.subarray(0, bytesRead);
  tally.add(data);
  return data;
}

/** The lines starting in [start, end) of `path`, as byte chunks ending at line ends (the last may end at EOF). */
export async function* lineRange(path: string, start: number, end: number, tally: ReadTally): AsyncGenerator<Buffer> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    throw new TokenshiftError('INPUT', `cannot read input ${path}: ${errorMessage(error)}`, { cause: error });
  }
  try {
    let position = start;
    let last = -1;
    if (start > 0) {
      // The first line start at or after `start`: right after the first newline at or after start - 1.
      position = start - 1;
      for (;;) {
        const data = await readAt(file, position, Math.min(SEEK_READ_BYTES, Math.max(1, end - position)), tally);
        if (data.length === 0) return;
        const newline = data.indexOf(0x0a);
        if (newline < 0) {
          position += data.length;
          if (position >= end) {
            // The line that began before `start` runs past `end`: no line starts in this unit.
            return;
          }
          continue;
        }
        position += newline + 1;
        if (position >= end) return;
        // The rest of this read is this unit's.
        const rest = data.subarray(newline + 1, Math.min(data.length, newline + 1 + (end - position)));
        if (rest.length > 0) {
          yield rest;
          position += rest.length;
          last = rest[rest.length - 1] as number;
        }
        break;
      }
    }
    while (position < end) {
      const data = await readAt(file, position, Math.min(RANGE_READ_BYTES, end - position), tally);
      if (data.length === 0) return; // The file shrank: its end is the end.
      position += data.length;
      last = data[data.length - 1] as number;
      yield data;
    }
    // Nothing read (an empty range) or the range ended on a line end: done.
    if (last === -1 || last === 0x0a) return;
    // The last line started before `end`: read on to its newline (or the end of the file).
    for (;;) {
      const data = await readAt(file, position, SEEK_READ_BYTES, tally);
      if (data.length === 0) return;
      const newline = data.indexOf(0x0a);
      if (newline >= 0) {
        yield data.subarray(0, newline + 1);
        return;
      }
      position += data.length;
      yield data;
    }
  } catch (error) {
    if (error instanceof TokenshiftError) throw error;
    throw new TokenshiftError('INPUT', `cannot read input ${path}: ${errorMessage(error)}`, { cause: error });
  } finally {
    await file.close();
  }
}
