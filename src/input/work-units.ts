// Work units: the pieces of an input that can be read on their own, so shard I of N reads about 1/N of the
// bytes instead of reading everything and keeping every N-th record. A Parquet row group is a unit (its
// footer says where its bytes are and how many rows it holds); an uncompressed JSON-lines file is cut into
// byte ranges, each holding the lines that start in it (Hadoop's input splits); a gzip file or a JSON array
// is one unit. Shards take contiguous runs of units balanced by bytes, so shard 0's rows, then shard 1's,
// and so on are exactly the rows of a single run, in order.

import { closeSync, openSync, readSync, statSync } from 'node:fs';

import { TokenshiftError } from '../errors.js';
import type { Shard } from '../twin/prepare/options.js';
import { inputFormat, type InputFormat } from './input-format.js';
import { ParquetInput } from './parquet.js';

/** How `--shard` splits: by work units (each shard reads its part) or by record number (each reads everything). */
export type ShardBy = 'units' | 'records';

export interface WorkUnit {
  path: string;
  format: InputFormat;
  /** `file`: the whole file; `lines`: the JSON lines that start in bytes [start, end); `row-groups`: Parquet row groups. */
  kind: 'file' | 'lines' | 'row-groups';
  /** Bytes of the file this unit stands for: [start, end). */
  start: number;
  end: number;
  /** Row groups [first, end) (0-based) and the file's row number (1-based) of the first row; `row-groups` only. */
  rowGroups?: { first: number; end: number; firstRow: number };
}

/** What shard `shard` reads of `paths`, and how the input was cut. */
export interface ShardPlan {
  shard: Shard;
  units: WorkUnit[];
  /** Bytes of the whole input (every unit of every shard). */
  totalBytes: number;
  /** Bytes of this shard's units. */
  shardBytes: number;
  /** Parquet footers read to plan (every shard reads every Parquet file's footer). */
  footerBytes: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];

function startsWithGzipMagic(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    closeSync(fd);
  }
}

/** Units of one file, in file order, before they are given to shards. `splittable`: may be cut anywhere. */
interface Piece extends WorkUnit {
  splittable: boolean;
}

function filePieces(path: string): { pieces: Piece[]; footerBytes: number } {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw new TokenshiftError('INPUT', `cannot read input ${path}: ${String(error)}`, { cause: error });
  }
  if (!stats.isFile())
    throw new TokenshiftError(
      'INPUT',
      `${path} is not a regular file: it cannot be cut into work units (use --shard-by records to read it whole on every shard)`,
    );
  const size = stats.size;
  const format = inputFormat(path);
  if (format === 'parquet') {
    const parquet = new ParquetInput(path);
    const ranges = parquet.rowGroupByteRanges;
    let firstRow = 1;
    const pieces = parquet.rowGroupRows.map((rows, g) => {
      const [start, end] = ranges[g] as [number, number];
      const piece: Piece = { path, format, kind: 'row-groups', start, end, rowGroups: { first: g, end: g + 1, firstRow }, splittable: false };
      firstRow += rows;
      return piece;
    });
    const lastEnd = ranges.length === 0 ? 0 : Math.max(...ranges.map((r) => r[1]));
    return { pieces, footerBytes: size - lastEnd };
  }
  const splittable = format === 'jsonl' && !/\.gz$/i.test(path) && !startsWithGzipMagic(path);
  return { pieces: [{ path, format, kind: splittable ? 'lines' : 'file', start: 0, end: size, splittable }], footerBytes: 0 };
}

/** The shard, of `count`, that a unit of `size` bytes at global position `at` belongs to: the one holding its middle. */
function shardOfMiddle(at: number, size: number, total: number, count: number): number {
  if (total === 0) return 0;
  // BigInt: (2·at + size)·count overflows 2^53 for terabytes split a million ways.
  const index = ((2n * BigInt(at) + BigInt(size)) * BigInt(count)) / (2n * BigInt(total));
  return Math.min(count - 1, Number(index));
}

/** Global byte position where shard `k` of `count` begins. */
function boundary(k: number, total: number, count: number): number {
  return Number((BigInt(k) * BigInt(total)) / BigInt(count));
}

/**
 * Shard `shard`'s units of `paths` (files in reading order). Every shard computes the same cut from the
 * files' sizes and Parquet footers, so no coordination is needed; the units of shards 0..N-1, in order,
 * are every unit of the input once.
 */
export function planShard(paths: readonly string[], shard: Shard): ShardPlan {
  const pieces: Piece[] = [];
  let footerBytes = 0;
  for (const path of paths) {
    const file = filePieces(path);
    pieces.push(...file.pieces);
    footerBytes += file.footerBytes;
  }
  const total = pieces.reduce((sum, p) => sum + (p.end - p.start), 0);
  const units: WorkUnit[] = [];
  const take = (unit: WorkUnit): void => {
    const last = units.at(-1);
    // Neighbouring row groups of one file are read as one unit (one reader, one footer read).
    if (last?.kind === 'row-groups' && unit.kind === 'row-groups' && last.path === unit.path && last.rowGroups?.end === unit.rowGroups?.first) {
      last.end = unit.end;
      (last.rowGroups as { end: number }).end = unit.rowGroups?.end as number;
      return;
    }
    units.push(unit);
  };
  let at = 0;
  const from = boundary(shard.index, total, shard.count);
  const to = boundary(shard.index + 1, total, shard.count);
  for (const piece of pieces) {
    const size = piece.end - piece.start;
    const { splittable, ...unit } = piece;
    if (splittable) {
      // The part of the file inside this shard's byte span [from, to).
      const start = Math.max(at, from) - at;
      const end = Math.min(at + size, to) - at;
      if (end > start) take({ ...unit, start, end });
    } else if (shardOfMiddle(at, size, total, shard.count) === shard.index) take({ ...unit, ...(unit.rowGroups ? { rowGroups: { ...unit.rowGroups } } : {}) });
    at += size;
  }
  const shardBytes = units.reduce((sum, u) => sum + (u.end - u.start), 0);
  return { shard, units, totalBytes: total, shardBytes, footerBytes };
}

/** `data/a.jsonl bytes 1048576-2097151`, `data/b.parquet row groups 3-4 of 9`, `data/c.jsonl.gz`. */
export function describeUnit(unit: WorkUnit, rowGroupCount?: number): string {
  if (unit.kind === 'lines') return `${unit.path} bytes ${unit.start}-${unit.end - 1}`;
  if (unit.kind === 'row-groups' && unit.rowGroups !== undefined) {
    const { first, end } = unit.rowGroups;
    const of = rowGroupCount === undefined ? '' : ` of ${rowGroupCount}`;
    return end - first === 1 ? `${unit.path} row group ${first + 1}${of}` : `${unit.path} row groups ${first + 1}-${end}${of}`;
  }
  return unit.path;
}
