// Output that appears only when complete (twin of crates/tokenshift-core/src/write/atomic.rs, same
// rule): written under `<name>.tmp-<pid>`, renamed on commit, removed on abort. A file output replaces a
// file, never a directory; a directory output goes into a missing or empty directory or a previous
// tokenshift output (whose sidecar lists its files, the only ones replaced); any other non-empty
// directory needs `overwrite`, and even then only files of the new names are replaced.

import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { OptionError } from '../../errors.js';

export class PendingPath {
  readonly temporary: string;

  constructor(
    readonly target: string,
    private readonly isDir: boolean,
    private readonly overwrite = false,
  ) {
    this.temporary = `${target}.tmp-${process.pid}`;
    mkdirSync(dirname(target), { recursive: true });
    removeStaleTemporaries(target);
    // Refuse before any work, not after hours of it.
    if (isDir) ownedFiles(target, overwrite);
    else if (isDirectory(target)) throw refused(target, 'is a directory; name a file for this output format');
    if (isDir) {
      rmSync(this.temporary, { recursive: true, force: true });
      mkdirSync(this.temporary);
    }
  }

  commit(): void {
    if (!this.isDir) {
      if (isDirectory(this.target)) throw refused(this.target, 'is a directory; name a file for this output format');
      renameSync(this.temporary, this.target);
      return;
    }
    // Checked again: the directory may have changed during the run.
    const previous = ownedFiles(this.target, this.overwrite);
    if (previous === null) {
      renameSync(this.temporary, this.target); // rename(2) replaces an empty directory
      return;
    }
    for (const name of previous) {
      const old = join(this.target, name);
      if (lstatOrNull(old)?.isFile()) unlinkSync(old);
    }
    for (const name of readdirSync(this.temporary)) renameSync(join(this.temporary, name), join(this.target, name));
    rmdirSync(this.temporary);
  }

  abort(): void {
    rmSync(this.temporary, { recursive: true, force: true });
  }
}

function refused(target: string, why: string): OptionError {
  return new OptionError(`invalid option \`output\`: ${target} ${why}`);
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function isDirectory(path: string): boolean {
  return lstatOrNull(path)?.isDirectory() === true;
}

/** null: missing or empty (plain rename); else the files to replace. Throws where writing is refused. */
function ownedFiles(target: string, overwrite: boolean): string[] | null {
  const stat = lstatOrNull(target);
  if (stat === null) return null;
  if (!stat.isDirectory()) throw refused(target, 'exists and is not a directory; npy and bin outputs are directories: choose another --output');
  if (readdirSync(target).length === 0) return null;
  const listed = filesListedBySidecar(target);
  if (listed !== null) return listed;
  if (overwrite) return [];
  throw refused(
    target,
    'is a non-empty directory that no tokenshift run wrote (it has no .meta.json sidecar): choose another output, or pass --overwrite (API: overwrite: true) to write into it; only files of the same names are replaced',
  );
}

/** The plain file names a previous tokenshift output lists in `<target>.meta.json` (`output.files`). */
function filesListedBySidecar(target: string): string[] | null {
  let meta: unknown;
  try {
    meta = JSON.parse(readFileSync(`${target}.meta.json`, 'utf8'));
  } catch {
    return null;
  }
  const files = (meta as { output?: { files?: unknown } } | null)?.output?.files;
  if (!Array.isArray(files)) return null;
  // Only names inside the directory: a doctored sidecar cannot point elsewhere.
  return files.filter((f): f is string => typeof f === 'string' && f !== '' && f !== '.' && f !== '..' && !/[/\\]/.test(f));
}

/** Removes `<name>.tmp-<pid>` entries next to `target` whose process no longer runs (killed runs). */
function removeStaleTemporaries(target: string): void {
  const prefix = `${basename(target)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const digits = name.slice(prefix.length);
    if (!/^\d+$/.test(digits)) continue;
    const pid = Number(digits);
    if (pid === process.pid || processAlive(pid)) continue;
    const path = join(dirname(target), name);
    rmSync(path, { recursive: statSync(path).isDirectory(), force: true });
  }
}

function processAlive(pid: number): boolean {
  if (process.platform === 'win32') return true; // no cheap check: keep what might be in use
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
