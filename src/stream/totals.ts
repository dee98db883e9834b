// Running counters over a stream of prepared batches: every record in is a row out or a counted skip,
// and `balanced` says so.

import type { EngineRecords } from '../backend/types.js';
import type { PreparedBatch } from '../prepare/preparer.js';

export interface SkipList {
  count: number;
  records: number[];
}

export interface SkipReasons {
  count: number;
  records: { record: number; reason: string }[];
}

export interface StreamTotals {
  records: number;
  rows: number;
  tokens: number;
  trainedLabels: number;
  truncated: SkipList;
  skipped: {
    count: number;
    tooLong: SkipList;
    noTrainableLabels: SkipList;
    emptyCompletion: SkipList;
    chatTurnNotFound: SkipReasons;
    invalid: SkipReasons;
  };
  lint: { bosRepeated: number; eotUntrained: number };
  /** Records tokenized by each engine. */
  engines: EngineRecords;
  /** records === rows + skipped.count */
  balanced: boolean;
}

export function emptyTotals(): StreamTotals {
  const list = (): SkipList => ({ count: 0, records: [] });
  const reasons = (): SkipReasons => ({ count: 0, records: [] });
  return {
    records: 0,
    rows: 0,
    tokens: 0,
    trainedLabels: 0,
    truncated: list(),
    skipped: { count: 0, tooLong: list(), noTrainableLabels: list(), emptyCompletion: list(), chatTurnNotFound: reasons(), invalid: reasons() },
    lint: { bosRepeated: 0, eotUntrained: 0 },
    engines: { 'tokenizers-1.0': 0, 'tokenizers-0.23': 0, ts: 0 },
    balanced: true,
  };
}

function extend<T>(target: { count: number; records: T[] }, records: readonly T[]): void {
  target.count += records.length;
  for (const r of records) target.records.push(r);
}

export function addBatch(totals: StreamTotals, batch: PreparedBatch): void {
  const s = batch.stats;
  totals.records += s.records;
  totals.rows += s.rows;
  totals.tokens += s.tokens;
  totals.trainedLabels += s.trainedLabels;
  extend(totals.truncated, s.truncated);
  extend(totals.skipped.tooLong, s.skipped.tooLong);
  extend(totals.skipped.noTrainableLabels, s.skipped.noTrainableLabels);
  extend(totals.skipped.emptyCompletion, s.skipped.emptyCompletion);
  extend(totals.skipped.chatTurnNotFound, s.skipped.chatTurnNotFound);
  extend(totals.skipped.invalid, s.skipped.invalid);
  totals.lint.bosRepeated += s.lint.bosRepeated;
  totals.lint.eotUntrained += s.lint.eotUntrained;
  addEngines(totals.engines, batch.engines);
  recount(totals);
}

function addEngines(target: EngineRecords, add: EngineRecords): void {
  for (const name of Object.keys(target) as (keyof EngineRecords)[]) target[name] += add[name] ?? 0;
}

export function recount(totals: StreamTotals): void {
  const k = totals.skipped;
  k.count = k.tooLong.count + k.noTrainableLabels.count + k.emptyCompletion.count + k.chatTurnNotFound.count + k.invalid.count;
  totals.balanced = totals.records === totals.rows + k.count;
}

/** Sums the totals of shards (or any parts) of one job. */
export function mergeTotals(parts: readonly StreamTotals[]): StreamTotals {
  const out = emptyTotals();
  for (const t of parts) {
    out.records += t.records;
    out.rows += t.rows;
    out.tokens += t.tokens;
    out.trainedLabels += t.trainedLabels;
    extend(out.truncated, t.truncated.records);
    extend(out.skipped.tooLong, t.skipped.tooLong.records);
    extend(out.skipped.noTrainableLabels, t.skipped.noTrainableLabels.records);
    // Stats written before empty completions were counted apart have none.
    if (t.skipped.emptyCompletion !== undefined) extend(out.skipped.emptyCompletion, t.skipped.emptyCompletion.records);
    extend(out.skipped.chatTurnNotFound, t.skipped.chatTurnNotFound.records);
    extend(out.skipped.invalid, t.skipped.invalid.records);
    out.lint.bosRepeated += t.lint.bosRepeated;
    out.lint.eotUntrained += t.lint.eotUntrained;
    // Stats written before engines were counted have none.
    if (t.engines !== undefined) addEngines(out.engines, t.engines);
  }
  const byNumber = (a: number, b: number) => a - b;
  const byRecord = (a: { record: number }, b: { record: number }) => a.record - b.record;
  out.truncated.records.sort(byNumber);
  out.skipped.tooLong.records.sort(byNumber);
  out.skipped.noTrainableLabels.records.sort(byNumber);
  out.skipped.emptyCompletion.records.sort(byNumber);
  out.skipped.chatTurnNotFound.records.sort(byRecord);
  out.skipped.invalid.records.sort(byRecord);
  recount(out);
  return out;
}
