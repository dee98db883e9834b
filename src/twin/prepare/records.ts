// Twin of crates/tokenshift-core/src/prepare/records.rs: a record becomes prompt (never trained) and
// completion (trained). Error messages are identical in both backends.

import { RecordError } from '../../errors.js';
import { isConversation } from '../chat/conversation.js';
import type { PromptTemplate, RecordFormat } from './options.js';

export interface Example {
  /** `{text}` records train every token of the text; `chat` ones the byte `spans` of the rendering. */
  kind: 'text' | 'prompt-completion' | 'chat';
  spans?: [number, number][];
  prompt: string;
  completion: string;
}

/** Which format a record has (`auto` resolved from its fields). */
export function recordFormat(record: unknown, number: number, format: RecordFormat): Exclude<RecordFormat, 'auto'> {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new RecordError(number, '(record)', 'must be a JSON object');
  return format === 'auto' ? detect(record as Record<string, unknown>, number) : format;
}

export function exampleFromRecord(record: unknown, number: number, format: RecordFormat, template: PromptTemplate): Example {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new RecordError(number, '(record)', 'must be a JSON object');
  }
  const map = record as Record<string, unknown>;
  const chosen = format === 'auto' ? detect(map, number) : format;
  switch (chosen) {
    case 'text':
      return { kind: 'text', prompt: '', completion: trainedString(map, 'text', number) };
    case 'prompt-completion': {
      const prompt = requiredString(map, 'prompt', number);
      const field = 'completion' in map || !('response' in map) ? 'completion' : 'response';
      return { kind: 'prompt-completion', prompt, completion: trainedString(map, field, number) };
    }
    case 'chat':
      throw new RecordError(number, '(record)', 'record format could not be decided');
    case 'alpaca': {
      const instruction = requiredString(map, 'instruction', number);
      const input = optionalString(map, 'input', number) ?? '';
      const output = trainedString(map, 'output', number);
      return { kind: 'prompt-completion', prompt: renderAlpacaPrompt(template, instruction, input, number), completion: output };
    }
  }
}

function detect(map: Record<string, unknown>, number: number): Exclude<RecordFormat, 'auto'> {
  if (isConversation(map)) return 'chat';
  if ('text' in map) return 'text';
  if ('prompt' in map) return 'prompt-completion';
  if ('instruction' in map) return 'alpaca';
  const fields = Object.keys(map).sort();
  throw new RecordError(
    number,
    '(record)',
    `has no known format: expected {prompt, completion}, {prompt, response}, {instruction, input, output}, {text}, {messages} or {conversations}; found fields [${fields.join(', ')}] (map other names with the \`columns\` option, CLI --columns, e.g. prompt=question)`,
  );
}

/** Longest prompt a template may expand to (twin of the Rust `MAX_PROMPT_BYTES`). */
export const MAX_PROMPT_BYTES = 64 * 2 ** 20;

/** One pass, so placeholder-like text inside the values stays as written. */
export function renderAlpacaPrompt(template: PromptTemplate, instruction: string, input: string, number: number): string {
  const pattern = input === '' ? template.withoutInput : template.withInput;
  const count = (placeholder: string) => pattern.split(placeholder).length - 1;
  const expanded = count('{instruction}') * Buffer.byteLength(instruction) + count('{input}') * Buffer.byteLength(input) + Buffer.byteLength(pattern);
  if (expanded > MAX_PROMPT_BYTES)
    throw new RecordError(number, 'instruction', `makes the prompt template expand to ${expanded} bytes, over the limit of ${MAX_PROMPT_BYTES}`);
  return pattern.replace(/\{instruction\}|\{input\}/g, (placeholder) => (placeholder === '{instruction}' ? instruction : input));
}

function requiredString(map: Record<string, unknown>, field: string, number: number): string {
  const value = map[field];
  if (value === undefined) throw new RecordError(number, field, 'is missing');
  // Parquet and JSON nulls: a value the dataset does not have.
  if (value === null) throw new RecordError(number, field, 'is null (a string is required)');
  if (typeof value !== 'string') throw new RecordError(number, field, `must be a string, got ${typeName(value)}`);
  return value;
}

/** The trained field. Empty or whitespace-only is content, not malformed input: counted as `empty_completion`. */
function trainedString(map: Record<string, unknown>, field: string, number: number): string {
  return requiredString(map, field, number);
}

function optionalString(map: Record<string, unknown>, field: string, number: number): string | null {
  const value = map[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new RecordError(number, field, `must be a string, got ${typeName(value)}`);
  return value;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'boolean':
      return 'a boolean';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    default:
      return 'an object';
  }
}

// The JSON the Rust core accepts (serde_json's rules), applied to what JSON.parse let through, so both
// backends accept and refuse the same records: nesting deeper than serde_json's limit, numbers beyond f64
// (JSON.parse turns 1e999 into Infinity), and lone UTF-16 surrogates (\ud800 escapes, which are not text)
// make a record unreadable. A byte-order mark at the very start of the input is ignored by both.

/** serde_json's recursion limit: 128 levels of arrays and objects are refused, 127 are read. */
const MAX_NESTING = 127;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const BOM = '\ufeff';

export function checkJsonValue(value: unknown, number: number): unknown {
  const fail = (message: string): never => {
    throw new RecordError(number, '(json)', `is not valid JSON: ${message}`);
  };
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) fail('a string holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text');
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail('a number is out of range');
    } else if (v !== null && typeof v === 'object') {
      if (depth >= MAX_NESTING) fail(`nested deeper than ${MAX_NESTING} levels`);
      if (Array.isArray(v)) for (const item of v) walk(item, depth + 1);
      else
        for (const [key, item] of Object.entries(v)) {
          if (LONE_SURROGATE.test(key)) fail('a key holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text');
          walk(item, depth + 1);
        }
    }
  };
  walk(value, 0);
  return value;
}
