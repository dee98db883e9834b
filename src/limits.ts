// Sizes an option may ask for, checked before anything is allocated (twin of
// crates/tokenshift-core/src/limits.rs, same numbers): a typo such as `--length 100000000` must be an
// error naming the option, never an allocation that takes the process down.

import { OptionError } from './errors.js';

/** Longest row a writer pads to or a packer fills (`length`, `blockSize`). */
export const MAX_ROW_TOKENS = 2 ** 24;
/** Tokens one lit-gpt chunk file buffers before it is written (`chunkSize`). */
export const MAX_CHUNK_TOKENS = 2 ** 27;
/** Cells of one collated `[batch, length]` tensor (`collate()`). */
export const MAX_COLLATED_CELLS = 2 ** 27;

/** Text one record may hold (prompt + completion, or the rendered conversation), in UTF-8 bytes: as `maxLineBytes`. */
export const MAX_RECORD_TEXT_BYTES = 16 * 1024 * 1024;

/** `value` (when given) must be a whole number in `1..=max`, else an OptionError naming `option`. */
export function checkSize(option: string, value: number | undefined, max: number): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new OptionError(`invalid option \`${option}\`: must be between 1 and ${max}, got ${String(value)}`);
  }
}
