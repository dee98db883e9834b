// The one place that decides, per call, whether native code or its TS twin runs: the `backend` option,
// else TOKENSHIFT_BACKEND, else native when the addon loads. Asking for native without an addon is always
// a NativeUnavailableError; falling back to TypeScript is announced once per process, never silent.

import { NativeUnavailableError, OptionError } from '../errors.js';
import { loadNativeAddon, type NativeAddon } from './native-addon.js';
import type { BackendKind } from './types.js';

export type BackendChoice = BackendKind | 'auto';

export function requestedBackend(option: unknown): BackendChoice {
  const value = option ?? process.env.TOKENSHIFT_BACKEND ?? 'auto';
  if (value === '') return 'auto';
  if (value === 'auto' || value === 'native' || value === 'ts') return value;
  const from = option === undefined || option === null ? 'TOKENSHIFT_BACKEND' : 'backend';
  throw new OptionError(`${from} must be 'native', 'ts' or 'auto', got ${JSON.stringify(value)}`);
}

let warnedAboutFallback = false;

/** The addon for `feature` (named in errors), or null when its TS twin is to run. */
export function nativeAddonFor(option: unknown, feature: string): NativeAddon | null {
  const choice = requestedBackend(option);
  if (choice === 'ts') return null;
  const native = loadNativeAddon();
  if ('addon' in native) return native.addon;
  if (choice === 'native') throw new NativeUnavailableError(`${feature}: backend native was asked for, but ${native.error.message}`, { cause: native.error });
  if (!warnedAboutFallback) {
    warnedAboutFallback = true;
    process.emitWarning(
      `${native.error.message.replace(/ Build it with.*$/, '')} — using the TypeScript backend: same results, about 25x slower than ` +
        'the official tokenizers binding. Fix: install on a platform that has a prebuilt binary (see the README), or build it with ' +
        '`npm run build:native` (needs cargo). Set TOKENSHIFT_BACKEND=ts to choose the TypeScript backend and silence this.',
      { code: 'TOKENSHIFT_TS_FALLBACK' },
    );
  }
  return null;
}

/**
 * The addon for a feature that has no TS twin (reading Parquet), whatever the backend choice: the TS backend
 * still tokenizes; only the reading is native. Without the addon, the error says what the fallback can do.
 */
export function nativeOnlyAddon(feature: string, withoutIt: string): NativeAddon {
  const native = loadNativeAddon();
  if ('addon' in native) return native.addon;
  throw new NativeUnavailableError(`${feature} needs the native addon, and it did not load: ${native.error.message}. ${withoutIt}`, { cause: native.error });
}

/** The addon when it loads, for process-level helpers that have nothing to fall back to; no warning. */
export function nativeIfLoaded(): NativeAddon | null {
  const native = loadNativeAddon();
  return 'addon' in native ? native.addon : null;
}
