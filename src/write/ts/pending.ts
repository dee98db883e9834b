// Output that appears only when complete (twin of crates/tokenshift-core/src/write/atomic.rs, same
// rule): written under `<name>.tmp-<pid>-<16 hex>`, renamed on commit, removed on abort. Only a regular
// file is ever replaced (a device, FIFO or socket at the path, or a link to one, is refused), never a
// directory; a directory output goes into a missing or empty directory or a previous tokenshift output
// (whose sidecar lists its files, the only ones replaced); any other non-empty directory needs
// `overwrite`, and even then only files of the new names are replaced. A killed run's temporary is
// removed only when provably ours: the exact name, and a regular file or a directory holding the marker.

import type * as Crypto from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { OptionError } from '../../errors.js';

export class PendingPath {
  readonly temporary: string;

  constructor(
    readonly target: string,
    private readonly isDir: boolean,
    private readonly overwrite = false,
  ) {
    // node:crypto is loaded here, not at `require('tokenshift')`, which it slowed by a tenth.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load
    const { randomBytes } = require('node:crypto') as typeof Crypto;
    this.temporary = `${target}.tmp-${process.pid}-${randomBytes(8).toString('hex')}`;
    mkdirSync(dirname(target), { recursive: true });
    removeStaleTemporaries(target);
    // Refuse before any work, not after hours of it.
    refuseSpecialFile(target);
    if (isDir) ownedFiles(target, overwrite);
    else if (isDirectory(target)) throw refused(target, 'is a directory; name a file for this output format');
    if (isDir) {
      mkdirSync(this.temporary);
      // What proves the directory ours to a later run's clean-up.
      writeFileSync(join(this.temporary, PENDING_MARKER), '');
    }
  }

  commit(): void {
    // Checked again: something may have appeared at the path during the run.
    refuseSpecialFile(this.target);
    if (this.isDir) unlinkSync(join(this.temporary, PENDING_MARKER));
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

/** Inside a temporary output directory until commit. */
const PENDING_MARKER = '.tokenshift-pending';

/** Refuses an output path that holds (or links to) anything but a regular file or a directory. */
function refuseSpecialFile(target: string): void {
  let stat;
  try {
    stat = statSync(target);
  } catch {
    return;
  }
  if (stat.isFile() || stat.isDirectory()) return;
  const kind = stat.isCharacterDevice()
    ? 'character device'
    : stat.isBlockDevice()
      ? 'block device'
      : stat.isFIFO()
        ? 'FIFO (named pipe)'
        : stat.isSocket()
          ? 'socket'
          : 'special file';
  throw refused(
    target,
    `is a ${kind}, not a regular file: outputs are written to a temporary file renamed over the path, which would replace it. Write to a regular file, or to stdout with --output - (API: a stream) and redirect`,
  );
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

/** Removes killed runs' temporaries next to `target`: the exact name, a regular file or a marked directory. */
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
    const match = /^(\d+)-[0-9a-f]{16}$/i.exec(name.slice(prefix.length));
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    const path = join(dirname(target), name);
    const stat = lstatOrNull(path);
    if (stat?.isFile()) rmSync(path, { force: true });
    else if (stat?.isDirectory() && lstatOrNull(join(path, PENDING_MARKER))?.isFile()) rmSync(path, { recursive: true, force: true });
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
