// Output names of a shard: `rows.jsonl` with --shard 2/8 becomes `rows-00002-of-00008.jsonl` (the
// Hugging Face convention), so shards written to one folder never collide and sort in order.

import { basename, dirname, join } from 'node:path';

import type { Shard } from '../twin/prepare/options.js';

export function shardName(path: string, shard: Shard | null | undefined): string {
  if (shard === null || shard === undefined || path === '-') return path;
  const name = basename(path);
  const tag = `-${String(shard.index).padStart(5, '0')}-of-${String(shard.count).padStart(5, '0')}`;
  // Before the extension(s) that say the format: rows.jsonl, stats.json, out.meta.json stay recognisable.
  const dot = name.search(/\.(jsonl|ndjson|json|parquet|npy|bin)$/);
  const sharded = dot > 0 ? `${name.slice(0, dot)}${tag}${name.slice(dot)}` : `${name}${tag}`;
  return join(dirname(path), sharded);
}

/** Most shards one job may be split into (`--shard I/N`, merge-stats): more than any cluster runs. */
export const MAX_SHARDS = 1_000_000;
