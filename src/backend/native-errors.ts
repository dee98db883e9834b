// Native errors cross N-API as `\u0001{json}\u0001message` (crates/tokenshift-node/src/guard.rs): the JSON
// holds a stable `code` (crates/tokenshift-core/src/error.rs, `Error::code`) and, for records, `record`,
// `field` and `detail`. The error class is chosen by that code, never by the message's wording.

import { OptionError, RecordError, TokenizeError, TokenizerLoadError, TokenshiftError, WriteError, errorMessage } from '../errors.js';

const HEAD = '\u0001';

interface NativeErrorHead {
  code: string;
  record?: number;
  field?: string;
  detail?: string;
}

/** The head and the human message of a native error (no head: an error from outside the core, e.g. napi's own). */
export function nativeErrorParts(error: unknown): { head: NativeErrorHead | null; message: string } {
  const text = errorMessage(error);
  if (text.startsWith(HEAD)) {
    const end = text.indexOf(HEAD, 1);
    if (end > 0) {
      try {
        const head = JSON.parse(text.slice(1, end)) as NativeErrorHead;
        if (typeof head.code === 'string') return { head, message: text.slice(end + 1) };
      } catch {
        // not a head after all: the whole text is the message
      }
    }
  }
  return { head: null, message: text };
}

/** Codes with a class of their own; every other code keeps its code on a TokenshiftError. */
const CLASSES: Record<string, new (message: string, options?: { cause?: unknown }) => TokenshiftError> = {
  OPTION: OptionError,
  TOKENIZER_LOAD: TokenizerLoadError,
  TOKENIZE: TokenizeError,
  WRITE: WriteError,
};

/**
 * The typed error for a native failure. `fallback` classes errors that carry no code (napi's own argument
 * errors) and, when given, the IO/JSON errors of its context (a writer's failures are WriteErrors).
 */
export function typedNativeError(error: unknown, fallback: new (message: string, options?: { cause?: unknown }) => TokenshiftError = TokenizeError): Error {
  if (error instanceof TokenshiftError) return error;
  const { head, message } = nativeErrorParts(error);
  if (head === null) return new fallback(message, { cause: error });
  if (head.code === 'RECORD' && typeof head.record === 'number' && typeof head.field === 'string') {
    return new RecordError(head.record, head.field, head.detail ?? message, { cause: error });
  }
  const known = CLASSES[head.code];
  if (known !== undefined) return new known(message, { cause: error });
  if ((head.code === 'IO' || head.code === 'JSON') && fallback !== TokenizeError) return new fallback(message, { cause: error });
  return new TokenshiftError(head.code, message, { cause: error });
}
