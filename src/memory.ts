// Peak RSS of long runs: caps glibc's malloc arenas (see crates/tokenshift-node/src/memory.rs). The CLI calls
// it once its tokenizer has started; library users may, likewise, in a long-running job.

import { nativeIfLoaded } from './backend/dispatch.js';
import { resolveThreads } from './threads.js';

/**
 * Caps glibc's malloc arenas at `count` (default: the worker threads, at least 2), as `MALLOC_ARENA_MAX` does,
 * unless that variable is set. Call it after creating tokenizers: a tokenizer's two engines load on two threads
 * at once, and with one arena between them the load takes twice as long. Returns false where it does nothing (no addon, no glibc, or the variable set).
 */
export function capMallocArenas(count?: number): boolean {
  if (process.env.MALLOC_ARENA_MAX !== undefined) return false;
  const addon = nativeIfLoaded();
  if (addon === null) return false;
  return addon.capMallocArenas(count ?? Math.max(2, resolveThreads(undefined) || addon.availableThreads()));
}
