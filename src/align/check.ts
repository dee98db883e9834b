// `checkAlignment`: which label convention do these rows follow? Native when the addon loads
// (crates/tokenshift-core/src/align/check.rs), else the TS twin (src/twin/align/check.ts).

import { nativeAddonFor, type BackendChoice } from '../backend/dispatch.js';
import { typedNativeError } from '../backend/native-errors.js';
import { OptionError } from '../errors.js';
import type { Shift } from '../twin/prepare/options.js';
import { flatten } from '../twin/rows.js';
import { describe } from '../validate.js';

export type { AlignmentReport, DetectedConvention } from '../twin/align/check.js';
import { checkRows, type AlignmentReport, type DetectedConvention } from '../twin/align/check.js';

export interface CheckAlignmentOptions {
  shift: Shift;
  ignoreIndex?: number;
  /** Flags rows whose last EOS token is left untrained. */
  eosId?: number | null;
  backend?: BackendChoice;
}

/** Rows as objects, or a batch in CSR form (e.g. a `PreparedBatch`). */
export type AlignmentInput =
  readonly { input_ids: ArrayLike<number>; labels: ArrayLike<number> }[] | { inputIds: Int32Array; labels: Int32Array; offsets: Uint32Array };

export function checkAlignment(rows: AlignmentInput, options: CheckAlignmentOptions): AlignmentReport {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object with \`shift\`, got ${describe(options)}`);
  if (options.shift !== 'model' && options.shift !== 'data')
    throw new OptionError(`invalid option \`shift\`: must be 'model' or 'data', got ${describe(options.shift)}`);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const eos = options.eosId ?? null;
  const { ids, labels, offsets, labelOffsets } = toCsr(rows);
  const addon = nativeAddonFor(options.backend, 'checkAlignment');
  let counts: Omit<AlignmentReport, 'expected' | 'ok'>;
  if (addon !== null) {
    let r: ReturnType<typeof addon.checkAlignment>;
    try {
      r = addon.checkAlignment(ids, labels, offsets, labelOffsets, options.shift, ignoreIndex, eos ?? undefined);
    } catch (error) {
      throw typedNativeError(error, OptionError);
    }
    counts = {
      rows: r.rows,
      labelled: r.labelled,
      samePosition: r.samePosition,
      nextPosition: r.nextPosition,
      afterNextPosition: r.afterNextPosition,
      detected: r.detected as DetectedConvention,
      flagged: {
        doubleShifted: Array.from(r.doubleShiftedRows),
        unshifted: Array.from(r.unshiftedRows),
        fullyMasked: Array.from(r.fullyMaskedRows),
        maskedEos: Array.from(r.maskedEosRows),
        lengthMismatch: Array.from(r.lengthMismatchRows),
      },
    };
  } else {
    counts = checkRows(ids, labels, offsets, labelOffsets, options.shift, ignoreIndex, eos);
  }
  const flaggedCount = Object.values(counts.flagged).reduce((n, list) => n + list.length, 0);
  return { ...counts, expected: options.shift, ok: counts.detected === options.shift && flaggedCount === 0 };
}

function toCsr(rows: AlignmentInput): { ids: Int32Array; labels: Int32Array; offsets: Uint32Array; labelOffsets: Uint32Array } {
  if (!Array.isArray(rows)) {
    const batch = rows as { inputIds: Int32Array; labels: Int32Array; offsets: Uint32Array };
    if (!(batch.inputIds instanceof Int32Array) || !(batch.labels instanceof Int32Array) || !(batch.offsets instanceof Uint32Array)) {
      throw new TypeError('rows must be an array of {input_ids, labels} or a batch with inputIds/labels (Int32Array) and offsets (Uint32Array)');
    }
    return { ids: batch.inputIds, labels: batch.labels, offsets: batch.offsets, labelOffsets: batch.offsets };
  }
  const list = rows as readonly { input_ids: ArrayLike<number>; labels: ArrayLike<number> }[];
  list.forEach((row, r) => {
    if (row === null || typeof row !== 'object' || row.input_ids === undefined || row.labels === undefined) {
      throw new TypeError(`rows[${r}] must have input_ids and labels, got ${describe(row)}`);
    }
  });
  // Labels get their own offsets: a row whose labels differ in length is counted, not refused.
  const { values: ids, offsets } = flatten(
    list.map((row) => Array.from(row.input_ids)),
    (n) => new Int32Array(n),
  );
  const { values: labels, offsets: labelOffsets } = flatten(
    list.map((row) => Array.from(row.labels)),
    (n) => new Int32Array(n),
  );
  return { ids, labels, offsets, labelOffsets };
}
