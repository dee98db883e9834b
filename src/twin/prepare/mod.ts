// Twin of crates/tokenshift-core/src/prepare/mod.rs (`Preparer::run`): records → examples → trainable
// tokens → labels → truncation → one flat batch, in input order, with every skip and cut counted.

import { RecordError, errorMessage } from '../../errors.js';
import { MAX_RECORD_TEXT_BYTES } from '../../limits.js';
import { applyColumns, columnMapping, explainColumn, keptColumnsOf } from './columns.js';
import { computeLabels } from './labels.js';
import type { NormalizedPrepareOptions } from './options.js';
import { chatExample, type ChatSetup, type EarlySkip } from './chat_setup.js';
import { recordItems, type RecordsInput } from './input.js';
import { exampleFromRecord, recordFormat, type Example } from './records.js';
import {
  STATUS_CHAT_TURN,
  STATUS_EMPTY_COMPLETION,
  STATUS_INVALID,
  STATUS_KEPT,
  STATUS_NO_TRAINABLE,
  STATUS_TOO_LONG,
  STATUS_TRUNCATED,
  type RawPrepared,
} from './stats.js';
import { trainableTokens, type SpanEncoder } from './trainable.js';
import { truncate } from './truncate.js';
import { flatten } from '../rows.js';
import { isWhitespaceOnly } from '../../validate.js';

export function prepareRecords(encoder: SpanEncoder, options: NormalizedPrepareOptions, eos: number | null, input: RecordsInput, chat: ChatSetup): RawPrepared {
  const items = recordItems(input, options);
  const columns = columnMapping(options);
  const ids: Int32Array[] = [];
  const labels: Int32Array[] = [];
  const rowRecords: number[] = [];
  const kept: string[] = [];
  const recordStatus = new Uint8Array(items.length);
  const stats = {
    records: 0,
    rows: 0,
    tokens: 0,
    trainedLabels: 0,
    truncated: [] as number[],
    skippedTooLong: [] as number[],
    skippedNoTrainable: [] as number[],
    skippedEmptyCompletion: [] as number[],
    skippedChatRecords: [] as number[],
    skippedChatReasons: [] as string[],
    skippedInvalidRecords: [] as number[],
    skippedInvalidReasons: [] as string[],
    bosRepeated: 0,
    eotUntrained: 0,
    pipelineRecords: 0,
    referenceRecords: 0,
    engineChecked: 0,
    engineMismatches: 0,
    tsRecords: 0,
  };
  items.forEach(([number, read], index) => {
    let example: Example | EarlySkip;
    let tokens: ReturnType<typeof trainableTokens> | undefined;
    let keptColumns: string | null = null;
    try {
      const original = read();
      if (options.keep.length > 0) keptColumns = keptColumnsOf(original, options.keep);
      const record = applyColumns(columns, original);
      const format = recordFormat(record, number, options.format);
      example = format === 'chat' ? chatExample(chat, options, record, number) : exampleFromRecord(record, number, format, options.promptTemplate);
      if ('kind' in example) {
        const textBytes = Buffer.byteLength(example.prompt) + Buffer.byteLength(example.completion);
        if (textBytes > MAX_RECORD_TEXT_BYTES)
          throw new RecordError(number, '(record)', `holds ${textBytes} bytes of text, over the limit of ${MAX_RECORD_TEXT_BYTES} per record`);
      }
      if ('kind' in example && example.kind !== 'chat' && isWhitespaceOnly(example.completion)) example = { status: STATUS_EMPTY_COMPLETION };
      if ('kind' in example) tokens = trainableTokens(encoder, example, options.boundary, example.kind === 'chat' ? null : eos);
    } catch (thrown) {
      const error = explainColumn(columns, thrown);
      if (options.onError !== 'skip') throw error;
      stats.records += 1;
      recordStatus[index] = STATUS_INVALID;
      stats.skippedInvalidRecords.push(number);
      stats.skippedInvalidReasons.push(errorMessage(error));
      return;
    }
    stats.records += 1;
    if (tokens !== undefined) stats.tsRecords += 1;
    if ('status' in example) {
      recordStatus[index] = example.status;
      if (example.status === STATUS_CHAT_TURN) {
        stats.skippedChatRecords.push(number);
        stats.skippedChatReasons.push(example.reason);
      } else {
        stats.skippedEmptyCompletion.push(number);
      }
      return;
    }
    const isChat = example.kind === 'chat';
    if (tokens === undefined) throw new Error('unreachable: tokens are computed for every example');
    const full = Int32Array.from(tokens.ids);
    const cut = truncate(full, computeLabels(full, tokens.trainable, options.shift, options.ignoreIndex), options.maxLength, options.truncation);
    let status = cut.fit === 'truncated' ? STATUS_TRUNCATED : STATUS_KEPT;
    if (cut.fit === 'too-long') status = STATUS_TOO_LONG;
    else if (cut.labels.every((l) => l === options.ignoreIndex)) status = STATUS_NO_TRAINABLE;
    recordStatus[index] = status;
    if (status === STATUS_KEPT || status === STATUS_TRUNCATED) {
      // Lint, on the kept window of the sequence.
      const keptFrom = options.truncation === 'left' ? full.length - cut.ids.length : 0;
      const keptTrainable = tokens.trainable.subarray(keptFrom, keptFrom + cut.ids.length);
      if (chat.bos !== null && cut.ids.filter((id) => id === chat.bos).length > 1) stats.bosRepeated += 1;
      const last = keptTrainable.lastIndexOf(1);
      if (isChat && last >= 0 && !chat.specialIds.has(cut.ids[last] as number)) stats.eotUntrained += 1;
    }
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
      if (keptColumns !== null) kept.push(keptColumns);
    }
  });

  const { values: flatIds, offsets } = flatten(ids, (n) => new Int32Array(n));
  return {
    inputIds: flatIds,
    labels: flatten(labels, (n) => new Int32Array(n)).values,
    offsets,
    rowRecords: Uint32Array.from(rowRecords),
    recordStatus,
    kept,
    stats: {
      ...stats,
      truncated: Uint32Array.from(stats.truncated),
      skippedTooLong: Uint32Array.from(stats.skippedTooLong),
      skippedNoTrainable: Uint32Array.from(stats.skippedNoTrainable),
      skippedEmptyCompletion: Uint32Array.from(stats.skippedEmptyCompletion),
      skippedChatRecords: Uint32Array.from(stats.skippedChatRecords),
      skippedInvalidRecords: Uint32Array.from(stats.skippedInvalidRecords),
    },
  };
}

export type { ChatSetup } from './chat_setup.js';
export type { RecordsInput } from './input.js';
