// Twin of crates/tokenshift-core/src/prepare/mod.rs (`Preparer::run`): records → examples → trainable
// tokens → labels → truncation → one flat batch, in input order, with every skip and cut counted.

import { RecordError, errorMessage } from '../errors.js';
import { computeLabels } from './labels.js';
import type { NormalizedPrepareOptions } from './options.js';
import { exampleFromRecord } from './records.js';
import { STATUS_KEPT, STATUS_NO_TRAINABLE, STATUS_TOO_LONG, STATUS_TRUNCATED, type RawPrepared } from './status.js';
import { trainableTokens, type SpanEncoder } from './trainable.js';
import { truncate } from './truncate.js';

export function prepareRecordsJson(encoder: SpanEncoder, options: NormalizedPrepareOptions, eos: number | null, recordsJson: string, jsonLines: boolean): RawPrepared {
  const items: [number, () => unknown][] = [];
  const first = options.firstRecordNumber;
  if (jsonLines) {
    recordsJson.split('\n').forEach((raw, i) => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') return;
      const number = first + i;
      items.push([
        number,
        () => {
          try {
            return JSON.parse(line) as unknown;
          } catch (error) {
            throw new RecordError(number, '(json)', `is not valid JSON: ${errorMessage(error)}`, { cause: error });
          }
        },
      ]);
    });
  } else {
    const records = JSON.parse(recordsJson) as unknown[];
    records.forEach((record, i) => items.push([first + i, () => record]));
  }

  const ids: Int32Array[] = [];
  const labels: Int32Array[] = [];
  const rowRecords: number[] = [];
  const recordStatus = new Uint8Array(items.length);
  const stats = { records: 0, rows: 0, tokens: 0, trainedLabels: 0, truncated: [] as number[], skippedTooLong: [] as number[], skippedNoTrainable: [] as number[] };
  items.forEach(([number, read], index) => {
    const example = exampleFromRecord(read(), number, options.format, options.promptTemplate);
    const tokens = trainableTokens(encoder, example, options.boundary, eos);
    const full = Int32Array.from(tokens.ids);
    const cut = truncate(full, computeLabels(full, tokens.trainable, options.shift, options.ignoreIndex), options.maxLength, options.truncation);
    let status = cut.fit === 'truncated' ? STATUS_TRUNCATED : STATUS_KEPT;
    if (cut.fit === 'too-long') status = STATUS_TOO_LONG;
    else if (cut.labels.every((l) => l === options.ignoreIndex)) status = STATUS_NO_TRAINABLE;
    stats.records += 1;
    recordStatus[index] = status;
    if (status === STATUS_TRUNCATED) stats.truncated.push(number);
    if (status === STATUS_TOO_LONG) stats.skippedTooLong.push(number);
    if (status === STATUS_NO_TRAINABLE) stats.skippedNoTrainable.push(number);
    if (status === STATUS_KEPT || status === STATUS_TRUNCATED) {
      stats.rows += 1;
      stats.tokens += cut.ids.length;
      stats.trainedLabels += cut.labels.filter((l) => l !== options.ignoreIndex).length;
      ids.push(cut.ids);
      labels.push(cut.labels);
      rowRecords.push(number);
    }
  });

  const offsets = new Uint32Array(ids.length + 1);
  ids.forEach((row, r) => (offsets[r + 1] = (offsets[r] as number) + row.length));
  const total = offsets[ids.length] as number;
  const flatIds = new Int32Array(total);
  const flatLabels = new Int32Array(total);
  ids.forEach((row, r) => {
    flatIds.set(row, offsets[r]);
    flatLabels.set(labels[r] as Int32Array, offsets[r]);
  });
  return {
    inputIds: flatIds,
    labels: flatLabels,
    offsets,
    rowRecords: Uint32Array.from(rowRecords),
    recordStatus,
    stats: {
      ...stats,
      truncated: Uint32Array.from(stats.truncated),
      skippedTooLong: Uint32Array.from(stats.skippedTooLong),
      skippedNoTrainable: Uint32Array.from(stats.skippedNoTrainable),
    },
  };
}
