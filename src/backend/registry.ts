// Which backend serves each Tokenizer. Kept apart from tokenizer.ts so that the stages the Tokenizer uses
// (the preparer behind apply_chat_template) can reach a tokenizer's backend without importing the class.

import { describe } from '../validate.js';
import type { TokenizerBackend } from './types.js';

const backends = new WeakMap<object, TokenizerBackend>();

export function registerBackend(tokenizer: object, backend: TokenizerBackend): void {
  backends.set(tokenizer, backend);
}

/** The backend behind a tokenizer, for the package's own modules (not exported from the index). */
export function backendOf(tokenizer: unknown): TokenizerBackend {
  const backend = typeof tokenizer === 'object' && tokenizer !== null ? backends.get(tokenizer) : undefined;
  if (backend === undefined) throw new TypeError(`expected a tokenshift Tokenizer, got ${describe(tokenizer)}`);
  return backend;
}
