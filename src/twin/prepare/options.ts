// Twin of crates/tokenshift-core/src/prepare/options.rs: `prepare` options, validated once at the
// boundary and normalised into the JSON both backends read.

import { OptionError } from '../../errors.js';
import { describe } from '../../validate.js';

/** Where the label shift happens; there is deliberately no default. */
export type Shift = 'model' | 'data';
export type Truncation = 'right' | 'left' | 'drop';
export type Boundary = 'offsets' | 'separate';
export type RecordFormat = 'auto' | 'prompt-completion' | 'alpaca' | 'text' | 'chat';
// Defined with the chat stage, as in the Rust core (chat/turns.rs).
export type { TrainOn } from '../chat/turns.js';
import type { TrainOn } from '../chat/turns.js';

export interface PromptTemplate {
  /** Used when `input` is non-empty; `{instruction}` and `{input}` are replaced. */
  withInput: string;
  /** Used when `input` is empty or missing. */
  withoutInput: string;
}

export interface PrepareOptions {
  /** Required. `'model'`: labels[i] = input_ids[i] (HF *ForCausalLM, TRL, axolotl, LLaMA-Factory shift in the loss). `'data'`: labels[i] = input_ids[i+1]. */
  shift: Shift;
  /** Longest row in tokens; unlimited when unset. */
  maxLength?: number;
  /** What to do with rows longer than `maxLength` (default `'right'`: keep the first tokens). */
  truncation?: Truncation;
  /** Append the tokenizer's EOS, trained (default: true when the tokenizer has an EOS). */
  addEos?: boolean;
  /** Label of positions not to learn (default -100). */
  ignoreIndex?: number;
  /** `'offsets'` (default): tokenize prompt + completion once. `'separate'`: tokenize them apart. */
  boundary?: Boundary;
  /** Record shape; `'auto'` (default) decides per record from its fields. */
  format?: RecordFormat;
  /** Alpaca prompt template; the default is Stanford Alpaca's. */
  promptTemplate?: PromptTemplate;
  /** Record number of the first record (default 1); numbers appear in errors and stats. */
  firstRecordNumber?: number;
  /** Chat records: train every assistant turn (default), only the last, or every token. */
  trainOn?: TrainOn;
  /** Chat template to use instead of the tokenizer config's. */
  chatTemplate?: string;
  /** Worker threads (0 = all cores); defaults to the tokenizer's. */
  threads?: number;
  /** A record that cannot be read (bad JSON or UTF-8, wrong field types, empty text): `'fail'` (default) stops with its record number; `'skip'` counts it in `stats.skipped.invalid`. */
  onError?: OnError;
  /** Only records whose number n has `(n - 1) % count === index` (0-based index): a deterministic split by line number. */
  shard?: Shard;
  /** The dataset's column for each of our fields, e.g. `{prompt: 'question', completion: 'answer'}`; `role`/`content` name the keys inside messages. */
  columns?: Partial<Record<MappedField, string>>;
  /** Speaker renames in chat records, e.g. `{human: 'user', bot: 'assistant'}` (ShareGPT's human/gpt/observation/function_call are read without it). */
  roles?: Record<string, string>;
  /** Input columns copied into each output row (e.g. `['id', 'source']`), to join back. */
  keep?: string[];
}

/** Record fields `columns` may map, and the message keys. */
export const RECORD_FIELDS = [
  'prompt',
  'completion',
  'response',
  'instruction',
  'input',
  'output',
  'text',
  'messages',
  'conversations',
  'system',
  'tools',
  'documents',
] as const;
export const MESSAGE_KEYS = ['role', 'content'] as const;
export type MappedField = (typeof RECORD_FIELDS)[number] | (typeof MESSAGE_KEYS)[number];

export type OnError = 'fail' | 'skip';
export interface Shard {
  index: number;
  count: number;
}

export interface NormalizedPrepareOptions {
  shift: Shift;
  maxLength: number | null;
  truncation: Truncation;
  addEos: boolean | null;
  ignoreIndex: number;
  boundary: Boundary;
  format: RecordFormat;
  promptTemplate: PromptTemplate;
  firstRecordNumber: number;
  trainOn: TrainOn;
  chatTemplate: string | null;
  onError: OnError;
  shard: Shard | null;
  columns: Record<string, string>;
  roles: Record<string, string>;
  keep: string[];
}

export const DEFAULT_PROMPT_TEMPLATE: Readonly<PromptTemplate> = Object.freeze({
  withInput:
    'Below is an instruction that describes a task, paired with an input that provides further context. ' +
    'Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n',
  withoutInput:
    'Below is an instruction that describes a task. ' +
    'Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:\n',
});

export const SHIFT_HELP =
  "`shift` is required and has no default: use 'model' when the trainer's model shifts labels itself " +
  "(Hugging Face *ForCausalLM, TRL, axolotl, LLaMA-Factory: labels[i] = input_ids[i]), or 'data' when the loss compares " +
  'logits[i] with labels[i] directly (labels[i] = input_ids[i+1], last label ignored)';

const KNOWN = new Set([
  'shift',
  'maxLength',
  'truncation',
  'addEos',
  'ignoreIndex',
  'boundary',
  'format',
  'promptTemplate',
  'firstRecordNumber',
  'trainOn',
  'chatTemplate',
  'threads',
  'onError',
  'shard',
  'columns',
  'roles',
  'keep',
]);

function invalid(option: string, message: string): OptionError {
  return new OptionError(`invalid option \`${option}\`: ${message}`);
}

function oneOf<T extends string>(value: unknown, option: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw invalid(option, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
}

function wholeNumber(value: unknown, option: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(option, `must be a whole number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

export function normalizePrepareOptions(options: unknown): NormalizedPrepareOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`options must be an object with at least \`shift\`, got ${describe(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw invalid(key, `is not an option of prepare (known: ${[...KNOWN].join(', ')})`);
  }
  if (o.shift === undefined) throw invalid('shift', SHIFT_HELP);
  const shift = oneOf(o.shift, 'shift', ['model', 'data'] as const, 'model');
  let promptTemplate: PromptTemplate = { ...DEFAULT_PROMPT_TEMPLATE };
  if (o.promptTemplate !== undefined) {
    const t = o.promptTemplate as Partial<PromptTemplate> | null;
    if (t === null || typeof t !== 'object' || typeof t.withInput !== 'string' || typeof t.withoutInput !== 'string') {
      throw invalid('promptTemplate', 'must be {withInput: string, withoutInput: string}');
    }
    promptTemplate = { withInput: t.withInput, withoutInput: t.withoutInput };
  }
  if (o.addEos !== undefined && typeof o.addEos !== 'boolean') throw invalid('addEos', `must be true or false, got ${describe(o.addEos)}`);
  return {
    shift,
    maxLength: o.maxLength === undefined ? null : wholeNumber(o.maxLength, 'maxLength', 1, 0xffffffff),
    truncation: oneOf(o.truncation, 'truncation', ['right', 'left', 'drop'] as const, 'right'),
    addEos: o.addEos === undefined ? null : (o.addEos as boolean),
    ignoreIndex: o.ignoreIndex === undefined ? -100 : wholeNumber(o.ignoreIndex, 'ignoreIndex', -(2 ** 31), 2 ** 31 - 1),
    boundary: oneOf(o.boundary, 'boundary', ['offsets', 'separate'] as const, 'offsets'),
    format: oneOf(o.format, 'format', ['auto', 'prompt-completion', 'alpaca', 'text', 'chat'] as const, 'auto'),
    trainOn: oneOf(o.trainOn, 'trainOn', ['assistant', 'last', 'all'] as const, 'assistant'),
    chatTemplate:
      o.chatTemplate === undefined || o.chatTemplate === null
        ? null
        : typeof o.chatTemplate === 'string'
          ? o.chatTemplate
          : (() => {
              throw invalid('chatTemplate', `must be a string, got ${describe(o.chatTemplate)}`);
            })(),
    promptTemplate,
    firstRecordNumber: o.firstRecordNumber === undefined ? 1 : wholeNumber(o.firstRecordNumber, 'firstRecordNumber', 1, 0xffffffff),
    onError: oneOf(o.onError, 'onError', ['fail', 'skip'] as const, 'fail'),
    shard: normalizeShard(o.shard),
    ...normalizeColumns(o.columns, o.roles, o.keep),
  };
}

/** Output row fields a kept column may not shadow. */
const ROW_FIELDS = ['input_ids', 'labels', 'attention_mask', 'position_ids', 'seq_lens'];
/** Columns one run may keep at most. */
const MAX_KEPT_COLUMNS = 1024;

/** Names JavaScript objects give a meaning of their own: never a column, field or speaker here. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

function refuseReserved(option: string, name: string): void {
  if (RESERVED_NAMES.has(name)) throw invalid(option, `${JSON.stringify(name)} cannot be a column, field or speaker name`);
}

function stringMap(value: unknown, option: string): Record<string, string> {
  // No prototype: a key such as "__proto__" is a key like any other, never a setter.
  const out = Object.create(null) as Record<string, string>;
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(option, `must be an object of names, got ${describe(value)}`);
  // Sorted, as the core's BTreeMap reads them: both backends send identical JSON.
  for (const [key, name] of Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (typeof name !== 'string' || name === '' || key === '')
      throw invalid(option, `${JSON.stringify(key)} must map to a non-empty name, got ${describe(name)}`);
    refuseReserved(option, key);
    refuseReserved(option, name);
    out[key] = name;
  }
  return out;
}

function normalizeColumns(columns: unknown, roles: unknown, keep: unknown): Pick<NormalizedPrepareOptions, 'columns' | 'roles' | 'keep'> {
  const mapped = stringMap(columns, 'columns');
  const known: readonly string[] = [...RECORD_FIELDS, ...MESSAGE_KEYS];
  for (const field of Object.keys(mapped)) {
    if (!known.includes(field))
      throw invalid(
        'columns',
        `cannot map ${JSON.stringify(field)}: the fields are ${RECORD_FIELDS.join(', ')} and the message keys ${MESSAGE_KEYS.join(', ')}`,
      );
  }
  if (keep !== undefined && !Array.isArray(keep)) throw invalid('keep', `must be a list of column names, got ${describe(keep)}`);
  // Checked before anything walks it: a sparse array of length 1e9 holds almost nothing, but costs its length.
  if (Array.isArray(keep) && keep.length > MAX_KEPT_COLUMNS) throw invalid('keep', `names at most ${MAX_KEPT_COLUMNS} columns, got ${keep.length}`);
  if (Array.isArray(keep)) {
    for (let i = 0; i < keep.length; i++) {
      const name: unknown = keep[i];
      if (typeof name !== 'string' || name === '')
        throw invalid('keep', `entry ${i} must be a column name, got ${name === '' ? 'an empty name' : describe(name)}`);
    }
  }
  const kept = (keep ?? []) as string[];
  for (const name of kept) refuseReserved('keep', name);
  for (const name of kept) if (ROW_FIELDS.includes(name)) throw invalid('keep', `${name} is a field of the output row; it cannot be kept from the input`);
  return { columns: mapped, roles: stringMap(roles, 'roles'), keep: [...kept] };
}

function normalizeShard(value: unknown): Shard | null {
  if (value === undefined || value === null) return null;
  const s = value as Partial<Shard>;
  if (
    typeof s !== 'object' ||
    !Number.isInteger(s.count) ||
    !Number.isInteger(s.index) ||
    (s.count as number) < 1 ||
    (s.index as number) < 0 ||
    (s.index as number) >= (s.count as number) ||
    (s.count as number) > 0xffffffff
  ) {
    throw invalid('shard', `must be {index, count} with 0 <= index < count, got ${describe(value)}`);
  }
  return { index: s.index as number, count: s.count as number };
}
