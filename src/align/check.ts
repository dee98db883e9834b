// `checkAlignment`: which label convention do these rows follow? Twin of
// crates/tokenshift-core/src/align/check.rs; the native one is used when the addon loads.

import { loadNativeAddon } from '../backend/native-addon.js';
import { typedNativeError } from '../backend/native-errors.js';
import { OptionError } from '../errors.js';
import type { Shift } from '../prepare/options.js';
import { describe } from '../validate.js';

export type DetectedConvention = 'model' | 'data' | 'double-shifted' | 'undetermined';

export interface AlignmentReport {
  rows: number;
  /** Positions whose label is not the ignore index. */
  labelled: number;
  /** Labelled positions with labels[i] == input_ids[i] (the model shifts). */
  samePosition: number;
  /** Labelled positions with labels[i] == input_ids[i+1] (shifted in the data). */
  nextPosition: number;
  /** Labelled positions with labels[i] == input_ids[i+2] (shifted twice). */
  afterNextPosition: number;
  /** The convention the counts support (undetermined when none reaches 90% of labelled positions). */
  detected: DetectedConvention;
  expected: Shift;
  /** Whether the detected convention is the expected one and no row is flagged. */
  ok: boolean;
  /** 0-based row indices. */
  flagged: {
    doubleShifted: number[];
    unshifted: number[];
    fullyMasked: number[];
    maskedEos: number[];
    lengthMismatch: number[];
  };
}

export interface CheckAlignmentOptions {
  shift: Shift;
  ignoreIndex?: number;
  /** Flags rows whose last EOS token is left untrained. */
  eosId?: number | null;
  backend?: 'native' | 'ts';
}

/** Rows as objects, or a batch in CSR form (e.g. a `PreparedBatch`). */
export type AlignmentInput =
  | readonly { input_ids: ArrayLike<number>; labels: ArrayLike<number> }[]
  | { inputIds: Int32Array; labels: Int32Array; offsets: Uint32Array };

export function checkAlignment(rows: AlignmentInput, options: CheckAlignmentOptions): AlignmentReport {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object with \`shift\`, got ${describe(options)}`);
  if (options.shift !== 'model' && options.shift !== 'data') throw new OptionError(`invalid option \`shift\`: must be 'model' or 'data', got ${describe(options.shift)}`);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const eos = options.eosId ?? null;
  const { ids, labels, offsets, labelOffsets } = toCsr(rows);
  const native = options.backend === 'ts' ? undefined : loadNativeAddon();
  let counts: Omit<AlignmentReport, 'expected' | 'ok'>;
  if (native !== undefined && 'addon' in native) {
    let r: ReturnType<typeof native.addon.checkAlignment>;
    try {
      r = native.addon.checkAlignment(ids, labels, offsets, labelOffsets, options.shift, ignoreIndex, eos ?? undefined);
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
    counts = checkInTs(ids, labels, offsets, labelOffsets, options.shift, ignoreIndex, eos);
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
  const offsets = new Uint32Array(list.length + 1);
  const labelOffsets = new Uint32Array(list.length + 1);
  list.forEach((row, r) => {
    if (row === null || typeof row !== 'object' || row.input_ids === undefined || row.labels === undefined) {
      throw new TypeError(`rows[${r}] must have input_ids and labels, got ${describe(row)}`);
    }
    offsets[r + 1] = (offsets[r] as number) + row.input_ids.length;
    labelOffsets[r + 1] = (labelOffsets[r] as number) + row.labels.length;
  });
  const ids = new Int32Array(offsets[list.length] as number);
  const labels = new Int32Array(labelOffsets[list.length] as number);
  list.forEach((row, r) => {
    ids.set(Array.from(row.input_ids), offsets[r]);
    labels.set(Array.from(row.labels), labelOffsets[r]);
  });
  return { ids, labels, offsets, labelOffsets };
}

function classify(labelled: number, same: number, next: number, afterNext: number): DetectedConvention {
  if (labelled === 0) return 'undetermined';
  const best = Math.max(same, next, afterNext);
  const winners = [same, next, afterNext].filter((c) => c === best).length;
  if (winners > 1 || best * 10 < labelled * 9) return 'undetermined';
  return best === same ? 'model' : best === next ? 'data' : 'double-shifted';
}

function checkInTs(ids: Int32Array, labels: Int32Array, offsets: Uint32Array, labelOffsets: Uint32Array, expected: Shift, ignore: number, eos: number | null): Omit<AlignmentReport, 'expected' | 'ok'> {
  const totals = { labelled: 0, same: 0, next: 0, afterNext: 0 };
  const flagged: AlignmentReport['flagged'] = { doubleShifted: [], unshifted: [], fullyMasked: [], maskedEos: [], lengthMismatch: [] };
  const rows = Math.max(0, Math.min(offsets.length, labelOffsets.length) - 1);
  for (let r = 0; r < rows; r++) {
    const rowIds = ids.subarray(offsets[r], offsets[r + 1]);
    const rowLabels = labels.subarray(labelOffsets[r], labelOffsets[r + 1]);
    if (rowIds.length !== rowLabels.length) {
      flagged.lengthMismatch.push(r);
      continue;
    }
    let labelled = 0;
    let same = 0;
    let next = 0;
    let afterNext = 0;
    rowLabels.forEach((label, i) => {
      if (label === ignore) return;
      labelled++;
      if (rowIds[i] === label) same++;
      if (rowIds[i + 1] === label) next++;
      if (rowIds[i + 2] === label) afterNext++;
    });
    totals.labelled += labelled;
    totals.same += same;
    totals.next += next;
    totals.afterNext += afterNext;
    if (labelled === 0) {
      flagged.fullyMasked.push(r);
      continue;
    }
    const seen = classify(labelled, same, next, afterNext);
    if (expected === 'model' && (seen === 'data' || seen === 'double-shifted')) flagged.doubleShifted.push(r);
    if (expected === 'data' && seen === 'double-shifted') flagged.doubleShifted.push(r);
    if (expected === 'data' && seen === 'model') flagged.unshifted.push(r);
    if (eos !== null) {
      const j = rowIds.lastIndexOf(eos);
      const at = expected === 'model' ? j : j - 1;
      if (j >= 0 && at >= 0 && rowLabels[at] === ignore) flagged.maskedEos.push(r);
    }
  }
  return {
    rows,
    labelled: totals.labelled,
    samePosition: totals.same,
    nextPosition: totals.next,
    afterNextPosition: totals.afterNext,
    detected: classify(totals.labelled, totals.same, totals.next, totals.afterNext),
    flagged,
  };
}
