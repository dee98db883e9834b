// What a Tokenizer delegates to after `dispose()`: every call fails with a clear error instead of
// reaching freed native memory or silently working on.

import { TokenshiftError } from '../errors.js';
import type { BackendKind, TokenizerBackend } from './types.js';

export function disposedBackend(kind: BackendKind): TokenizerBackend {
  const fail = (): never => {
    throw new TokenshiftError('DISPOSED', 'this tokenizer was disposed: load a new one to keep using it');
  };
  return new Proxy({} as TokenizerBackend, {
    get: (_target, property) => (property === 'kind' ? kind : property === 'dispose' ? () => undefined : fail),
  });
}
