// A shard's completion record, `<output>.done.json`: written last, after the output and the stats have
// landed (each by rename), so a killed shard leaves nothing that looks complete. It names what the shard
// was made from (every input file with its size and modification time, the options, the tokenizer's
// hash) and what it read (its work units, bytes read and their hash). A rerun of the same job finds it and
// does nothing; a rerun with other inputs or options (or --overwrite) redoes the shard.

import { existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';

import { errorMessage } from '../errors.js';
import { PendingPath } from '../write/ts/pending.js';

export const COMPLETION_SUFFIX = '.done.json';

/** What must be equal for a rerun to be a no-op. */
export interface JobIdentity {
  tool: 'tokenshift';
  version: string;
  shard: { index: number; count: number; by: string };
  /** Every input file of the job (not only this shard's): a file added, removed or changed changes every shard's units. */
  inputs: { path: string; bytes: number | null; mtimeMs: number | null }[];
  tokenizerSha256: string;
  options: Record<string, unknown>;
  output: { path: string; format: string; writer: unknown; stats: string | null };
}

export interface CompletionRecord {
  job: JobIdentity;
  completedAt: string;
  /** The files the shard wrote, relative to nothing: as the job named them. */
  outputs: string[];
  totals: { records: number; rows: number; skipped: number; tokens: number };
  /** The work units read: path, part, bytes read and their SHA-256. */
  read: unknown[];
}

export function completionPath(output: string): string {
  return `${output}${COMPLETION_SUFFIX}`;
}

export function fileIdentity(path: string): { path: string; bytes: number | null; mtimeMs: number | null } {
  try {
    const stats = statSync(path);
    return { path, bytes: stats.size, mtimeMs: Math.trunc(stats.mtimeMs) };
  } catch {
    return { path, bytes: null, mtimeMs: null };
  }
}

/** The record at `path`, or null when there is none or it is not one (a torn or foreign file is not a completion). */
export function readCompletion(path: string): CompletionRecord | null {
  if (!existsSync(path)) return null;
  try {
    if (!statSync(path).isFile() || statSync(path).size > 64 << 20) return null;
    const record = JSON.parse(readFileSync(path, 'utf8')) as CompletionRecord | null;
    if (record === null || typeof record !== 'object' || record.job?.tool !== 'tokenshift' || !Array.isArray(record.outputs)) return null;
    return record;
  } catch {
    return null;
  }
}

/** Why `record` does not complete `job` (null when it does). */
export function completionMismatch(record: CompletionRecord, job: JobIdentity): string | null {
  const was = record.job;
  if (JSON.stringify(was.inputs) !== JSON.stringify(job.inputs)) return 'the input files changed (names, sizes or modification times)';
  if (was.tokenizerSha256 !== job.tokenizerSha256) return 'the tokenizer changed';
  if (JSON.stringify(was.options) !== JSON.stringify(job.options)) return 'the prepare options changed';
  if (JSON.stringify(was.output) !== JSON.stringify(job.output)) return 'the output options changed';
  if (JSON.stringify(was.shard) !== JSON.stringify(job.shard)) return 'the shard changed';
  if (was.version !== job.version) return `it was made by tokenshift ${was.version}`;
  const missing = record.outputs.find((file) => !existsSync(file));
  if (missing !== undefined) return `${missing} is missing`;
  return null;
}

export function writeCompletion(path: string, record: CompletionRecord): void {
  const pending = new PendingPath(path, false);
  try {
    writeFileSync(pending.temporary, `${JSON.stringify(record, null, 2)}\n`);
    pending.commit();
  } catch (error) {
    pending.abort();
    throw error;
  }
}

/** Before a shard is redone: its old record goes first, so a redo that dies midway does not look complete. */
export function removeCompletion(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot remove ${path}: ${errorMessage(error)}`);
  }
}
