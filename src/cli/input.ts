// The tokenizer named by --tokenizer (records are read by src/input/).

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { TokenshiftError, errorMessage } from '../errors.js';
import { Tokenizer, type TokenizerOptions } from '../tokenizer.js';

export interface LoadedTokenizer {
  tokenizer: Tokenizer;
  /** The tokenizer.json that was read, and its SHA-256 (recorded in stats). */
  file: string;
  sha256: string;
}

/** Ids run from 0 to the largest in the vocabulary (added tokens included). */
export function vocabSize(tokenizer: Tokenizer): number {
  let max = -1;
  for (const id of tokenizer.get_vocab(true).values()) max = Math.max(max, id);
  return max + 1;
}

/** A folder, or a tokenizer.json whose folder may also hold tokenizer_config.json (for EOS and BOS). */
export function loadTokenizer(path: string, options: TokenizerOptions): LoadedTokenizer {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (error) {
    throw new TokenshiftError('INPUT', `cannot read tokenizer ${path}: ${errorMessage(error)}`, { cause: error });
  }
  const file = isDir ? join(path, 'tokenizer.json') : path;
  const tokenizer = isDir || basename(path) === 'tokenizer.json' ? Tokenizer.fromDir(isDir ? path : dirname(path), options) : Tokenizer.fromFile(path, options);
  return { tokenizer, file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}
