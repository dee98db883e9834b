// Before any work: no output may overwrite an input or another output (after resolving symlinks), and
// every output must be writable — so a typo never replaces the dataset with its stats, and a stats path
// that cannot be written fails in the first second rather than after the dataset was committed.

import { accessSync, constants, lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';

import { OptionError } from '../errors.js';

export interface NamedPath {
  /** How the user named it, e.g. `--stats`. */
  flag: string;
  path: string;
}

/** The absolute path with symlinks resolved as far as the path exists. */
export function resolvedPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(resolvedPath(parent), basename(absolute));
  }
}

function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(b + sep) || b.startsWith(a + sep);
}

/** Throws an OptionError naming both flags when an output is, contains or lies inside an input or another output. */
export function checkNoOverlap(inputs: NamedPath[], outputs: NamedPath[]): void {
  const resolvedOutputs = outputs.map((o) => ({ ...o, real: resolvedPath(o.path) }));
  for (const input of inputs) {
    const real = resolvedPath(input.path);
    for (const output of resolvedOutputs) {
      if (overlaps(real, output.real)) {
        throw new OptionError(`${output.flag} ${output.path} would overwrite ${input.flag} ${input.path}: choose another ${output.flag}`);
      }
    }
  }
  resolvedOutputs.forEach((a, i) => {
    for (const b of resolvedOutputs.slice(i + 1)) {
      if (overlaps(a.real, b.real)) throw new OptionError(`${a.flag} ${a.path} and ${b.flag} ${b.path} name the same place: choose different paths`);
    }
  });
}

/** Throws when `path` cannot be written as a file: it is a directory, or its nearest existing folder is not writable. */
export function checkWritableFile(flag: string, path: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    stat = null;
  }
  if (stat?.isDirectory()) throw new OptionError(`${flag} ${path} is a directory: name a file`);
  let folder = dirname(resolve(path));
  for (;;) {
    try {
      if (!lstatSync(folder).isDirectory()) throw new OptionError(`${flag} ${path}: ${folder} is not a directory`);
      break;
    } catch (error) {
      if (error instanceof OptionError) throw error;
      const parent = dirname(folder);
      if (parent === folder) break;
      folder = parent;
    }
  }
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new OptionError(`${flag} ${path}: cannot write in ${folder} (permission denied)`);
  }
}
