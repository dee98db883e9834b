// Options of `createDatasetWriter`: the output format and what each format needs to know.

import type { BackendChoice } from '../backend/dispatch.js';
import { OptionError } from '../errors.js';
import type { Shift } from '../twin/prepare/options.js';
import { MAX_CHUNK_TOKENS, MAX_ROW_TOKENS } from '../limits.js';
import { describe } from '../validate.js';

export type OutputFormat = 'jsonl' | 'parquet' | 'npy' | 'bin' | 'megatron' | 'litdata' | 'mds' | 'memmap';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['jsonl', 'parquet', 'npy', 'bin', 'megatron', 'litdata', 'mds', 'memmap'];
/** Formats whose output is a directory of token arrays: no kept columns. */
export const TOKEN_ARRAY_FORMATS: readonly OutputFormat[] = ['npy', 'bin', 'megatron', 'litdata', 'mds', 'memmap'];

export interface WriterOptions {
  /** Default: from the path (`.jsonl`, `.parquet`); the other formats write a directory and must be named. */
  format?: OutputFormat;
  ignoreIndex?: number;
  /** npy: rows are padded to this length (required: arrays are rectangular; packed rows use the block size). memmap: the same when given (SFT), else rows are concatenated. */
  length?: number;
  /** npy, memmap: padding id (default 0) and side (default right). */
  padId?: number;
  side?: 'right' | 'left';
  /** npy: element type (default int32). */
  dtype?: 'int32' | 'int64';
  /** bin, megatron, litdata: the vocabulary size; below 65500 tokens are stored as uint16, else int32 (lit-gpt's and Megatron's rule). memmap: uint16 up to 65536, else uint32. */
  vocabSize?: number;
  /** bin, litdata: tokens per chunk file (TinyLlama: `(blockSize + 1) * 1024`). */
  chunkSize?: number;
  /** bin: the id filling the end of the last chunk (TinyLlama: BOS). */
  sepId?: number;
  /** mds: bytes per shard file (MDSWriter's `size_limit`; default 2^26). */
  sizeLimit?: number;
  /** megatron (uint16, int32), litdata (uint16, int32, uint32), memmap (uint16, uint32): the token type instead of the one the vocabulary size picks. */
  tokenDtype?: 'uint16' | 'int32' | 'uint32';
  /** bin: chunk files are `<prefix>_<counter:010>.bin` (default `train`). */
  prefix?: string;
  /** bin: the labels' convention, so rows whose masks the token stream loses are counted (`maskedRows`); megatron, memmap: required, to write the loss mask. */
  shift?: Shift;
  /** Directory formats: write into a non-empty directory that no tokenshift run wrote (only files of the new names are replaced). */
  overwrite?: boolean;
  backend?: BackendChoice;
}

/** What the writers receive: every field present, as the Rust core's `WriterOptions` takes it. */
export interface NormalizedWriterOptions {
  format: OutputFormat;
  ignoreIndex: number;
  length?: number;
  padId: number;
  side: 'right' | 'left';
  dtype: 'int32' | 'int64';
  vocabSize?: number;
  chunkSize?: number;
  sepId?: number;
  sizeLimit?: number;
  tokenDtype?: 'uint16' | 'int32' | 'uint32';
  prefix?: string;
  shift?: Shift;
  overwrite: boolean;
}

export function formatFromPath(path: string): OutputFormat | null {
  if (/\.(jsonl|ndjson)$/.test(path)) return 'jsonl';
  if (path.endsWith('.parquet')) return 'parquet';
  return null;
}

export function normalizeWriterOptions(path: string, options: WriterOptions): NormalizedWriterOptions {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${describe(options)}`);
  const bad = (name: string, message: string) => new OptionError(`invalid option \`${name}\`: ${message}`);
  const format = options.format ?? formatFromPath(path);
  if (format === null) throw bad('format', `cannot tell the format from ${JSON.stringify(path)}: pass one of ${OUTPUT_FORMATS.join(', ')}`);
  if (!OUTPUT_FORMATS.includes(format)) throw bad('format', `must be one of ${OUTPUT_FORMATS.join(', ')}, got ${describe(format)}`);
  const whole = (name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max))
      throw bad(
        name,
        max === Number.MAX_SAFE_INTEGER
          ? `must be a whole number of at least ${min}, got ${describe(v)}`
          : `must be between ${min} and ${max}, got ${describe(v)}`,
      );
  };
  whole('length', options.length, 1, MAX_ROW_TOKENS);
  whole('vocabSize', options.vocabSize, 1);
  whole('chunkSize', options.chunkSize, 1, MAX_CHUNK_TOKENS);
  whole('sepId', options.sepId, 0);
  whole('sizeLimit', options.sizeLimit, 1, 2 ** 32 - 1);
  if (options.tokenDtype !== undefined) {
    // Twin of write/token_width.rs `chosen`: what each format's reader takes.
    const allowed: Partial<Record<OutputFormat, string[]>> = {
      megatron: ['uint16', 'int32'],
      litdata: ['uint16', 'int32', 'uint32'],
      memmap: ['uint16', 'uint32'],
      mds: ['int32'],
    };
    const takes = allowed[format];
    if (!['uint16', 'int32', 'uint32'].includes(options.tokenDtype))
      throw bad('tokenDtype', `must be 'uint16', 'int32' or 'uint32', got ${describe(options.tokenDtype)}`);
    if (takes === undefined) throw bad('tokenDtype', `${format} output has no token type to choose`);
    if (!takes.includes(options.tokenDtype)) throw bad('tokenDtype', `${format} does not store ${options.tokenDtype} tokens (it takes ${takes.join(' or ')})`);
  }
  if (options.overwrite !== undefined && typeof options.overwrite !== 'boolean')
    throw bad('overwrite', `must be true or false, got ${describe(options.overwrite)}`);
  if (options.side !== undefined && options.side !== 'right' && options.side !== 'left') throw bad('side', "must be 'right' or 'left'");
  if (options.dtype !== undefined && options.dtype !== 'int32' && options.dtype !== 'int64') throw bad('dtype', "must be 'int32' or 'int64'");
  if (options.shift !== undefined && options.shift !== 'model' && options.shift !== 'data') throw bad('shift', "must be 'model' or 'data'");
  if (options.prefix !== undefined && (typeof options.prefix !== 'string' || !/^[\w.-]+$/.test(options.prefix)))
    throw bad('prefix', 'must be a file-name prefix (letters, digits, _ . -)');
  if (format === 'npy' && options.length === undefined)
    throw bad('length', 'npy arrays are rectangular: give the row length (CLI: --length N; packed rows use the block size)');
  if (format === 'bin') {
    if (options.vocabSize === undefined) throw bad('vocabSize', 'the bin format needs the vocabulary size to pick uint16 or int32');
    if (options.sepId === undefined) throw bad('sepId', 'the bin format fills the last chunk with a separator id (TinyLlama: BOS)');
    if (options.chunkSize === undefined) throw bad('chunkSize', 'give the tokens per chunk file (TinyLlama: (block_size + 1) * 1024)');
  }
  if (format === 'litdata') {
    if (options.vocabSize === undefined) throw bad('vocabSize', 'the litdata format needs the vocabulary size to pick uint16 or int32');
    if (options.chunkSize === undefined)
      throw bad('chunkSize', 'give the tokens per chunk file (a multiple of the block size: litgpt uses (block_size + 1) * k)');
  }
  if (format === 'megatron' || format === 'memmap') {
    const widths = format === 'megatron' ? 'uint16 or int32' : 'uint16 or uint32';
    if (options.vocabSize === undefined) throw bad('vocabSize', `the ${format} format needs the vocabulary size to pick ${widths}`);
    if (options.shift === undefined)
      throw bad('shift', `the ${format} format needs the labels' convention to write ${format === 'megatron' ? 'the loss mask' : 'label_mask'}`);
  }
  const out: NormalizedWriterOptions = {
    format,
    ignoreIndex: options.ignoreIndex ?? -100,
    padId: options.padId ?? 0,
    side: options.side ?? 'right',
    dtype: options.dtype ?? 'int32',
    overwrite: options.overwrite ?? false,
  };
  for (const key of ['length', 'vocabSize', 'chunkSize', 'sepId', 'sizeLimit', 'tokenDtype', 'prefix', 'shift'] as const) {
    if (options[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = options[key];
  }
  return out;
}
