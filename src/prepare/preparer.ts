// The public `createPreparer(tokenizer, options)`: records in, training rows out as flat typed arrays,
// with the label convention (`shift`) a required, recorded choice.

import { OptionError } from '../errors.js';
import type { EngineCheck, EngineRecords, OversizedLines, PreparerBackend } from '../backend/types.js';
import { resolveThreads } from '../threads.js';
import { backendOf } from '../backend/registry.js';
import type { Tokenizer } from '../tokenizer.js';
import { describe } from '../validate.js';
import { normalizePrepareOptions, type NormalizedPrepareOptions, type PrepareOptions } from '../twin/prepare/options.js';
import { RECORD_STATUS, type RawPrepared, type RecordStatusName } from '../twin/prepare/stats.js';

/** One training row, as trainers take it. */
export interface TrainingRow {
  input_ids: number[];
  labels: number[];
  attention_mask: number[];
}

export interface PrepareStats {
  records: number;
  rows: number;
  tokens: number;
  /** Labels that are not the ignore index. */
  trainedLabels: number;
  /** Record numbers of rows cut to `maxLength`. */
  truncated: number[];
  skipped: {
    /** Longer than `maxLength` under `truncation: 'drop'`. */
    tooLong: number[];
    /** Nothing left to learn after truncation (e.g. a prompt filling `maxLength`). */
    noTrainableLabels: number[];
    /** Nothing to learn at all: an empty or whitespace-only completion, output or text, or a conversation whose trained assistant turns are all empty. */
    emptyCompletion: number[];
    /** Chat records whose turns could not be located, with the reason naming the message index. */
    chatTurnNotFound: { record: number; reason: string }[];
    /** Unreadable records skipped under `onError: 'skip'`, with the error naming the field. */
    invalid: { record: number; reason: string }[];
  };
  /** Per-batch lint counts. */
  lint: {
    /** Rows holding the BOS token more than once (template BOS plus tokenizer BOS). */
    bosRepeated: number;
    /** Chat rows whose last trained token is not a special token (end-of-turn marker cut or missed). */
    eotUntrained: number;
    /** Chat records skipped because a turn was not found. */
    turnNotFound: number;
    /** Records skipped with no trainable label. */
    fullyMasked: number;
  };
}

/** A prepared batch: rows in CSR form (`inputIds[offsets[r]..offsets[r+1]]`, same for `labels`). */
export class PreparedBatch {
  readonly inputIds: Int32Array;
  readonly labels: Int32Array;
  readonly offsets: Uint32Array;
  /** Record number of each row. */
  readonly rowRecords: Uint32Array;
  /** One code per input record: 0 kept, 1 truncated, 2 skipped (too long), 3 skipped (no trainable label), 4 skipped (chat turn not found), 5 skipped (invalid, under `onError: 'skip'`), 6 skipped (empty completion). */
  readonly recordStatus: Uint8Array;
  /** Per row, the input columns named by `keep` as one JSON object text (`'{"id":7}'`); undefined without `keep`. */
  readonly kept: readonly string[] | undefined;
  readonly stats: PrepareStats;
  /** Records tokenized by each engine (every engine gives the same ids and masks; this says which ran). */
  readonly engines: EngineRecords;
  /** The running cross-check of the tokenizers 1.0 engine against 0.23 (see `TokenizerOptions.verifyEngine`). */
  readonly engineCheck: EngineCheck;
  /** The convention the labels follow, and the options that made them. */
  readonly shift: NormalizedPrepareOptions['shift'];
  readonly ignoreIndex: number;
  readonly options: Readonly<NormalizedPrepareOptions>;

  constructor(raw: RawPrepared, options: NormalizedPrepareOptions) {
    this.inputIds = raw.inputIds;
    this.labels = raw.labels;
    this.offsets = raw.offsets;
    this.rowRecords = raw.rowRecords;
    this.recordStatus = raw.recordStatus;
    this.kept = options.keep.length > 0 ? raw.kept : undefined;
    this.stats = {
      records: raw.stats.records,
      rows: raw.stats.rows,
      tokens: raw.stats.tokens,
      trainedLabels: raw.stats.trainedLabels,
      truncated: Array.from(raw.stats.truncated),
      skipped: {
        tooLong: Array.from(raw.stats.skippedTooLong),
        noTrainableLabels: Array.from(raw.stats.skippedNoTrainable),
        emptyCompletion: Array.from(raw.stats.skippedEmptyCompletion),
        chatTurnNotFound: Array.from(raw.stats.skippedChatRecords, (record, i) => ({ record, reason: raw.stats.skippedChatReasons[i] ?? '' })),
        invalid: Array.from(raw.stats.skippedInvalidRecords, (record, i) => ({ record, reason: raw.stats.skippedInvalidReasons[i] ?? '' })),
      },
      lint: {
        bosRepeated: raw.stats.bosRepeated,
        eotUntrained: raw.stats.eotUntrained,
        turnNotFound: raw.stats.skippedChatRecords.length,
        fullyMasked: raw.stats.skippedNoTrainable.length,
      },
    };
    this.engines = { 'tokenizers-1.0': raw.stats.pipelineRecords, 'tokenizers-0.23': raw.stats.referenceRecords, ts: raw.stats.tsRecords ?? 0 };
    this.engineCheck = { checked: raw.stats.engineChecked, mismatches: raw.stats.engineMismatches, demotion: raw.stats.engineDemotion ?? null };
    this.shift = options.shift;
    this.ignoreIndex = options.ignoreIndex;
    this.options = options;
  }

  get rowCount(): number {
    return this.offsets.length - 1;
  }

  /** What happened to input record `index` (0-based position in the input). */
  statusOf(index: number): RecordStatusName {
    const code = this.recordStatus[index];
    if (code === undefined) throw new RangeError(`no record at index ${index} (batch has ${this.recordStatus.length})`);
    return RECORD_STATUS[code] as RecordStatusName;
  }

  row(r: number): TrainingRow {
    if (!Number.isInteger(r) || r < 0 || r >= this.rowCount) throw new RangeError(`row ${r} out of range (0..${this.rowCount - 1})`);
    const start = this.offsets[r] as number;
    const end = this.offsets[r + 1] as number;
    return {
      input_ids: Array.from(this.inputIds.subarray(start, end)),
      labels: Array.from(this.labels.subarray(start, end)),
      attention_mask: new Array<number>(end - start).fill(1),
    };
  }

  /** Plain `{input_ids, labels, attention_mask}` objects, one per row. */
  toRows(): TrainingRow[] {
    return Array.from({ length: this.rowCount }, (_, r) => this.row(r));
  }
}

export class Preparer {
  readonly options: Readonly<NormalizedPrepareOptions>;
  /** EOS appended to every example, or null. */
  readonly eosId: number | null;
  private readonly backend: PreparerBackend;
  private readonly threads: number;

  constructor(tokenizer: Tokenizer, options: PrepareOptions) {
    this.options = normalizePrepareOptions(options);
    this.threads = options.threads === undefined ? tokenizer.threads : resolveThreads(options.threads);
    this.backend = backendOf(tokenizer).createPreparer(this.options);
    this.eosId = this.backend.eosId;
  }

  /** Records as objects; record numbers are array positions + `firstRecordNumber`. */
  prepare(records: readonly unknown[]): PreparedBatch {
    return new PreparedBatch(this.backend.prepare(recordLines(records), true, this.threads), this.options as NormalizedPrepareOptions);
  }

  /** Same result as `prepare`, off the JS thread on the native backend. */
  async prepareAsync(records: readonly unknown[], options?: { signal?: AbortSignal }): Promise<PreparedBatch> {
    options?.signal?.throwIfAborted();
    const raw = await this.backend.prepareAsync(recordLines(records), true, this.threads, options?.signal);
    return new PreparedBatch(raw, this.options as NormalizedPrepareOptions);
  }

  /** A JSON array of records as text (e.g. a file's contents), parsed natively. */
  prepareJsonArray(text: string): PreparedBatch {
    if (typeof text !== 'string') throw new TypeError(`text must be a string holding a JSON array, got ${describe(text)}`);
    return new PreparedBatch(this.backend.prepare(text, false, this.threads), this.options as NormalizedPrepareOptions);
  }

  /**
   * JSON lines as bytes (e.g. a chunk of a file read with `fs.createReadStream`, cut at a line end), parsed
   * natively off the JS thread; record numbers are line numbers counted from `firstRecordNumber`.
   * Each line is checked for UTF-8 on its own. `oversized`: lines a reader left out (as blank lines) for their
   * size; they are unreadable records, failing or skipped per `onError`.
   */
  async prepareJsonLinesBytes(
    bytes: Uint8Array,
    options?: { firstRecordNumber?: number; signal?: AbortSignal; oversized?: OversizedLines },
  ): Promise<PreparedBatch> {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array or Buffer, got ${describe(bytes)}`);
    const first = options?.firstRecordNumber ?? this.options.firstRecordNumber;
    if (!Number.isInteger(first) || first < 1 || first > 0xffffffff)
      throw new TypeError(`firstRecordNumber must be a whole number from 1, got ${describe(first)}`);
    options?.signal?.throwIfAborted();
    const raw = await this.backend.prepareBytesAsync(bytes, first, options?.oversized ?? { lines: [], limit: 0 }, this.threads, options?.signal);
    return new PreparedBatch(raw, { ...this.options, firstRecordNumber: first });
  }

  /** JSON-lines text (e.g. a file's contents); record numbers are line numbers. */
  prepareJsonLines(text: string): PreparedBatch {
    if (typeof text !== 'string') throw new TypeError(`text must be a string of JSON lines, got ${describe(text)}`);
    return new PreparedBatch(this.backend.prepare(text, true, this.threads), this.options as NormalizedPrepareOptions);
  }
}

/** Records one call takes (twin of the Rust `MAX_RECORDS_PER_CALL`); larger inputs stream. */
export const MAX_RECORDS_PER_CALL = 2 ** 22;

/**
 * Records as JSON lines, one per record (JSON.stringify never writes a raw newline), so a record the
 * core cannot read (a lone surrogate) is one bad record with its number, not a failed batch.
 */
function recordLines(records: readonly unknown[]): string {
  if (!Array.isArray(records)) throw new TypeError(`records must be an array, got ${describe(records)}`);
  if (records.length > MAX_RECORDS_PER_CALL) {
    throw new OptionError(
      `invalid option \`records\`: one call takes at most ${MAX_RECORDS_PER_CALL} records, got ${records.length}: stream larger inputs (prepareIter, prepareStream, or the CLI)`,
    );
  }
  const lines = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) lines[i] = JSON.stringify(records[i]) ?? 'null';
  return lines.join('\n');
}

/**
 * Validates `options` once and returns a preparer bound to `tokenizer`. `shift` is required: say whether
 * your trainer's model shifts labels (`'model'`) or your loss expects them shifted (`'data'`).
 */
export function createPreparer(tokenizer: Tokenizer, options: PrepareOptions): Preparer {
  return new Preparer(tokenizer, options);
}
