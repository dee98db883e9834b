// One dataset from the shards of a job, without copying a byte: for formats a trainer opens through an
// index, an index at the job's own output path that points into the shard directories.
// - litdata: `<output>/index.json` listing every shard's chunks (`../train-00000-of-00004/chunk-0-0.bin`),
//   what litdata's `StreamingDataset(<output>)` opens (as its own `merge_datasets` would, without the copy).
// - mds: `<output>/index.json` listing every shard's MDS shards by relative basename, as MosaicML
//   streaming's `merge_index` writes it; `StreamingDataset(local=<output>)`.
// - megatron: `<output>/data-path.txt` and `<output>/loss-mask-path.txt`, the shards' prefixes in order,
//   for `--data-path $(cat …)` / `--data-args-path` (Megatron blends them without weights: each whole).

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

import { TokenshiftError, errorMessage } from '../errors.js';
import { PendingPath } from '../write/ts/pending.js';

export const INDEXED_FORMATS = ['litdata', 'mds', 'megatron'] as const;

/** Files the combined index of each format consists of (all that may be in `<output>/`). */
const INDEX_FILES: Record<(typeof INDEXED_FORMATS)[number], string[]> = {
  litdata: ['index.json'],
  mds: ['index.json'],
  megatron: ['data-path.txt', 'loss-mask-path.txt'],
};

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new TokenshiftError('INPUT', `cannot read ${path}: ${errorMessage(error)}`, { cause: error });
  }
}

/** JSON with keys sorted at every level, as litdata writes its index. */
function sortedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedJson);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortedJson((value as Record<string, unknown>)[k])]),
    );
  return value;
}

function litdataIndex(output: string, shards: readonly string[]): string {
  const indexes = shards.map((dir) => readJson(join(dir, 'index.json')));
  const config = indexes[0]?.config;
  indexes.forEach((index, i) => {
    if (JSON.stringify(index.config) !== JSON.stringify(config))
      throw new TokenshiftError('INPUT', `${shards[i]}/index.json has another litdata config than ${shards[0]}/index.json`);
  });
  const chunks = indexes.flatMap((index, i) =>
    (index.chunks as Record<string, unknown>[]).map((chunk) => ({ ...chunk, filename: relative(output, join(shards[i] as string, String(chunk.filename))) })),
  );
  return JSON.stringify(sortedJson({ chunks, config, updated_at: indexes[0]?.updated_at ?? '0' }));
}

function mdsIndex(output: string, shards: readonly string[]): string {
  const entries = shards.flatMap((dir) => {
    const index = readJson(join(dir, 'index.json'));
    const rel = relative(output, dir);
    return (index.shards as Record<string, unknown>[]).map((shard) => {
      const raw = shard.raw_data as Record<string, unknown>;
      const zip = shard.zip_data as Record<string, unknown> | null;
      return {
        ...shard,
        raw_data: { ...raw, basename: join(rel, String(raw.basename)) },
        zip_data: zip === null || zip === undefined ? zip : { ...zip, basename: join(rel, String(zip.basename)) },
      };
    });
  });
  return JSON.stringify({ shards: entries, version: 2 }, null, 0);
}

/**
 * The shards' prefixes, absolute (a list of prefixes has no folder of its own to be relative to). A shard
 * without rows is left out: Megatron cannot map its empty `.bin`.
 */
function megatronPaths(shards: readonly string[]): [string, string][] {
  const withRows = shards.filter((dir) => statSync(join(dir, 'input_ids.bin')).size > 0);
  return [
    ['data-path.txt', `${withRows.map((dir) => resolve(dir, 'input_ids')).join('\n')}\n`],
    ['loss-mask-path.txt', `${withRows.map((dir) => resolve(dir, 'loss_mask')).join('\n')}\n`],
  ];
}

/**
 * Writes the combined index of `shards` (the shard outputs, in order) at `output`; returns the files written.
 * `output` must be missing, or hold only a combined index written before.
 */
export function writeCombinedIndex(format: (typeof INDEXED_FORMATS)[number], output: string, shards: readonly string[]): string[] {
  const names = INDEX_FILES[format];
  if (existsSync(output)) {
    if (!statSync(output).isDirectory()) throw new TokenshiftError('INPUT', `${output} exists and is not a directory: the combined index goes there`);
    const foreign = readdirSync(output).filter((name) => !names.includes(name));
    if (foreign.length > 0)
      throw new TokenshiftError(
        'INPUT',
        `${output} holds files that are not a combined index (${foreign.slice(0, 3).join(', ')}): the combined index goes there`,
      );
  }
  mkdirSync(output, { recursive: true });
  const contents: [string, string][] =
    format === 'litdata'
      ? [['index.json', litdataIndex(output, shards)]]
      : format === 'mds'
        ? [['index.json', mdsIndex(output, shards)]]
        : megatronPaths(shards);
  return contents.map(([name, text]) => {
    const path = join(output, name);
    const pending = new PendingPath(path, false);
    writeFileSync(pending.temporary, text);
    pending.commit();
    return path;
  });
}

export function isIndexedFormat(format: string): format is (typeof INDEXED_FORMATS)[number] {
  return (INDEXED_FORMATS as readonly string[]).includes(format);
}
