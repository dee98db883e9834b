// Reading CLI input: a .jsonl / .json file or stdin ("-"), and the tokenizer named by --tokenizer.

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { TokenshiftError, errorMessage } from '../errors.js';
import { Tokenizer, type TokenizerOptions } from '../tokenizer.js';

export interface InputText {
  /** JSON lines (record numbers = line numbers) or one JSON array (record numbers = index + 1). */
  kind: 'lines' | 'array';
  text: string;
  name: string;
}

export function readInput(path: string): InputText {
  let text: string;
  try {
    text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (error) {
    throw new TokenshiftError('INPUT', `cannot read input ${path === '-' ? 'from stdin' : path}: ${errorMessage(error)}`, { cause: error });
  }
  const name = path === '-' ? 'stdin' : path;
  if (path.endsWith('.jsonl') || path.endsWith('.ndjson')) return { kind: 'lines', text, name };
  if (path.endsWith('.json')) return { kind: 'array', text, name };
  // stdin or another extension: a JSON array starts with '['; anything else is read as JSON lines.
  return { kind: text.trimStart().startsWith('[') ? 'array' : 'lines', text, name };
}

export interface LoadedTokenizer {
  tokenizer: Tokenizer;
  /** The tokenizer.json that was read, and its SHA-256 (recorded in stats). */
  file: string;
  sha256: string;
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

/** Splits JSON lines into chunks of about `size` lines, remembering the line number each starts at. */
export function* lineChunks(text: string, size: number): Generator<{ firstLine: number; text: string; lines: number }> {
  const lines = text.split('\n');
  for (let start = 0; start < lines.length; start += size) {
    const slice = lines.slice(start, start + size);
    yield { firstLine: start + 1, text: slice.join('\n'), lines: slice.length };
  }
}
