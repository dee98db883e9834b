// The public `collate(rows, options)`: rows into row-major `[batch, length]` arrays with padding that is
// never trained. Native when the addon loads (crates/tokenshift-core/src/collate), else the TS twin (src/twin/collate).

import { nativeAddonFor, type BackendChoice } from '../backend/dispatch.js';
import { typedNativeError } from '../backend/native-errors.js';
import { checkSize, MAX_ROW_TOKENS } from '../limits.js';
import { collateRows } from '../twin/collate/mod.js';
import { flatten, validateRows } from '../twin/rows.js';
import { OptionError } from '../errors.js';
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
  backend?: BackendChoice;
}

export type { Collated } from '../twin/collate/mod.js';
import type { Collated } from '../twin/collate/mod.js';

type CollateInput =
  | { inputIds: Int32Array; labels: Int32Array; offsets: Uint32Array; positionIds?: Int32Array; ignoreIndex?: number }
  | readonly { input_ids: ArrayLike<number>; labels: ArrayLike<number> }[];

function toCsr(rows: CollateInput): { inputIds: Int32Array; labels: Int32Array; offsets: Uint32Array; positionIds: Int32Array | null; ignoreIndex?: number } {
  if (!Array.isArray(rows)) {
    const b = rows as Exclude<CollateInput, readonly unknown[]>;
    if (!(b.inputIds instanceof Int32Array) || !(b.labels instanceof Int32Array) || !(b.offsets instanceof Uint32Array)) {
      throw new TypeError('rows must be a PreparedBatch / PackedBatch or an array of {input_ids, labels}');
    }
    validateRows(b);
    return { inputIds: b.inputIds, labels: b.labels, offsets: b.offsets, positionIds: b.positionIds ?? null, ignoreIndex: b.ignoreIndex };
  }
  const list = rows as readonly { input_ids: ArrayLike<number>; labels: ArrayLike<number> }[];
  list.forEach((row, r) => {
    if (row?.input_ids === undefined || row.labels === undefined || row.input_ids.length !== row.labels.length) {
      throw new TypeError(`rows[${r}] must have input_ids and labels of the same length`);
    }
  });
  const { values: inputIds, offsets } = flatten(
    list.map((row) => Array.from(row.input_ids)),
    (n) => new Int32Array(n),
  );
  const labels = flatten(
    list.map((row) => Array.from(row.labels)),
    (n) => new Int32Array(n),
  ).values;
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
  const addon = nativeAddonFor(options.backend, 'collate');
  if (addon !== null) {
    try {
      const c = addon.collate(csr.inputIds, csr.labels, csr.offsets, csr.positionIds ?? undefined, JSON.stringify(normalized), int64);
      return { shape: [c.batch, c.length], input_ids: c.inputIds, labels: c.labels, attention_mask: c.attentionMask, position_ids: c.positionIds };
    } catch (error) {
      throw typedNativeError(error, OptionError);
    }
  }
  return collateRows(csr, normalized, int64);
}
