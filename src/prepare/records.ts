// Twin of crates/tokenshift-core/src/prepare/records.rs: a record becomes prompt (never trained) and
// completion (trained). Error messages are identical in both backends.

import { RecordError } from '../errors.js';
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
    `has no known format: expected {prompt, completion}, {prompt, response}, {instruction, input, output}, {text}, {messages} or {conversations}; found fields [${fields.join(', ')}]`,
  );
}

/** Longest prompt a template may expand to (twin of the Rust `MAX_PROMPT_BYTES`). */
export const MAX_PROMPT_BYTES = 64 * 2 ** 20;

/** One pass, so placeholder-like text inside the values stays as written. */
export function renderAlpacaPrompt(template: PromptTemplate, instruction: string, input: string, number: number): string {
  const pattern = input === '' ? template.withoutInput : template.withInput;
  const count = (placeholder: string) => pattern.split(placeholder).length - 1;
  const expanded = count('{instruction}') * Buffer.byteLength(instruction) + count('{input}') * Buffer.byteLength(input) + Buffer.byteLength(pattern);
  if (expanded > MAX_PROMPT_BYTES) throw new RecordError(number, 'instruction', `makes the prompt template expand to ${expanded} bytes, over the limit of ${MAX_PROMPT_BYTES}`);
  return pattern.replace(/\{instruction\}|\{input\}/g, (placeholder) => (placeholder === '{instruction}' ? instruction : input));
}

function requiredString(map: Record<string, unknown>, field: string, number: number): string {
  const value = map[field];
  if (value === undefined || value === null) throw new RecordError(number, field, 'is missing');
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
