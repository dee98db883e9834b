// Reading the raw-token-array formats back as rows for `lint`, by their descriptions (README "Output
// formats"), not the writers' code: Megatron indexed datasets (input_ids + loss_mask, .bin + .idx) and
// OLMo memmaps (headerless input_ids.npy + label_mask.npy). Their masks are turned into labels in the
// `model` convention (labels[i] = input_ids[i] where token i is trained). Every file must be a regular
// file whose size matches what its index or its companion says, or it is refused before it is read.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

import { TokenshiftError } from '../errors.js';
import type { DatasetRow } from './readers.js';

const IDX_HEADER_BYTES = 34;
const MEGATRON_DTYPES: Record<number, { name: string; bytes: number }> = {
  1: { name: 'uint8', bytes: 1 },
  4: { name: 'int32', bytes: 4 },
  8: { name: 'uint16', bytes: 2 },
};
/** Tokens per row when a memmap's rows are concatenated (no row length in its sidecar). */
const STREAM_ROW_TOKENS = 1 << 20;

/** An open regular file, refused when it is a device or a pipe. */
function openRegular(path: string): { fd: number; size: number } {
  const fd = openSync(path, 'r');
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    throw new TokenshiftError('INPUT', `${path}: not a regular file (a device or a pipe?)`);
  }
  return { fd, size: stat.size };
}

function readExactly(fd: number, path: string, bytes: number, position: number): Buffer {
  const out = Buffer.alloc(bytes);
  let done = 0;
  while (done < bytes) {
    const n = readSync(fd, out, done, bytes - done, position + done);
    if (n === 0) throw new TokenshiftError('INPUT', `${path}: ended early (the file changed while it was read?)`);
    done += n;
  }
  return out;
}

function elements(bytes: Buffer, name: string): ArrayLike<number> {
  const copy = new Uint8Array(bytes);
  if (name === 'uint16') return new Uint16Array(copy.buffer);
  if (name === 'uint32') return new Uint32Array(copy.buffer);
  if (name === 'int32') return new Int32Array(copy.buffer);
  return copy;
}

function maskedLabels(ids: ArrayLike<number>, mask: ArrayLike<number>, path: string, row: number): Int32Array {
  const labels = new Int32Array(ids.length).fill(-100);
  for (let i = 0; i < ids.length; i++) {
    const m = mask[i] as number;
    if (m > 1) throw new TokenshiftError('INPUT', `${path}: row ${row} token ${i} has mask ${m}, not 0 or 1`);
    if (m === 1) labels[i] = ids[i] as number;
  }
  return labels;
}

interface MegatronIndex {
  dtype: { name: string; bytes: number };
  lengths: Int32Array;
  pointers: BigInt64Array;
}

/** A Megatron `.idx`, checked against its own size and its `.bin`'s. */
export function readMegatronIndex(prefix: string): MegatronIndex {
  const path = `${prefix}.idx`;
  const bad = (why: string) => new TokenshiftError('INPUT', `${path}: not a usable Megatron index: ${why}`);
  const { fd, size } = openRegular(path);
  try {
    if (size < IDX_HEADER_BYTES) throw bad(`${size} bytes, shorter than the header`);
    const head = readExactly(fd, path, IDX_HEADER_BYTES, 0);
    if (head.toString('latin1', 0, 9) !== 'MMIDIDX\x00\x00') throw bad('no MMIDIDX header');
    if (head.readBigUInt64LE(9) !== 1n) throw bad(`version ${head.readBigUInt64LE(9)}, expected 1`);
    const dtype = MEGATRON_DTYPES[head.readUInt8(17)];
    if (dtype === undefined) throw bad(`dtype code ${head.readUInt8(17)} is not uint8, uint16 or int32`);
    const sequences = head.readBigUInt64LE(18);
    const documents = head.readBigUInt64LE(26);
    const expected = BigInt(IDX_HEADER_BYTES) + sequences * 12n + documents * 8n;
    if (expected !== BigInt(size)) throw bad(`${sequences} sequences and ${documents} document indices need ${expected} bytes, the file has ${size}`);
    const n = Number(sequences);
    const body = readExactly(fd, path, n * 12, IDX_HEADER_BYTES);
    const lengths = new Int32Array(new Uint8Array(body.subarray(0, n * 4)).buffer);
    const pointers = new BigInt64Array(new Uint8Array(body.subarray(n * 4)).buffer);
    let pointer = 0n;
    for (let s = 0; s < n; s++) {
      if ((lengths[s] as number) < 0 || pointers[s] !== pointer)
        throw bad(`sequence ${s}: length ${lengths[s]} at byte ${pointers[s]}, expected byte ${pointer}`);
      pointer += BigInt((lengths[s] as number) * dtype.bytes);
    }
    const bin = openRegular(`${prefix}.bin`);
    closeSync(bin.fd);
    if (BigInt(bin.size) !== pointer) throw bad(`its sequences need ${pointer} bytes in ${prefix}.bin, which has ${bin.size}`);
    return { dtype, lengths, pointers };
  } finally {
    closeSync(fd);
  }
}

export async function* megatronRows(dir: string): AsyncGenerator<DatasetRow> {
  const tokens = readMegatronIndex(join(dir, 'input_ids'));
  const mask = readMegatronIndex(join(dir, 'loss_mask'));
  if (mask.lengths.length !== tokens.lengths.length || mask.lengths.some((l, s) => l !== tokens.lengths[s]))
    throw new TokenshiftError('INPUT', `${dir}: loss_mask's sequences do not have input_ids' lengths`);
  const tokensFile = openRegular(join(dir, 'input_ids.bin'));
  const maskFile = openRegular(join(dir, 'loss_mask.bin'));
  try {
    for (let s = 0; s < tokens.lengths.length; s++) {
      const n = tokens.lengths[s] as number;
      const ids = elements(readExactly(tokensFile.fd, join(dir, 'input_ids.bin'), n * tokens.dtype.bytes, Number(tokens.pointers[s])), tokens.dtype.name);
      const m = elements(readExactly(maskFile.fd, join(dir, 'loss_mask.bin'), n * mask.dtype.bytes, Number(mask.pointers[s])), mask.dtype.name);
      yield { input_ids: ids, labels: maskedLabels(ids, m, dir, s) };
    }
  } finally {
    closeSync(tokensFile.fd);
    closeSync(maskFile.fd);
  }
}

/** `dtype` and `rowLength` come from the sidecar when there is one; the token width follows from the two files' sizes. */
export async function* memmapRows(dir: string, rowLength: number | null): AsyncGenerator<DatasetRow> {
  const tokensPath = join(dir, 'input_ids.npy');
  const maskPath = join(dir, 'label_mask.npy');
  const tokensFile = openRegular(tokensPath);
  const maskFile = openRegular(maskPath);
  try {
    const count = maskFile.size;
    const width = count === 0 ? 2 : tokensFile.size / count;
    if (width !== 2 && width !== 4)
      throw new TokenshiftError('INPUT', `${dir}: input_ids.npy (${tokensFile.size} bytes) is not 2 or 4 bytes per label_mask.npy byte (${count})`);
    if (rowLength !== null && count % rowLength !== 0)
      throw new TokenshiftError('INPUT', `${dir}: ${count} tokens are not whole rows of ${rowLength} (the sidecar's rowLength)`);
    const step = rowLength ?? STREAM_ROW_TOKENS;
    for (let start = 0, row = 0; start < count; start += step, row++) {
      const n = Math.min(step, count - start);
      const ids = elements(readExactly(tokensFile.fd, tokensPath, n * width, start * width), width === 2 ? 'uint16' : 'uint32');
      const m = elements(readExactly(maskFile.fd, maskPath, n, start), 'uint8');
      yield { input_ids: ids, labels: maskedLabels(ids, m, dir, row) };
    }
  } finally {
    closeSync(tokensFile.fd);
    closeSync(maskFile.fd);
  }
}
