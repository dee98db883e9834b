// Twin of crates/tokenshift-core/src/chat/budget.rs: each record's template work budget, from the size
// of its conversation's text and structure.

import type { ChatRenderContext } from './template.js';

/** Same numbers as the native engine (`RENDER_FUEL_BASE`, `RENDER_FUEL_PER_INPUT_BYTE`). */
export const RENDER_FUEL_BASE = 2 ** 20;
export const RENDER_FUEL_PER_INPUT_BYTE = 64;
/** Template work for one record that takes longer than this has no business in a data pipeline. */
export const RECORD_TIME_LIMIT_MS = 10_000;

/** What is left of one record's template work budget (twin of the Rust `RenderBudget`). */
export class RenderBudget {
  remaining: number;
  /** This interpreter is several times slower than minijinja: a wall-clock limit per record as well. */
  readonly deadline = Date.now() + RECORD_TIME_LIMIT_MS;

  constructor(readonly total: number) {
    this.remaining = total;
  }

  static forInput(inputBytes: number): RenderBudget {
    return new RenderBudget(RENDER_FUEL_BASE + RENDER_FUEL_PER_INPUT_BYTE * inputBytes);
  }
}

/** Twin of the Rust `json_bytes`: close to the JSON text's length, without writing it. */
export function jsonBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value) + 2;
  if (Array.isArray(value)) return 2 + value.reduce((n: number, v) => n + 1 + jsonBytes(v), 0);
  if (value !== null && typeof value === 'object') {
    return 2 + Object.entries(value).reduce((n, [k, v]) => n + Buffer.byteLength(k) + 4 + jsonBytes(v), 0);
  }
  return 8;
}

/** Twin of the Rust `input_bytes`. */
export function contextBytes(context: ChatRenderContext): number {
  const special = [context.bos_token, context.eos_token, context.pad_token, context.unk_token].reduce(
    (n, t) => n + (t === undefined ? 0 : Buffer.byteLength(t)),
    0,
  );
  const optional = (v: unknown) => (v === undefined || v === null ? 0 : jsonBytes(v));
  return jsonBytes(context.messages) + optional(context.tools) + optional(context.documents) + special;
}
