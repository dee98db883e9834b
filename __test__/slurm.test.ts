// The scale-out example, run on a real one-node Slurm cluster (Debian's slurmctld, slurmd and munge): the
// 4-task array of examples/slurm/prepare-array.sbatch over a folder of JSON-lines, gzip and Parquet files,
// with task 2 failing its first attempt and requeued. Its shards, in order, are byte for byte the single
// run; each task read about its quarter of the input; rerunning done tasks is a no-op; status says 4/4.
// Needs ../shared (the data) and root with apt (the cluster); in CI both must be there.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cli, prepareArgs } from './support/cli';
import { fixtureDir, sharedDir } from './support/shared';
import { arrayStates, installSlurm, startSlurmCluster, waitForArray, type SlurmCluster } from './support/slurm-cluster';

const shared = sharedDir();
const SHARDS = 4;
const FAILING_TASK = 2;
const sbatchScript = join(__dirname, '..', 'examples', 'slurm', 'prepare-array.sbatch');
const bin = join(__dirname, '..', 'bin', 'tokenshift.cjs');

interface ShardMeta {
  records: number;
  rows: number;
  shard: { index: number; count: number; by: string };
  split: { totalBytes: number; shardBytes: number; bytesRead: number; planningFooterBytes: number };
  inputs: { path: string; unit: string; firstRecord: number; records: number; bytesRead: number }[];
}

/** A folder of the kinds of files a Hub dataset holds: Parquet shards (several row groups), JSON lines (LF, and CRLF without a final newline), gzip. */
function makeInputFolder(root: string): { dir: string; longestLine: number } {
  const dir = join(root, 'input');
  mkdirSync(dir);
  const parquet = join(shared as string, 'data', 'parquet');
  copyFileSync(join(parquet, 'alpaca_en_demo.snappy.parquet'), join(dir, 'a-alpaca-en.parquet'));
  copyFileSync(join(parquet, 'alpaca_zh_hub', 'data', 'train-00000-of-00002.parquet'), join(dir, 'b-alpaca-zh-00000.parquet'));
  const en = JSON.parse(readFileSync(join(shared as string, 'data', 'llama-factory', 'alpaca_en_demo.json'), 'utf8')) as unknown[];
  const zh = JSON.parse(readFileSync(join(shared as string, 'data', 'llama-factory', 'alpaca_zh_demo.json'), 'utf8')) as unknown[];
  const lines = (records: unknown[]) => records.map((r) => JSON.stringify(r));
  writeFileSync(join(dir, 'c-alpaca-en.jsonl'), `${lines(en).join('\n')}\n`);
  writeFileSync(join(dir, 'd-alpaca-zh.jsonl'), lines(zh.slice(0, 600)).join('\r\n'));
  writeFileSync(join(dir, 'e-alpaca-zh.jsonl.gz'), gzipSync(`${lines(zh.slice(600)).join('\n')}\n`));
  copyFileSync(join(parquet, 'alpaca_zh_hub', 'data', 'train-00001-of-00002.parquet'), join(dir, 'f-alpaca-zh-00001.parquet'));
  const longestLine = Math.max(...lines(en).map((l) => Buffer.byteLength(l)), ...lines(zh).map((l) => Buffer.byteLength(l)));
  return { dir, longestLine };
}

describe.skipIf(shared === null)('a Slurm job array (examples/slurm/prepare-array.sbatch)', () => {
  let cluster: SlurmCluster | null = null;
  let unavailable: string | null = null;

  beforeAll(async () => {
    unavailable = installSlurm();
    if (unavailable !== null) {
      if (process.env.CI) throw new Error(`CI must run the Slurm test: ${unavailable}`);
      console.warn(`[tokenshift tests] skipping the Slurm test: ${unavailable}`);
      return;
    }
    cluster = await startSlurmCluster();
  }, 600_000);

  afterAll(() => cluster?.stop());

  it('runs 4 shards that together are the single run, each reading its quarter; a failed task is requeued; reruns are no-ops', async (ctx) => {
    if (cluster === null) return ctx.skip(unavailable ?? 'no cluster');
    const slurm = cluster;
    const root = mkdtempSync(join(tmpdir(), 'tokenshift-slurm-job-'));
    const { dir: input, longestLine } = makeInputFolder(root);
    const tokenizer = fixtureDir('llama2/tinyllama-1.1b-chat-v1.0');

    const single = join(root, 'single', 'rows.jsonl');
    mkdirSync(join(root, 'single'));
    const whole = cli(prepareArgs(tokenizer, [input], single, ['--stats', join(root, 'single', 'stats.json')]));
    expect(whole.status, whole.stderr).toBe(0);

    // Task 2's first attempt dies before it writes anything; its requeued attempt (SLURM_RESTART_COUNT=1) runs.
    const wrapper = join(root, 'tokenshift-fails-once');
    writeFileSync(
      wrapper,
      [
        '#!/bin/bash',
        `if [ "$SLURM_ARRAY_TASK_ID" = ${FAILING_TASK} ] && [ "\${SLURM_RESTART_COUNT:-0}" = 0 ]; then echo "injected fault: first attempt of task ${FAILING_TASK}" >&2; exit 3; fi`,
        `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const output = join(root, 'out', 'rows.jsonl');
    mkdirSync(join(root, 'out'));
    mkdirSync(join(root, 'logs'));
    const submit = (array: string) =>
      slurm
        .run('sbatch', [
          '--parsable',
          `--array=${array}`,
          `--chdir=${root}`,
          `--output=${join(root, 'logs', '%A_%a.log')}`,
          `--export=ALL,TOKENIZER=${tokenizer},INPUT=${input},OUTPUT=${output},TOKENSHIFT=${wrapper}`,
          sbatchScript,
        ])
        .trim()
        .split(';')[0] as string;
    const log = (job: string, task: number) => readFileSync(join(root, 'logs', `${job}_${task}.log`), 'utf8');

    const job = submit(`0-${SHARDS - 1}`);
    const finished = (s: string | undefined) => s === 'COMPLETED' || s === 'FAILED';
    const first = await waitForArray(slurm, job, (states) => states.size === SHARDS && [...states.values()].every(finished));
    for (let task = 0; task < SHARDS; task++) expect(first.get(task), `task ${task}: ${log(job, task)}`).toBe(task === FAILING_TASK ? 'FAILED' : 'COMPLETED');
    expect(log(job, FAILING_TASK)).toContain('injected fault');
    const partial = cli(['status', '--output', output, '--shards', String(SHARDS)]);
    expect(partial.status).toBe(1);
    expect(partial.stderr).toContain(`3 of ${SHARDS} shards done`);
    expect(partial.stderr).toMatch(new RegExp(`shard ${FAILING_TASK}\\s+missing`));

    // Requeued: Slurm holds it ~120 s unless its start time is moved to now.
    slurm.run('scontrol', ['requeue', `${job}_${FAILING_TASK}`]);
    slurm.run('scontrol', ['update', `JobId=${job}_${FAILING_TASK}`, 'StartTime=now']);
    await waitForArray(slurm, job, (states) => states.get(FAILING_TASK) === 'COMPLETED');
    expect(log(job, FAILING_TASK)).not.toContain('injected fault');

    // The shards in order are the single run, byte for byte.
    const shardFile = (i: number) => join(root, 'out', `rows-0000${i}-of-0000${SHARDS}.jsonl`);
    const joined = Buffer.concat(Array.from({ length: SHARDS }, (_, i) => readFileSync(shardFile(i))));
    expect(joined.equals(readFileSync(single))).toBe(true);

    // Each task read its units' bytes, plus the Parquet footers and the line that crosses its end.
    const metas = Array.from({ length: SHARDS }, (_, i) => JSON.parse(readFileSync(`${shardFile(i)}.meta.json`, 'utf8')) as ShardMeta);
    const inputBytes = [
      'a-alpaca-en.parquet',
      'b-alpaca-zh-00000.parquet',
      'c-alpaca-en.jsonl',
      'd-alpaca-zh.jsonl',
      'e-alpaca-zh.jsonl.gz',
      'f-alpaca-zh-00001.parquet',
    ]
      .map((f) => statSync(join(input, f)).size)
      .reduce((a, b) => a + b, 0);
    const footers = metas[0]?.split.planningFooterBytes as number;
    // Every byte is in one shard's units, but the footers and each Parquet file's leading 4-byte magic.
    expect(metas.reduce((n, m) => n + m.split.shardBytes, 0) + footers + 3 * 4).toBe(inputBytes);
    const largestUnit = statSync(join(input, 'e-alpaca-zh.jsonl.gz')).size;
    for (const [i, meta] of metas.entries()) {
      expect(meta.shard).toEqual({ index: i, count: SHARDS, by: 'units' });
      expect(meta.split.bytesRead, `shard ${i}`).toBeLessThanOrEqual(meta.split.shardBytes + footers + 2 * (longestLine + 4096));
      expect(meta.split.shardBytes, `shard ${i}`).toBeLessThanOrEqual(inputBytes / SHARDS + largestUnit);
      console.info(`[slurm] shard ${i}: ${meta.records} records, units ${meta.split.shardBytes} B, read ${meta.split.bytesRead} B of ${inputBytes} B`);
    }

    // Rerunning the completed tasks is a no-op that says so.
    const doneAt = Array.from({ length: SHARDS }, (_, i) => statSync(shardFile(i)).mtimeMs);
    const again = submit(`0,1,3`);
    await waitForArray(slurm, again, (states) => states.size === 3 && [...states.values()].every(finished));
    for (const [task, state] of arrayStates(slurm, again)) {
      expect(state, log(again, task)).toBe('COMPLETED');
      expect(log(again, task)).toContain('is already complete');
    }
    expect(Array.from({ length: SHARDS }, (_, i) => statSync(shardFile(i)).mtimeMs)).toEqual(doneAt);

    // status: 4/4 done, and the merged stats are the single run's.
    const merged = join(root, 'out', 'stats.json');
    const status = cli(['status', '--output', output, '--shards', String(SHARDS), '--stats', merged]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stderr).toContain(`${SHARDS} of ${SHARDS} shards done`);
    const sum = JSON.parse(readFileSync(merged, 'utf8')) as Record<string, unknown>;
    const one = JSON.parse(readFileSync(join(root, 'single', 'stats.json'), 'utf8')) as Record<string, unknown>;
    for (const key of ['records', 'rows', 'tokens', 'trainedLabels', 'skipped', 'truncated', 'balanced']) expect(sum[key], key).toEqual(one[key]);
    expect(existsSync(join(root, 'out', `rows-0000${FAILING_TASK}-of-0000${SHARDS}.jsonl.done.json`))).toBe(true);
    spawnSync('rm', ['-rf', root]);
  }, 900_000);
});
