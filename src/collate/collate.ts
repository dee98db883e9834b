// The public `collate(rows, options)`: rows into row-major `[batch, length]` arrays with padding that is
// never trained. Native when the addon loads (crates/tokenshift-core/src/collate), else this file's twin.

import { loadNativeAddon } from '../backend/native-addon.js';
import { typedNativeError } from '../backend/native-errors.js';
import { checkSize, MAX_COLLATED_CELLS, MAX_ROW_TOKENS } from '../limits.js';
import { OptionError, TokenizeError } from '../errors.js';
import type { Tokenizer } from '../tokenizer.js';
import { describe } from '../validate.js';

export interface CollateOptions {
  /** Pad to this many tokens; default: the longest row. */
  length?: number;
  /** Round the length up to a multiple (e.g. 8). */
  multipleOf?: number;
  side?: 'right' | 'left';
  /** Pad token id; default: the tokenizer config's pad token (`tokenizer` option). */
  padId?: number;
  tokenizer?: Tokenizer;
  ignoreIndex?: number;
  /** `'int32'` (default) gives Int32Arrays; `'int64'` gives BigInt64Arrays, as PyTorch's default dtype. */
  dtype?: 'int32' | 'int64';
  backend?: 'native' | 'ts';
}

export interface Collated<T extends Int32Array | BigInt64Array = Int32Array | BigInt64Array> {
  /** `[batch, length]`. */
  shape: [number, number];
  input_ids: T;
  labels: T;
  attention_mask: T;
  /** Restart per example for packed rows; count from 0 otherwise; 0 on padding. */
  position_ids: T;
}

type CollateInput =
  | { inputIds: Int32Array; labels: Int32Array; offsets: Uint32Array; positionIds?: Int32Array; ignoreIndex?: number }
  | readonly { input_ids: ArrayLike<number>; labels: ArrayLike<number> }[];

function toCsr(rows: CollateInput): { inputIds: Int32Array; labels: Int32Array; offsets: Uint32Array; positionIds: Int32Array | null; ignoreIndex?: number } {
  if (!Array.isArray(rows)) {
    const b = rows as Exclude<CollateInput, readonly unknown[]>;
    if (!(b.inputIds instanceof Int32Array) || !(b.labels instanceof Int32Array) || !(b.offsets instanceof Uint32Array)) {
      throw new TypeError('rows must be a PreparedBatch / PackedBatch or an array of {input_ids, labels}');
    }
    return { inputIds: b.inputIds, labels: b.labels, offsets: b.offsets, positionIds: b.positionIds ?? null, ignoreIndex: b.ignoreIndex };
  }
  const list = rows as readonly { input_ids: ArrayLike<number>; labels: ArrayLike<number> }[];
  const offsets = new Uint32Array(list.length + 1);
  list.forEach((row, r) => {
    if (row?.input_ids === undefined || row.labels === undefined || row.input_ids.length !== row.labels.length) {
      throw new TypeError(`rows[${r}] must have input_ids and labels of the same length`);
    }
    offsets[r + 1] = (offsets[r] as number) + row.input_ids.length;
  });
  const inputIds = new Int32Array(offsets[list.length] as number);
  const labels = new Int32Array(inputIds.length);
  list.forEach((row, r) => {
    inputIds.set(Array.from(row.input_ids), offsets[r]);
    labels.set(Array.from(row.labels), offsets[r]);
  });
  return { inputIds, labels, offsets, positionIds: null };
}

export function collate(rows: CollateInput, options: CollateOptions = {}): Collated {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${describe(options)}`);
  const csr = toCsr(rows);
  const bad = (name: string, message: string) => new OptionError(`invalid option \`${name}\`: ${message}`);
  checkSize('length', options.length, MAX_ROW_TOKENS);
  checkSize('multipleOf', options.multipleOf, MAX_ROW_TOKENS);
  if (options.side !== undefined && options.side !== 'right' && options.side !== 'left') throw bad('side', "must be 'right' or 'left'");
  if (options.dtype !== undefined && options.dtype !== 'int32' && options.dtype !== 'int64') throw bad('dtype', "must be 'int32' or 'int64'");
  const padId = options.padId ?? options.tokenizer?.special_tokens.padId ?? null;
  if (padId === null) throw bad('padId', 'is required: the tokenizer config has no pad token (pass padId, e.g. the EOS id)');
  const normalized = {
    length: options.length ?? null,
    multipleOf: options.multipleOf ?? null,
    side: options.side ?? 'right',
    padId,
    ignoreIndex: options.ignoreIndex ?? csr.ignoreIndex ?? -100,
  };
  const int64 = options.dtype === 'int64';
  const native = options.backend === 'ts' ? undefined : loadNativeAddon();
  if (native !== undefined && 'addon' in native) {
    try {
      const c = native.addon.collate(csr.inputIds, csr.labels, csr.offsets, csr.positionIds ?? undefined, JSON.stringify(normalized), int64);
      return { shape: [c.batch, c.length], input_ids: c.inputIds, labels: c.labels, attention_mask: c.attentionMask, position_ids: c.positionIds };
    } catch (error) {
      throw typedNativeError(error, OptionError);
    }
  }
  if (options.backend === 'native') throw new TokenizeError('backend: native was asked for but the addon did not load');
  return collateInTs(csr, normalized, int64);
}

function collateInTs(
  csr: ReturnType<typeof toCsr>,
  o: { length: number | null; multipleOf: number | null; side: 'right' | 'left'; padId: number; ignoreIndex: number },
  int64: boolean,
): Collated {
  const batch = csr.offsets.length - 1;
  const lens = Array.from({ length: batch }, (_, r) => (csr.offsets[r + 1] as number) - (csr.offsets[r] as number));
  let length = o.length ?? lens.reduce((a, b) => Math.max(a, b), 0);
  if (o.multipleOf !== null) length = Math.ceil(length / o.multipleOf) * o.multipleOf;
  const tooLong = lens.findIndex((n) => n > length);
  if (tooLong >= 0) {
    throw new OptionError(`invalid option \`length\`: row ${tooLong} has ${lens[tooLong]} tokens, more than the padded length ${length}; truncate or pack first`);
  }
  if (batch * length > MAX_COLLATED_CELLS) {
    throw new OptionError(`invalid option \`length\`: ${batch} rows of ${length} tokens exceed ${MAX_COLLATED_CELLS} cells per collated batch; collate fewer rows at a time`);
  }
  const ids = new Int32Array(batch * length).fill(o.padId);
  const labels = new Int32Array(batch * length).fill(o.ignoreIndex);
  const mask = new Int32Array(batch * length);
  const positions = new Int32Array(batch * length);
  lens.forEach((n, r) => {
    const at = r * length + (o.side === 'left' ? length - n : 0);
    const start = csr.offsets[r] as number;
    ids.set(csr.inputIds.subarray(start, start + n), at);
    labels.set(csr.labels.subarray(start, start + n), at);
    mask.fill(1, at, at + n);
    for (let i = 0; i < n; i++) positions[at + i] = csr.positionIds ? (csr.positionIds[start + i] as number) : i;
  });
  const typed = (a: Int32Array) => (int64 ? BigInt64Array.from(a, (v) => BigInt(v)) : a);
  return { shape: [batch, length], input_ids: typed(ids), labels: typed(labels), attention_mask: typed(mask), position_ids: typed(positions) };
}
