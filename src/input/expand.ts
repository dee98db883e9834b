// What `--input` names, as a list of files in reading order: a file, a folder (its record files, at any
// depth), or a glob (`data/train-*.parquet`). Sorted by path, so the order (and with it record numbers
// and shards) does not depend on the file system. Links are followed (a Hugging Face cache snapshot is
// all links into `blobs/`); a dangling link is an error, a link back up the tree is not followed twice.

import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

import type picomatchModule from 'picomatch';
import type * as Tinyglobby from 'tinyglobby';

import { TokenshiftError, errorMessage } from '../errors.js';

/** File names a folder is searched for (a Hub dataset folder also holds README.md, .gitattributes…). */
export const RECORD_FILE_PATTERN = /\.(parquet|jsonl|ndjson|json|jsonl\.gz|ndjson\.gz)$/i;

const byPath = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** What a path is once its links are followed; a dangling link is an error naming it. */
function followed(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    const isLink = (() => {
      try {
        return lstatSync(path).isSymbolicLink();
      } catch {
        return false;
      }
    })();
    const what = isLink ? 'is a link to nothing (dangling)' : 'cannot be read';
    throw new TokenshiftError('INPUT', `input ${path} ${what}: ${errorMessage(error)}`, { cause: error });
  }
}

function folderFiles(dir: string, visiting: Set<string> = new Set([realpathSync(dir)])): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Hidden folders (.git, .cache) hold no records of the dataset.
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    const isLink = entry.isSymbolicLink();
    if (isLink && !RECORD_FILE_PATTERN.test(entry.name) && !followed(path).isDirectory()) continue;
    const stats = isLink ? followed(path) : null;
    if (entry.isDirectory() || stats?.isDirectory()) {
      // A link back to a folder being walked would loop.
      const real = realpathSync(path);
      if (visiting.has(real)) continue;
      visiting.add(real);
      out.push(...folderFiles(path, visiting));
      visiting.delete(real);
    } else if ((entry.isFile() || stats?.isFile()) && RECORD_FILE_PATTERN.test(entry.name)) out.push(path);
  }
  return out;
}

/** The glob modules, loaded only for an input that is not a path (they were a tenth of `require('tokenshift')`). */
function tinyglobby(): typeof Tinyglobby {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load
  return require('tinyglobby') as typeof Tinyglobby;
}

/**
 * Glob matches, links followed. The glob walker drops dangling links without a word, so the folders a
 * match could be in are listed again and a dangling link the pattern matches is an error naming it.
 */
function globFiles(spec: string): string[] {
  const { globSync } = tinyglobby();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for a glob
  const picomatch = require('picomatch') as typeof picomatchModule;
  const matched = globSync(spec, { onlyFiles: true, expandDirectories: false, followSymbolicLinks: true, absolute: true });
  const { base } = picomatch.scan(resolve(spec));
  const isMatch = picomatch(resolve(spec), { dot: false });
  for (const folder of new Set([base, ...matched.map((m) => dirname(m))])) {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isSymbolicLink() && isMatch(path)) followed(path);
    }
  }
  return matched.map((m) => relative(process.cwd(), m) || m).map((m, i) => (isAbsolute(spec) ? (matched[i] as string) : m));
}

/** One `--input` value as files; `-` (stdin) stays as it is. */
export function expandInput(spec: string): string[] {
  if (spec === '-') return ['-'];
  let stats;
  try {
    stats = statSync(spec);
  } catch (error) {
    if (tinyglobby().isDynamicPattern(spec)) {
      const matched = globFiles(spec).sort(byPath);
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
  // The same file under two names (a link, a glob and its target) is the same device and inode.
  const seen = new Map<string, string>();
  for (const file of files) {
    if (file === '-') continue;
    const stats = followed(file);
    const key = `${stats.dev}:${stats.ino}`;
    const first = seen.get(key);
    if (first !== undefined)
      throw new TokenshiftError(
        'INPUT',
        first === file
          ? `${file} is named twice by --input; its records would be read twice`
          : `${file} and ${first} are the same file; its records would be read twice`,
      );
    seen.set(key, file);
  }
  return files;
}
