// Running counters over a stream of prepared batches: every record in is a row out or a counted skip,
// and `balanced` says so.

import type { EngineCheck, EngineRecords } from '../backend/types.js';
import type { PreparedBatch } from '../prepare/preparer.js';

/** Record numbers listed per kind at most: the counts stay exact, the lists stop (a flood of bad lines must not exhaust memory). */
export const MAX_LISTED_RECORDS = 1000;

export interface SkipList {
  count: number;
  /** The first `MAX_LISTED_RECORDS` records (by arrival); `count - records.length` were left out of the list. */
  records: number[];
  /** How many records are counted but not listed. */
  notListed: number;
}

export interface SkipReasons {
  count: number;
  records: { record: number; reason: string }[];
  notListed: number;
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
  /** The running cross-check of tokenizers 1.0 against 0.23. */
  engineCheck: EngineCheck;
  /** records === rows + skipped.count */
  balanced: boolean;
}

export function emptyTotals(): StreamTotals {
  const list = (): SkipList => ({ count: 0, records: [], notListed: 0 });
  const reasons = (): SkipReasons => ({ count: 0, records: [], notListed: 0 });
  return {
    records: 0,
    rows: 0,
    tokens: 0,
    trainedLabels: 0,
    truncated: list(),
    skipped: { count: 0, tooLong: list(), noTrainableLabels: list(), emptyCompletion: list(), chatTurnNotFound: reasons(), invalid: reasons() },
    lint: { bosRepeated: 0, eotUntrained: 0 },
    engines: { 'tokenizers-1.0': 0, 'tokenizers-0.23': 0, ts: 0 },
    engineCheck: { checked: 0, mismatches: 0, demotion: null },
    balanced: true,
  };
}

/** Adds `count` records (default: those in `records`), listing them while there is room. */
function extend<T>(target: { count: number; records: T[]; notListed: number }, records: readonly T[], count = records.length): void {
  target.count += count;
  const room = Math.max(0, MAX_LISTED_RECORDS - target.records.length);
  for (const r of records.slice(0, room)) target.records.push(r);
  target.notListed = target.count - target.records.length;
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
  addEngineCheck(totals.engineCheck, batch.engineCheck);
  recount(totals);
}

function addEngineCheck(target: EngineCheck, add: EngineCheck): void {
  target.checked += add.checked;
  target.mismatches += add.mismatches;
  target.demotion ??= add.demotion;
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
    extend(out.truncated, t.truncated.records, t.truncated.count);
    extend(out.skipped.tooLong, t.skipped.tooLong.records, t.skipped.tooLong.count);
    extend(out.skipped.noTrainableLabels, t.skipped.noTrainableLabels.records, t.skipped.noTrainableLabels.count);
    // Stats written before empty completions were counted apart have none.
    if (t.skipped.emptyCompletion !== undefined) extend(out.skipped.emptyCompletion, t.skipped.emptyCompletion.records, t.skipped.emptyCompletion.count);
    extend(out.skipped.chatTurnNotFound, t.skipped.chatTurnNotFound.records, t.skipped.chatTurnNotFound.count);
    extend(out.skipped.invalid, t.skipped.invalid.records, t.skipped.invalid.count);
    out.lint.bosRepeated += t.lint.bosRepeated;
    out.lint.eotUntrained += t.lint.eotUntrained;
    // Stats written before engines were counted have none.
    if (t.engines !== undefined) addEngines(out.engines, t.engines);
    if (t.engineCheck !== undefined) addEngineCheck(out.engineCheck, t.engineCheck);
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
