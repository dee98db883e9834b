// Which backend a new tokenizer gets (the decision itself is dispatch.ts's, shared by every feature).

import { nativeAddonFor } from './dispatch.js';
import { loadNativeAddon } from './native-addon.js';
import { NativeBackend } from './native.js';
import { TsBackend } from './ts.js';
import type { TokenizerBackend, TokenizerSource } from './types.js';

export function createBackend(source: TokenizerSource, option: unknown): TokenizerBackend {
  const addon = nativeAddonFor(option, 'the tokenizer');
  return addon === null ? new TsBackend(source) : new NativeBackend(addon, source);
}

/** Whether the native addon loads here, and why not if it does not. */
export function nativeStatus(): { available: true } | { available: false; reason: string } {
  const native = loadNativeAddon();
  return 'addon' in native ? { available: true } : { available: false, reason: native.error.message };
}
