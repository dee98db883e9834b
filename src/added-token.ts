// `AddedToken` of @huggingface/tokenizers (the class `get_added_tokens_decoder` fills its map with), loaded
// at first use: that package took a sixth of `require('tokenshift')`, and a process on the native addon
// that never asks for added tokens does not need it.

import type * as HfTokenizers from '@huggingface/tokenizers';

type AddedTokenClass = typeof HfTokenizers.AddedToken;

export function addedTokenClass(): AddedTokenClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load; `import()` would make callers async
  return (require('@huggingface/tokenizers') as typeof HfTokenizers).AddedToken;
}

/** The same class as `import { AddedToken } from '@huggingface/tokenizers'` (so `instanceof` holds), read on access. */
export declare const AddedToken: AddedTokenClass;
export type AddedToken = HfTokenizers.AddedToken;
Object.defineProperty(exports, 'AddedToken', { enumerable: true, get: addedTokenClass });
