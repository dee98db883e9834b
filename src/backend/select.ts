// Which backend a new tokenizer gets (the decision itself is dispatch.ts's, shared by every feature).

import { nativeAddonFor } from './dispatch.js';
import { loadNativeAddon } from './native-addon.js';
import { NativeBackend } from './native.js';
import type * as TsBackendModule from './ts.js';
import type { TokenizerBackend, TokenizerSource } from './types.js';

export function createBackend(source: TokenizerSource, option: unknown): TokenizerBackend {
  const addon = nativeAddonFor(option, 'the tokenizer');
  if (addon !== null) return new NativeBackend(addon, source);
  // Loaded on first use: the TypeScript backend's modules (@huggingface/tokenizers, jinja, the twins'
  // pre-tokenizers) took a third of `require('tokenshift')`, which a process on the addon never needs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load; `import()` would make this async
  const { TsBackend } = require('./ts.js') as typeof TsBackendModule;
  return new TsBackend(source);
}

/** Whether the native addon loads here, and why not if it does not. */
export function nativeStatus(): { available: true } | { available: false; reason: string } {
  const native = loadNativeAddon();
  return 'addon' in native ? { available: true } : { available: false, reason: native.error.message };
}
