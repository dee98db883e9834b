// Reading tokenizer files from disk. Config merging follows Transformers: tokenizer_config.json wins,
// special_tokens_map.json fills the special tokens it leaves unset.

import { statSync } from 'node:fs';
import { join } from 'node:path';

import { TokenizerLoadError, errorMessage } from './errors.js';
import type { TokenizerSource } from './backend/types.js';
import { MAX_CONFIG_BYTES, MAX_TOKENIZER_BYTES, readBoundedBytes } from './read-bounded.js';

const SPECIAL_KEYS = ['bos_token', 'eos_token', 'pad_token', 'unk_token', 'additional_special_tokens'] as const;

// tokenizer.json stays bytes: decoding 11 MB to a JS string and encoding it back for the native backend
// would cost ~70 ms of every start.
export function sourceFromFile(path: string): TokenizerSource {
  return { tokenizerJson: readBytes(path, MAX_TOKENIZER_BYTES), configJson: null, sourceName: path };
}

export function sourceFromDir(dir: string): TokenizerSource {
  const tokenizerPath = join(dir, 'tokenizer.json');
  const tokenizerJson = readBytes(tokenizerPath, MAX_TOKENIZER_BYTES);
  const config = readOptionalJson(join(dir, 'tokenizer_config.json'));
  const specialMap = readOptionalJson(join(dir, 'special_tokens_map.json'));
  let merged: Record<string, unknown> | null = config;
  if (specialMap !== null) {
    merged = { ...(config ?? {}) };
    for (const key of SPECIAL_KEYS) {
      if ((merged[key] === undefined || merged[key] === null) && specialMap[key] !== undefined) merged[key] = specialMap[key];
    }
  }
  return { tokenizerJson, configJson: merged === null ? null : JSON.stringify(merged), sourceName: tokenizerPath };
}

function readText(path: string, maxBytes: number): string {
  return readBytes(path, maxBytes).toString('utf8');
}

function readBytes(path: string, maxBytes: number): Buffer {
  try {
    return readBoundedBytes(path, maxBytes, (message) => new TokenizerLoadError(message));
  } catch (error) {
    if (error instanceof TokenizerLoadError) throw error;
    throw new TokenizerLoadError(`cannot read ${path}: ${errorMessage(error)}`, { cause: error });
  }
}

function readOptionalJson(path: string): Record<string, unknown> | null {
  try {
    statSync(path);
  } catch {
    return null;
  }
  const text = readText(path, MAX_CONFIG_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TokenizerLoadError(`${path} is not valid JSON: ${errorMessage(error)}`, { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenizerLoadError(`${path} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}
