// Twin of crates/tokenshift-core/src/align/check.rs: counts, over every labelled position, whether the label
// is the token at that position, the next or the one after, and flags rows against the expected convention.

import type { Shift } from '../prepare/options.js';

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

function classify(labelled: number, same: number, next: number, afterNext: number): DetectedConvention {
  if (labelled === 0) return 'undetermined';
  const best = Math.max(same, next, afterNext);
  const winners = [same, next, afterNext].filter((c) => c === best).length;
  if (winners > 1 || best * 10 < labelled * 9) return 'undetermined';
  return best === same ? 'model' : best === next ? 'data' : 'double-shifted';
}

export function checkRows(
  ids: Int32Array,
  labels: Int32Array,
  offsets: Uint32Array,
  labelOffsets: Uint32Array,
  expected: Shift,
  ignore: number,
  eos: number | null,
): Omit<AlignmentReport, 'expected' | 'ok'> {
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
