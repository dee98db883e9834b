// Record files as one input: Parquet (native reader), JSON lines (gzip or not, streamed) or a JSON array,
// read in order. Records are numbered across all files (the first record of the second file follows the
// last line or row of the first), so `shard` splits the whole input deterministically; errors and skip
// reasons also name the file and its line or row.

import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';

import { TokenshiftError, errorMessage } from '../errors.js';
import type { RecordSource } from '../stream/engine.js';
import { describe } from '../validate.js';
import type { Shard } from '../twin/prepare/options.js';
import { expandInputs } from './expand.js';
import { openInputStream } from './json-lines.js';
import type { ReadTally } from './line-range.js';
import { ParquetInput } from './parquet.js';
import { planShard, type ShardPlan, type WorkUnit } from './work-units.js';

import { inputFormat, type InputFormat } from './input-format.js';

export { inputFormat, type InputFormat };

/** One input file as the sidecar records it. */
export interface InputSummary {
  path: string;
  format: InputFormat;
  /** Size on disk; null for stdin. */
  bytes: number | null;
  sha256: string | null;
  /** Record number of its first line or row. */
  firstRecord: number;
  /** Lines (JSON lines, blank ones included), rows (Parquet) or array entries it holds. */
  records: number;
  /** Sharded by work units: the part of the file read (bytes [start, end), or Parquet row groups [first, end)). */
  unit?: { kind: WorkUnit['kind']; start: number; end: number; rowGroups?: [number, number] };
  /** Sharded by work units: bytes read from disk for the unit (Parquet footer included), and their SHA-256 in the order read. */
  bytesRead?: number;
  readSha256?: string;
}

/** A file being read: its records, and where each record number points. */
export interface OpenedInput {
  source: RecordSource;
  /** `data/x.parquet row 17, row group 1 of 2` for the file's `n`-th line, row or entry (from 1). */
  label(n: number): string;
  /** Record slots read so far (all of them once the source is done). */
  slots(): number | null;
  /** Bytes of the file consumed so far. */
  bytesRead(): number;
  /** SHA-256 of the bytes read from the file, in the order read (work units only). */
  readSha256?(): string;
}

export interface InputFilesOptions {
  /** Read only shard `index` of `count`: its work units (row groups, byte ranges of JSON lines, files), about 1/count of the bytes. */
  shard?: Shard;
}

/** Files (or `-` for stdin) read as one input, in order. Folders and globs are expanded when built. */
export class InputFiles {
  readonly paths: readonly string[];
  /** With `shard`: the work units this shard reads; null reads every file whole. */
  readonly plan: ShardPlan | null;

  constructor(specs: string | readonly string[], options: InputFilesOptions = {}) {
    const list = typeof specs === 'string' ? [specs] : specs;
    if (!Array.isArray(list) || list.length === 0 || list.some((p) => typeof p !== 'string' || p === ''))
      throw new TypeError(`inputs must be a path or a non-empty list of paths, got ${describe(specs)}`);
    this.paths = expandInputs(list);
    const shard = options.shard;
    if (shard === undefined) this.plan = null;
    else {
      if (
        shard === null ||
        typeof shard !== 'object' ||
        !Number.isSafeInteger(shard.count) ||
        !Number.isSafeInteger(shard.index) ||
        shard.count < 1 ||
        shard.index < 0 ||
        shard.index >= shard.count
      )
        throw new TypeError(`shard must be {index, count} with 0 <= index < count, got ${describe(shard)}`);
      if (this.paths.includes('-'))
        throw new TokenshiftError(
          'INPUT',
          'stdin cannot be cut into work units: shard a stream by record number instead (--shard-by records, or the `shard` prepare option)',
        );
      this.plan = planShard(this.paths, { index: shard.index, count: shard.count });
    }
  }

  /** True when records need their file named (several files, or Parquet rows). */
  get namesFiles(): boolean {
    return this.paths.length > 1 || this.paths.some((p) => inputFormat(p) === 'parquet');
  }
}

/**
 * `inputFiles('data/')`, `inputFiles(['a.parquet', 'b.jsonl'])`, `inputFiles('data/train-*.parquet')`: a source for `prepareIter`.
 * `inputFiles('data/', { shard: { index: 2, count: 8 } })` reads only shard 2's work units (see docs/scale-out.md).
 */
export function inputFiles(specs: string | readonly string[], options: InputFilesOptions = {}): InputFiles {
  return new InputFiles(specs, options);
}

function readJsonArray(path: string, tally?: ReadTally): unknown[] {
  let records: unknown;
  try {
    const bytes = readFileSync(path);
    tally?.add(bytes);
    // A byte-order mark (files saved on Windows) is not part of the JSON.
    records = JSON.parse(bytes.toString('utf8').replace(/^\ufeff/, ''));
  } catch (error) {
    throw new TokenshiftError('INPUT', `cannot read input ${path}: ${errorMessage(error)}`, { cause: error });
  }
  if (!Array.isArray(records)) throw new TypeError(`${path} must hold a JSON array of records`);
  return records;
}

/**
 * `neededColumns`: the top-level columns records can use (a wide Parquet file decodes only these).
 * `tally`: counts and hashes the bytes a JSON or JSON-lines file gives (a shard's whole-file unit).
 */
export async function openInput(path: string, neededColumns?: readonly string[], tally?: ReadTally): Promise<OpenedInput> {
  const format = inputFormat(path);
  if (format === 'parquet') {
    const parquet = new ParquetInput(path);
    if (neededColumns !== undefined) parquet.selectColumns(neededColumns);
    const total = parquet.rows;
    const size = statSync(path).size;
    let rowsRead = 0;
    return {
      source: parquet.slices((rows) => (rowsRead += rows)),
      label: (n) => {
        const { group, groups: count } = parquet.rowGroupOf(n);
        return `${path} row ${n}, row group ${group} of ${count}`;
      },
      slots: () => total,
      bytesRead: () => (total === 0 ? size : Math.round((size * rowsRead) / total)),
    };
  }
  if (format === 'json') {
    const records = readJsonArray(path, tally);
    const size = statSync(path).size;
    // One object per line number: record numbers are array positions + 1.
    return { source: records, label: (n) => `${path} record ${n}`, slots: () => records.length, bytesRead: () => size, ...hashOf(tally) };
  }
  const stream = await openInputStream(path, tally);
  return { source: stream.stream, label: (n) => `${stream.name} line ${n}`, slots: () => null, bytesRead: stream.bytesRead, ...hashOf(tally) };
}

function hashOf(tally: ReadTally | undefined): Pick<OpenedInput, 'readSha256'> {
  return tally === undefined ? {} : { readSha256: () => tally.sha256() };
}

/** A regular file's size (null for stdin, pipes and devices, which can be read once or never end). */
export function regularFileSize(path: string): number | null {
  if (path === '-') return null;
  try {
    const stats = statSync(path);
    return stats.isFile() ? stats.size : null;
  } catch {
    return null;
  }
}

export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, ...(signal ? { signal } : {}) })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The columns of a file, for checking a mapping before any work: Parquet's schema, or the first record's keys. */
export async function fileColumns(path: string): Promise<{ columns: string[]; messageKeys: (list: string) => string[] | null } | null> {
  // stdin and pipes can be read once only: their records are checked as they come.
  if (regularFileSize(path) === null) return null;
  const format = inputFormat(path);
  if (format === 'parquet') {
    const parquet = new ParquetInput(path);
    return {
      columns: parquet.columns,
      messageKeys: (list) => {
        const prefix = `${list}.`;
        const keys = parquet.leafPaths.filter((p) => p.startsWith(prefix)).map((p) => p.slice(p.lastIndexOf('.') + 1));
        return keys.length === 0 ? null : keys;
      },
    };
  }
  const first = format === 'json' ? readJsonArray(path)[0] : await firstJsonLine(path);
  if (first === null || typeof first !== 'object' || Array.isArray(first)) return null;
  const record = first as Record<string, unknown>;
  return {
    columns: Object.keys(record),
    messageKeys: (list) => {
      const items = record[list];
      const item = Array.isArray(items) ? (items[0] as unknown) : undefined;
      return item !== null && typeof item === 'object' ? Object.keys(item as object) : null;
    },
  };
}

/** The first non-blank line of a JSON-lines file, parsed (null when there is none or it is not JSON: the run reports it). */
async function firstJsonLine(path: string): Promise<unknown> {
  const input = await openInputStream(path);
  let text = '';
  try {
    for await (const chunk of input.stream) {
      text += (chunk as Buffer).toString('utf8');
      const lines = text.split('\n');
      const complete = lines.slice(0, -1).find((l) => l.trim() !== '');
      if (complete !== undefined) return parseOrNull(complete);
      // Only the first record is needed: a huge first line is not read whole.
      if (text.length > 64 << 20) return null;
    }
    return parseOrNull(text.split('\n').find((l) => l.trim() !== '') ?? '');
  } finally {
    input.stream.destroy();
  }
}

function parseOrNull(line: string): unknown {
  try {
    return JSON.parse(line.replace(/^\ufeff/, ''));
  } catch {
    return null;
  }
}
