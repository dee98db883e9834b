// `--shard I/N | auto`, `--shards N`, `--shard-by units|records` of `prepare` and `inspect`, resolved.

import { OptionError } from '../errors.js';
import { shardFromEnvironment } from '../input/shard-environment.js';
import type { ShardBy } from '../input/work-units.js';
import type { Shard } from '../twin/prepare/options.js';
import { MAX_SHARDS } from './output-names.js';

/**
 * `--shard I/N` or `--shard auto [--shards N]`, and how: by work units (files, Parquet row groups, byte
 * ranges of JSON lines: each shard reads about 1/N of the input; the default for `prepare` on files) or by
 * record number (every shard reads everything; stdin, `inspect`, or `--shard-by records`).
 */
export function shardArgs(
  given: { spec: string | undefined; shards: number | undefined; by: string | undefined },
  inputs: readonly string[],
  byUnits: boolean,
): (Shard & { by: ShardBy; scheduler?: string }) | null {
  const { spec, shards, by: byOption } = given;
  if (byOption !== undefined && byOption !== 'units' && byOption !== 'records')
    throw new OptionError(`--shard-by must be units or records, got ${JSON.stringify(byOption)}`);
  if (spec === undefined) {
    if (shards !== undefined || byOption !== undefined) throw new OptionError('--shards and --shard-by go with --shard');
    return null;
  }
  let shard: Shard & { scheduler?: string };
  if (spec === 'auto') shard = shardFromEnvironment(shards === undefined ? {} : { count: shards });
  else {
    const m = /^(\d+)\/(\d+)$/.exec(spec);
    if (m === null || Number(m[1]) >= Number(m[2]) || Number(m[2]) > MAX_SHARDS)
      throw new OptionError(`--shard must be I/N with 0 <= I < N <= ${MAX_SHARDS} (e.g. 0/4), or auto, got ${JSON.stringify(spec)}`);
    if (shards !== undefined) throw new OptionError('--shards goes with --shard auto (--shard I/N already says N)');
    shard = { index: Number(m[1]), count: Number(m[2]) };
  }
  const stdin = inputs.includes('-');
  if (byOption === 'units' && (stdin || !byUnits))
    throw new OptionError(stdin ? '--shard-by units: stdin cannot be cut into work units (drop --shard-by, or name files)' : '--shard-by units is for prepare');
  const by: ShardBy = byOption ?? (byUnits && !stdin ? 'units' : 'records');
  return { ...shard, by };
}
