// The public `pack(batch, options)`: prepared rows into rows of `blockSize` tokens, natively when the
// addon loads (crates/tokenshift-core/src/pack), else with the TS twin (src/twin/pack).

import { MAX_ROW_TOKENS } from '../limits.js';
import { nativeAddonFor, type BackendChoice } from '../backend/dispatch.js';
import { typedNativeError } from '../backend/native-errors.js';
import { OptionError } from '../errors.js';
import type { Shift, Truncation } from '../twin/prepare/options.js';
import { describe } from '../validate.js';
import { packBfd } from '../twin/pack/bfd.js';
import type { NormalizedPackOptions, RawPacked } from '../twin/pack/mod.js';
import { packWrapped } from '../twin/pack/wrapped.js';
import { validateRows } from '../twin/rows.js';

export interface PackOptions {
  /** `'bfd'`: whole examples, best-fit decreasing (fine-tuning). `'wrapped'`: one stream cut into windows (pretraining). */
  mode: 'bfd' | 'wrapped';
  blockSize: number;
  /** Defaults to the batch's own `shift` when it has one. */
  shift?: Shift;
  ignoreIndex?: number;
  /** bfd: examples longer than `blockSize` (default `'right'`). */
  truncation?: Truncation;
  /** wrapped: the incomplete last window, `'drop'` (default) or `'pad'`. */
  tail?: 'drop' | 'pad';
  /** wrapped with `tail: 'pad'`: the pad id (default 0). */
  padId?: number;
  backend?: BackendChoice;
}

/** Packed rows: `inputIds[offsets[r]..offsets[r+1]]` (same for labels and positionIds); row r holds examples of lengths `seqLens[seqOffsets[r]..seqOffsets[r+1]]`. */
export class PackedBatch {
  readonly inputIds: Int32Array;
  readonly labels: Int32Array;
  readonly positionIds: Int32Array;
  readonly offsets: Uint32Array;
  readonly seqLens: Uint32Array;
  readonly seqOffsets: Uint32Array;
  readonly stats: RawPacked['stats'] & { efficiency: number };
  readonly shift: Shift;
  readonly ignoreIndex: number;

  constructor(raw: RawPacked, options: NormalizedPackOptions) {
    this.inputIds = raw.inputIds;
    this.labels = raw.labels;
    this.positionIds = raw.positionIds;
    this.offsets = raw.offsets;
    this.seqLens = raw.seqLens;
    this.seqOffsets = raw.seqOffsets;
    const all = raw.stats.tokens + raw.stats.padTokens;
    this.stats = { ...raw.stats, efficiency: all === 0 ? 0 : raw.stats.tokens / all };
    this.shift = options.shift;
    this.ignoreIndex = options.ignoreIndex;
  }

  get rowCount(): number {
    return this.offsets.length - 1;
  }

  row(r: number): { input_ids: number[]; labels: number[]; position_ids: number[]; seq_lens: number[] } {
    if (!Number.isInteger(r) || r < 0 || r >= this.rowCount) throw new RangeError(`row ${r} out of range (0..${this.rowCount - 1})`);
    const [a, b] = [this.offsets[r] as number, this.offsets[r + 1] as number];
    return {
      input_ids: Array.from(this.inputIds.subarray(a, b)),
      labels: Array.from(this.labels.subarray(a, b)),
      position_ids: Array.from(this.positionIds.subarray(a, b)),
      seq_lens: Array.from(this.seqLens.subarray(this.seqOffsets[r], this.seqOffsets[r + 1])),
    };
  }

  /** Cumulative example lengths over all rows (flash-attention varlen `cu_seqlens`). */
  cuSeqlens(): Int32Array {
    const out = new Int32Array(this.seqLens.length + 1);
    this.seqLens.forEach((n, i) => (out[i + 1] = (out[i] as number) + n));
    return out;
  }
}

type PackInput = { inputIds: Int32Array; labels: Int32Array; offsets: Uint32Array; shift?: Shift; ignoreIndex?: number };

export function normalizePackOptions(options: unknown, batch: PackInput): NormalizedPackOptions {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object with mode and blockSize, got ${describe(options)}`);
  const o = options as PackOptions;
  const bad = (name: string, message: string) => new OptionError(`invalid option \`${name}\`: ${message}`);
  if (o.mode !== 'bfd' && o.mode !== 'wrapped') throw bad('mode', `must be 'bfd' or 'wrapped', got ${describe(o.mode)}`);
  if (!Number.isInteger(o.blockSize) || o.blockSize < 2 || o.blockSize > MAX_ROW_TOKENS)
    throw bad('blockSize', `must be a whole number between 2 and ${MAX_ROW_TOKENS}, got ${describe(o.blockSize)}`);
  const shift = o.shift ?? batch.shift;
  if (shift !== 'model' && shift !== 'data') throw bad('shift', `is required for rows without one: 'model' or 'data', got ${describe(shift)}`);
  if (o.truncation !== undefined && !['right', 'left', 'drop'].includes(o.truncation)) throw bad('truncation', `must be 'right', 'left' or 'drop'`);
  if (o.tail !== undefined && o.tail !== 'drop' && o.tail !== 'pad') throw bad('tail', `must be 'drop' or 'pad'`);
  return {
    mode: o.mode,
    blockSize: o.blockSize,
    shift,
    ignoreIndex: o.ignoreIndex ?? batch.ignoreIndex ?? -100,
    truncation: o.truncation ?? 'right',
    tail: o.tail ?? 'drop',
    padId: o.padId ?? 0,
  };
}

/** Packs a `PreparedBatch` (or any CSR rows) into rows of `blockSize` tokens. Same result on both backends. */
export function pack(batch: PackInput, options: PackOptions): PackedBatch {
  if (!(batch?.inputIds instanceof Int32Array) || !(batch.labels instanceof Int32Array) || !(batch.offsets instanceof Uint32Array)) {
    throw new TypeError('batch must have inputIds and labels (Int32Array) and offsets (Uint32Array), e.g. a PreparedBatch');
  }
  const normalized = normalizePackOptions(options, batch);
  const addon = nativeAddonFor(options.backend, 'pack');
  let raw: RawPacked;
  if (addon !== null) {
    try {
      raw = addon.pack(batch.inputIds, batch.labels, batch.offsets, JSON.stringify(normalized));
    } catch (error) {
      throw typedNativeError(error, OptionError);
    }
  } else {
    validateRows(batch);
    raw = normalized.mode === 'bfd' ? packBfd(batch, normalized) : packWrapped(batch, normalized);
  }
  return new PackedBatch(raw, normalized);
}
