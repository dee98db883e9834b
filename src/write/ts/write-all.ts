// `writeSync` may write fewer bytes than asked (a nearly full disk, a file-size limit) and says so only in
// its return value: ignoring it truncates the output silently. This writes the rest, so that the system's
// error (ENOSPC, EFBIG) surfaces from the next attempt instead.

import { writeSync } from 'node:fs';

/** Writes all of `data` at the file position (or at `position`, for rewriting a header in place). */
export function writeAll(fd: number, data: Uint8Array | string, position?: number): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  let done = 0;
  while (done < bytes.byteLength) {
    done += writeSync(fd, bytes, done, bytes.byteLength - done, position === undefined ? null : position + done);
  }
}
