// What `--input` names, as a list of files in reading order: a file, a folder (its record files, at any
// depth), or a glob (`data/train-*.parquet`). Sorted by path, so the order (and with it record numbers
// and shards) does not depend on the file system.

import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { globSync, isDynamicPattern } from 'tinyglobby';

import { TokenshiftError, errorMessage } from '../errors.js';

/** File names a folder is searched for (a Hub dataset folder also holds README.md, .gitattributes…). */
export const RECORD_FILE_PATTERN = /\.(parquet|jsonl|ndjson|json|jsonl\.gz|ndjson\.gz)$/i;

const byPath = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function folderFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Hidden folders (.git, .cache) hold no records of the dataset.
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...folderFiles(path));
    else if (entry.isFile() && RECORD_FILE_PATTERN.test(entry.name)) out.push(path);
  }
  return out;
}

/** One `--input` value as files; `-` (stdin) stays as it is. */
export function expandInput(spec: string): string[] {
  if (spec === '-') return ['-'];
  let stats;
  try {
    stats = statSync(spec);
  } catch (error) {
    if (isDynamicPattern(spec)) {
      const matched = globSync(spec, { onlyFiles: true, expandDirectories: false }).sort(byPath);
      if (matched.length === 0) throw new TokenshiftError('INPUT', `--input ${spec} matched no files`);
      return matched;
    }
    throw new TokenshiftError('INPUT', `cannot read input ${spec}: ${errorMessage(error)}`, { cause: error });
  }
  if (!stats.isDirectory()) return [spec];
  const files = folderFiles(spec).sort(byPath);
  if (files.length === 0) throw new TokenshiftError('INPUT', `--input ${spec} is a folder without record files (${RECORD_FILE_PATTERN.source})`);
  return files;
}

/** Every `--input` value, expanded in the order given; a file named twice is an error (its records would count twice). */
export function expandInputs(specs: readonly string[]): string[] {
  const files = specs.flatMap(expandInput);
  if (files.includes('-') && files.length > 1) throw new TokenshiftError('INPUT', 'stdin (--input -) cannot be combined with other inputs');
  const seen = new Set<string>();
  for (const file of files) {
    const key = resolve(file);
    if (seen.has(key)) throw new TokenshiftError('INPUT', `${file} is named twice by --input; its records would be read twice`);
    seen.add(key);
  }
  return files;
}
