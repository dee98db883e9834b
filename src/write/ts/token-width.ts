// Bytes per token in formats that store raw token arrays, chosen from the vocabulary size by the rule of
// the reading trainer; twin of crates/tokenshift-core/src/write/token_width.rs.

import { OptionError } from '../../errors.js';

export type TokenWidth = 'uint16' | 'int32' | 'uint32';

/** Megatron's `DType.optimal_dtype`: uint16 below 65,500, else int32. */
export function megatronWidth(vocabSize: number): TokenWidth {
  return vocabSize < 65500 ? 'uint16' : 'int32';
}

/** OLMo / dolma memmaps: uint16 while every id fits it, else uint32. */
export function memmapWidth(vocabSize: number): TokenWidth {
  return vocabSize <= 65536 ? 'uint16' : 'uint32';
}

const MAX: Record<TokenWidth, number> = { uint16: 0xffff, int32: 0x7fffffff, uint32: 0x7fffffff };

/** `ids` little-endian in `width`; `row` (0-based over the whole output) names the row in the error. */
export function tokenBytes(ids: Int32Array, width: TokenWidth, row: number, option: string): Uint8Array {
  const bad = ids.find((id) => id < 0 || id > MAX[width]);
  if (bad !== undefined)
    throw new OptionError(`invalid option \`${option}\`: token id ${bad} in row ${row} does not fit ${width}; pass the tokenizer's vocabulary size`);
  // x86-64 and arm64 are little-endian, so a typed array's memory is the file's byte order.
  const typed = width === 'uint16' ? Uint16Array.from(ids) : width === 'uint32' ? Uint32Array.from(ids) : ids;
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}
