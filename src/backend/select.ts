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

let warnedAboutFallback = false;

export function createBackend(source: TokenizerSource, choice: BackendChoice): TokenizerBackend {
  if (choice === 'ts') return new TsBackend(source);
  const native = loadNativeAddon();
  if ('addon' in native) return new NativeBackend(native.addon, source);
  if (choice === 'native') throw new NativeUnavailableError(native.error.message, { cause: native.error });
  if (!warnedAboutFallback) {
    // Never a silent slowdown: said once per process, on stderr, with the way out.
    warnedAboutFallback = true;
    process.emitWarning(
      `${native.error.message.replace(/ Build it with.*$/, '')} — using the TypeScript backend: same results, about 25x slower than ` +
        'the official tokenizers binding. Fix: install on a platform that has a prebuilt binary (see the README), or build it with ' +
        '`npm run build:native` (needs cargo). Set TOKENSHIFT_BACKEND=ts to choose the TypeScript backend and silence this.',
      { code: 'TOKENSHIFT_TS_FALLBACK' },
    );
  }
  return new TsBackend(source);
}

/** Whether the native addon loads here, and why not if it does not. */
export function nativeStatus(): { available: true } | { available: false; reason: string } {
  const native = loadNativeAddon();
  return 'addon' in native ? { available: true } : { available: false, reason: native.error.message };
}
