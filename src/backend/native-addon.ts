// Locates and loads the napi-rs addon once. A failure is remembered, not thrown: the facade decides
// whether to fall back to TypeScript or to fail (TOKENSHIFT_BACKEND=native).

import { join } from 'node:path';

import type * as NativeModule from '../../native/index.js';
import { packageRoot } from '../package-info.js';

export type NativeAddon = typeof NativeModule;

let loaded: { addon: NativeAddon } | { error: Error } | undefined;

export function loadNativeAddon(): { addon: NativeAddon } | { error: Error } {
  if (loaded === undefined) {
    try {
      // The generated loader lives at <package root>/native/index.js and picks the .node file for this platform.
      const modulePath = join(packageRoot(), 'native', 'index.js');
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the path is only known at run time
      loaded = { addon: require(modulePath) as NativeAddon };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      loaded = {
        error: new Error(
          `the tokenshift native addon could not be loaded (${reason.split('\n')[0]}). ` +
            'Build it with `npm run build:native` (needs cargo), or set TOKENSHIFT_BACKEND=ts to use the TypeScript backend.',
          { cause: error },
        ),
      };
    }
  }
  return loaded;
}
