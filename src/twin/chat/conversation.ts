// Twin of crates/tokenshift-core/src/chat/conversation.rs: {messages} or ShareGPT {conversations} become
// one list of template messages, tools/documents, and per-message train flags.

import { RecordError } from '../../errors.js';
import { isWhitespaceOnly } from '../../validate.js';

export interface Conversation {
  messages: Record<string, unknown>[];
  tools: unknown[] | null;
  documents: unknown[] | null;
  train: (boolean | null)[];
}

type Json = Record<string, unknown>;

export function isConversation(map: Json): boolean {
  return 'messages' in map || 'conversations' in map;
}

export function conversationFromRecord(map: Json, number: number): Conversation {
  const sharegpt = !('messages' in map);
  const field = sharegpt ? 'conversations' : 'messages';
  const items = map[field];
  if (!Array.isArray(items)) throw new RecordError(number, field, 'must be a list of messages');
  const messages: Json[] = [];
  const train: (boolean | null)[] = [];
  const system = map.system;
  if (system !== undefined && system !== null) {
    if (typeof system !== 'string') throw new RecordError(number, 'system', 'must be a string');
    const first = items[0] as Json | undefined;
    if ((first?.[sharegpt ? 'from' : 'role'] ?? null) !== 'system') {
      messages.push({ role: 'system', content: system });
      train.push(null);
    }
  }
  items.forEach((item, k) => {
    const fieldK = `${field}[${k}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new RecordError(number, fieldK, 'must be an object');
    const m = item as Json;
    const out = sharegpt ? fromShareGpt(m, number, fieldK) : fromOpenAi(m, number, fieldK);
    train.push(trainFlag(m, number, fieldK));
    for (const [key, value] of Object.entries(m)) {
      if (!['role', 'content', 'from', 'value', 'train', 'loss_weight'].includes(key) && !(key in out)) out[key] = value;
    }
    messages.push(out);
  });
  return { messages, tools: jsonListField(map, 'tools', number), documents: jsonListField(map, 'documents', number), train };
}

function fromOpenAi(m: Json, number: number, field: string): Json {
  if (typeof m.role !== 'string') throw new RecordError(number, `${field}.role`, 'must be a string');
  return { role: m.role, content: contentText(m.content, number, `${field}.content`) };
}

function fromShareGpt(m: Json, number: number, field: string): Json {
  if (typeof m.from !== 'string') throw new RecordError(number, `${field}.from`, 'must be a string');
  const value = contentText(m.value, number, `${field}.value`);
  switch (m.from) {
    case 'human':
    case 'user':
      return { role: 'user', content: value };
    case 'gpt':
    case 'assistant':
    case 'model':
      return { role: 'assistant', content: value };
    case 'system':
      return { role: 'system', content: value };
    case 'observation':
    case 'tool':
    case 'function_response':
      return { role: 'tool', content: value };
    case 'function_call': {
      let call: unknown = null;
      try {
        call = JSON.parse(value);
      } catch {
        call = null;
      }
      const calls = Array.isArray(call) ? call : [call];
      if (call !== null && typeof call === 'object' && (Array.isArray(call) || 'name' in call)) {
        return { role: 'assistant', content: '', tool_calls: calls.map((fn) => ({ type: 'function', function: fn })) };
      }
      return { role: 'assistant', content: value };
    }
    default:
      throw new RecordError(number, `${field}.from`, `has unknown role ${JSON.stringify(m.from)} (expected human, gpt, system, function_call or observation)`);
  }
}

function contentText(value: unknown, number: number, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    return value
      .map((part: unknown, p) => {
        const text = (part as Json | null)?.text ?? (part as Json | null)?.value;
        if (typeof text !== 'string') throw new RecordError(number, `${field}[${p}]`, 'must be a text part with `text` or `value`');
        return text;
      })
      .join('');
  }
  throw new RecordError(number, field, 'must be a string or a list of text parts');
}

function trainFlag(m: Json, number: number, field: string): boolean | null {
  if (m.train !== undefined && m.train !== null) {
    if (typeof m.train !== 'boolean') throw new RecordError(number, `${field}.train`, 'must be true or false');
    return m.train;
  }
  const w = m.loss_weight;
  if (w === undefined || w === null) return null;
  if (w === 0) return false;
  if (w === 1) return true;
  throw new RecordError(number, `${field}.loss_weight`, 'must be 0 or 1');
}

function jsonListField(map: Json, field: string, number: number): unknown[] | null {
  const value = map[field];
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') {
    if (isWhitespaceOnly(value)) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed)) return parsed;
    if (parsed !== null && typeof parsed === 'object') return [parsed];
  }
  throw new RecordError(number, field, 'must be a list or a JSON string holding one');
}
