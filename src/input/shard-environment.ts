// `--shard auto`: which shard this process is, from the environment its scheduler sets for each task of an
// array job, and how many shards there are, from `--shards N` or the scheduler where its count can be
// trusted. Ambiguous or missing: an error that says what was found.

import { OptionError } from '../errors.js';
import type { Shard } from '../twin/prepare/options.js';

/** Variables that hold a task's index, by scheduler, with the variable holding the task count when one exists. */
export const SCHEDULER_INDEX_VARIABLES = [
  { scheduler: 'Slurm job array', index: 'SLURM_ARRAY_TASK_ID', count: 'SLURM_ARRAY_TASK_COUNT' },
  { scheduler: 'Kubernetes Indexed Job', index: 'JOB_COMPLETION_INDEX', count: null },
  { scheduler: 'AWS Batch array job', index: 'AWS_BATCH_JOB_ARRAY_INDEX', count: null },
  { scheduler: 'Google Cloud Batch', index: 'BATCH_TASK_INDEX', count: 'BATCH_TASK_COUNT' },
  { scheduler: 'Cloud Run job', index: 'CLOUD_RUN_TASK_INDEX', count: 'CLOUD_RUN_TASK_COUNT' },
] as const;

export interface ShardFromEnvironmentOptions {
  /** The number of shards (`--shards N`); needed where the scheduler does not say, checked where it does. */
  count?: number;
  env?: NodeJS.ProcessEnv;
}

const whole = (value: string | undefined): number | null => (value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : null);

/**
 * The count a Slurm array gives, when it is the number of shards: `--array=0-N-1` sets COUNT = N, MIN = 0,
 * MAX = N - 1. Resubmitting one task (`--array=2`) sets COUNT = 1 for it: then the count cannot be trusted.
 */
function slurmCount(env: NodeJS.ProcessEnv): { count: number | null; why: string } {
  const count = whole(env.SLURM_ARRAY_TASK_COUNT);
  const min = whole(env.SLURM_ARRAY_TASK_MIN);
  const max = whole(env.SLURM_ARRAY_TASK_MAX);
  const step = whole(env.SLURM_ARRAY_TASK_STEP) ?? 1;
  if (count !== null && min === 0 && max === count - 1 && step === 1) return { count, why: '' };
  return {
    count: null,
    why: `the array is not 0-${count === null ? 'N' : count - 1} (SLURM_ARRAY_TASK_MIN=${env.SLURM_ARRAY_TASK_MIN ?? 'unset'}, MAX=${env.SLURM_ARRAY_TASK_MAX ?? 'unset'}, COUNT=${env.SLURM_ARRAY_TASK_COUNT ?? 'unset'}, e.g. one task resubmitted with --array=I)`,
  };
}

export function shardFromEnvironment(options: ShardFromEnvironmentOptions = {}): Shard & { scheduler: string } {
  const env = options.env ?? process.env;
  const given = options.count;
  if (given !== undefined && (!Number.isSafeInteger(given) || given < 1))
    throw new OptionError(`--shards must be a whole number of at least 1, got ${String(given)}`);
  const found = SCHEDULER_INDEX_VARIABLES.filter((v) => env[v.index] !== undefined && env[v.index] !== '');
  if (found.length === 0)
    throw new OptionError(
      `--shard auto: no scheduler task index in the environment (${SCHEDULER_INDEX_VARIABLES.map((v) => v.index).join(', ')}); run it as a task of an array job, or give --shard I/N`,
    );
  const indexes = new Set(found.map((v) => env[v.index]));
  if (indexes.size > 1)
    throw new OptionError(
      `--shard auto: the environment names different task indexes (${found.map((v) => `${v.index}=${env[v.index]}`).join(', ')}); give --shard I/N`,
    );
  const source = found[0] as (typeof SCHEDULER_INDEX_VARIABLES)[number];
  const index = whole(env[source.index]);
  if (index === null) throw new OptionError(`--shard auto: ${source.index}=${JSON.stringify(env[source.index])} is not a task index`);
  let scheduled: { count: number | null; why: string };
  if (source.index === 'SLURM_ARRAY_TASK_ID') scheduled = slurmCount(env);
  else if (source.count !== null) {
    const count = whole(env[source.count]);
    scheduled = { count, why: count === null ? `${source.count} is not set` : '' };
  } else scheduled = { count: null, why: `a ${source.scheduler} does not say how many tasks it has` };
  if (given !== undefined && scheduled.count !== null && scheduled.count !== given)
    throw new OptionError(`--shards ${given}, but the ${source.scheduler} has ${scheduled.count} tasks (${source.count}): make them agree`);
  const count = given ?? scheduled.count;
  if (count === null) throw new OptionError(`--shard auto: give --shards N (${scheduled.why})`);
  if (index >= count) throw new OptionError(`--shard auto: task index ${index} (${source.index}) is not below the number of shards, ${count}`);
  return { index, count, scheduler: source.scheduler };
}
