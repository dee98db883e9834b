/** Base class of every error tokenshift throws on purpose (argument `TypeError`s aside). */
export class TokenshiftError extends Error {
  /** Stable machine-readable kind, e.g. `'TOKENIZER_LOAD'`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A tokenizer file or config could not be read, parsed or understood. */
export class TokenizerLoadError extends TokenshiftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TOKENIZER_LOAD', message, options);
  }
}

/** The native addon was required (`TOKENSHIFT_BACKEND=native`) but could not be loaded. */
export class NativeUnavailableError extends TokenshiftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NATIVE_UNAVAILABLE', message, options);
  }
}

/** Encoding or decoding failed inside a backend. */
export class TokenizeError extends TokenshiftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TOKENIZE', message, options);
  }
}

/** An option has a valid type but an unusable value (e.g. `threads: -1`). */
export class OptionError extends TokenshiftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OPTION', message, options);
  }
}

/** An output could not be written (disk full, permissions, a writer used after `finish`). */
export class WriteError extends TokenshiftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WRITE', message, options);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A record that cannot be read. `record` counts from 1 (the line number in JSON lines). */
export class RecordError extends TokenshiftError {
  readonly record: number;
  readonly field: string;
  /** Where the record is, when it came from a named file: `data/train-00001-of-00002.parquet row 17, row group 1 of 2`. */
  readonly source: string | undefined;
  /** The error without its record and field. */
  readonly detail: string;

  constructor(record: number, field: string, message: string, options?: { cause?: unknown; source?: string }) {
    const where = options?.source === undefined ? `record ${record}` : `record ${record} (${options.source})`;
    super('RECORD', `${where}: field \`${field}\` ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.record = record;
    this.field = field;
    this.source = options?.source;
    this.detail = message;
  }
}
