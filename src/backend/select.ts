// Which backend a new tokenizer gets: the option, else TOKENSHIFT_BACKEND, else native when the addon
// loads and TypeScript when it does not.

import { NativeUnavailableError, OptionError } from '../errors.js';
import { loadNativeAddon } from './native-addon.js';
import { NativeBackend } from './native.js';
import { TsBackend } from './ts.js';
import type { BackendKind, TokenizerBackend, TokenizerSource } from './types.js';

export type BackendChoice = BackendKind | 'auto';

export function requestedBackend(option: unknown): BackendChoice {
  const value = option ?? process.env.TOKENSHIFT_BACKEND ?? 'auto';
  if (value === '' ) return 'auto';
  if (value === 'auto' || value === 'native' || value === 'ts') return value;
  const from = option === undefined || option === null ? 'TOKENSHIFT_BACKEND' : 'backend';
  throw new OptionError(`${from} must be 'native', 'ts' or 'auto', got ${JSON.stringify(value)}`);
}

export function createBackend(source: TokenizerSource, choice: BackendChoice): TokenizerBackend {
  if (choice === 'ts') return new TsBackend(source);
  const native = loadNativeAddon();
  if ('addon' in native) return new NativeBackend(native.addon, source);
  if (choice === 'native') throw new NativeUnavailableError(native.error.message, { cause: native.error });
  return new TsBackend(source);
}

/** Whether the native addon loads here, and why not if it does not. */
export function nativeStatus(): { available: true } | { available: false; reason: string } {
  const native = loadNativeAddon();
  return 'addon' in native ? { available: true } : { available: false, reason: native.error.message };
}
