// Twin of crates/tokenshift-core/src/prepare/mod.rs (`Preparer::run`): records → examples → trainable
// tokens → labels → truncation → one flat batch, in input order, with every skip and cut counted.

import { RecordError, errorMessage } from '../errors.js';
import { BOM, checkJsonValue } from './json-rules.js';
import { computeLabels } from './labels.js';
import type { OversizedLines } from '../backend/types.js';
import type { NormalizedPrepareOptions } from './options.js';
import { conversationFromRecord } from '../chat/conversation.js';
import type { ChatRenderContext, TsChatTemplate } from '../chat/template.js';
import { trainedSpans } from '../chat/turns.js';
import { exampleFromRecord, recordFormat, type Example } from './records.js';
import { STATUS_CHAT_TURN, STATUS_EMPTY_COMPLETION, STATUS_INVALID, STATUS_KEPT, STATUS_NO_TRAINABLE, STATUS_TOO_LONG, STATUS_TRUNCATED, type RawPrepared } from './status.js';
import { trainableTokens, type SpanEncoder } from './trainable.js';
import { truncate } from './truncate.js';
import { isWhitespaceOnly } from '../validate.js';

/** Twin of the Rust `ChatSetup`: the compiled template (or why there is none) and the special tokens. */
export interface ChatSetup {
  template: TsChatTemplate | string;
  variables: Partial<ChatRenderContext>;
  specialTokens: string[];
  specialIds: Set<number>;
  bos: number | null;
}

/** Why a record gives no row before tokenization: a chat turn not found (with the reason), or nothing to learn. */
type EarlySkip = { status: typeof STATUS_CHAT_TURN; reason: string } | { status: typeof STATUS_EMPTY_COMPLETION };

function chatExample(chat: ChatSetup, options: NormalizedPrepareOptions, record: unknown, number: number): Example | EarlySkip {
  if (typeof chat.template === 'string') throw new RecordError(number, 'messages', `cannot be rendered: ${chat.template}`);
  const conversation = conversationFromRecord(record as Record<string, unknown>, number);
  let rendered: ReturnType<typeof trainedSpans>;
  try {
    rendered = trainedSpans(chat.template, conversation, chat.variables, chat.specialTokens, options.trainOn);
  } catch (error) {
    throw new RecordError(number, 'messages', errorMessage(error), { cause: error });
  }
  if (typeof rendered === 'string') return { status: STATUS_CHAT_TURN, reason: rendered };
  if (!rendered.hasContent) return { status: STATUS_EMPTY_COMPLETION };
  return { kind: 'chat', prompt: '', completion: rendered.text, spans: rendered.spans };
}

/** What `prepareRecords` reads: records as a JSON array, JSON-lines text, or JSON-lines bytes. */
export type RecordsInput = { kind: 'array'; json: string } | { kind: 'lines'; text: string } | { kind: 'bytes'; bytes: Uint8Array; oversized: OversizedLines };

// ignoreBOM keeps a BOM in the text: only the input's very first one is dropped, as the Rust reader does.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const isBlank = (line: string) => /^[ \t\n\f\r]*$/.test(line);
const withoutBom = (line: string, number: number) => (number === 1 && line.startsWith(BOM) ? line.slice(1) : line);

function parseLine(line: string, number: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(line) as unknown;
  } catch (error) {
    throw new RecordError(number, '(json)', `is not valid JSON: ${errorMessage(error)}`, { cause: error });
  }
  return checkJsonValue(value, number);
}

/** Records with their numbers, in order; lines outside the shard are not parsed (twin of the Rust readers). */
function recordItems(input: RecordsInput, options: NormalizedPrepareOptions): [number, () => unknown][] {
  const items: [number, () => unknown][] = [];
  const first = options.firstRecordNumber;
  const shard = options.shard;
  const inShard = (n: number) => shard === null || (n - 1) % shard.count === shard.index;
  if (input.kind === 'array') {
    const text = input.json.startsWith(BOM) ? input.json.slice(1) : input.json;
    (JSON.parse(text) as unknown[]).forEach((record, i) => inShard(first + i) && items.push([first + i, () => checkJsonValue(record, first + i)]));
  } else if (input.kind === 'lines') {
    input.text.split('\n').forEach((raw, i) => {
      const line = withoutBom(raw.endsWith('\r') ? raw.slice(0, -1) : raw, first + i);
      if (isBlank(line) || !inShard(first + i)) return;
      items.push([first + i, () => parseLine(line, first + i)]);
    });
  } else {
    const bytes = input.bytes;
    const dropped = new Map(input.oversized.lines);
    let start = 0;
    for (let i = 0; start <= bytes.length; i++) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      const lineEnd = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
      const line = bytes.subarray(start, lineEnd);
      const number = first + i;
      const size = dropped.get(number);
      if (size !== undefined) {
        // Size 0: reading stopped at the limit (onError 'fail' does not read on).
        const what = size === 0 ? 'is longer than the limit' : `is ${size} bytes, over the limit`;
        if (inShard(number)) items.push([number, () => { throw new RecordError(number, '(line)', `${what} of ${input.oversized.limit} bytes (maxLineBytes)`); }]);
      // Blank = only ASCII whitespace, as the Rust reader decides.
      } else if (!line.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d) && inShard(number)) {
        items.push([
          number,
          () => {
            let text: string;
            try {
              text = utf8.decode(line);
            } catch (error) {
              throw new RecordError(number, '(json)', 'is not valid UTF-8', { cause: error });
            }
            return parseLine(withoutBom(text, number), number);
          },
        ]);
      }
      start = end + 1;
    }
  }
  return items;
}

export function prepareRecords(encoder: SpanEncoder, options: NormalizedPrepareOptions, eos: number | null, input: RecordsInput, chat: ChatSetup): RawPrepared {
  const items = recordItems(input, options);
  const ids: Int32Array[] = [];
  const labels: Int32Array[] = [];
  const rowRecords: number[] = [];
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
    tsRecords: 0,
  };
  items.forEach(([number, read], index) => {
    let example: Example | EarlySkip;
    let tokens: ReturnType<typeof trainableTokens> | undefined;
    try {
      const record = read();
      const format = recordFormat(record, number, options.format);
      example = format === 'chat' ? chatExample(chat, options, record, number) : exampleFromRecord(record, number, format, options.promptTemplate);
      if ('kind' in example && example.kind !== 'chat' && isWhitespaceOnly(example.completion)) example = { status: STATUS_EMPTY_COMPLETION };
      if ('kind' in example) tokens = trainableTokens(encoder, example, options.boundary, example.kind === 'chat' ? null : eos);
    } catch (error) {
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
      skippedEmptyCompletion: Uint32Array.from(stats.skippedEmptyCompletion),
      skippedChatRecords: Uint32Array.from(stats.skippedChatRecords),
      skippedInvalidRecords: Uint32Array.from(stats.skippedInvalidRecords),
    },
  };
}
