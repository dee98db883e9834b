// Sharding by work units (docs/scale-out.md), on a tokenizer an npm devDependency ships so it runs anywhere:
// for any file contents and shard count the shards, in order, give the single run's rows once each and read
// about 1/N of the bytes; `--shard auto` takes the index from the scheduler; a shard's completion record
// makes a rerun a no-op, a killed shard leaves none, and `status` sees done, missing and inconsistent shards.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { inputFiles, planShard, prepareIter, shardFromEnvironment, Tokenizer, type PreparedBatch } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { cli, temporaryOf } from './support/cli';
import { PACKAGED_TOKENIZERS } from './support/shared';

const tokenizerDir = PACKAGED_TOKENIZERS.qwen3;
const bin = join(__dirname, '..', 'bin', 'tokenshift.cjs');

/** Each row's input ids, in order, and the bytes read, over shards 0..count-1 (or the whole input when count is 0). */
async function shardRows(tokenizer: Tokenizer, paths: string[], count: number): Promise<{ rows: string[]; bytesRead: number[] }> {
  const rows: string[] = [];
  const bytesRead: number[] = [];
  for (let index = 0; index < Math.max(1, count); index++) {
    const files = count === 0 ? inputFiles(paths) : inputFiles(paths, { shard: { index, count } });
    const run = prepareIter(files, { tokenizer, shift: 'model', onError: 'skip' });
    for await (const batch of run) {
      const b = batch as PreparedBatch;
      for (let r = 0; r < b.rowCount; r++) rows.push(Array.from(b.inputIds.subarray(b.offsets[r], b.offsets[r + 1])).join(','));
    }
    bytesRead.push(run.report.inputs.reduce((n, i) => n + (i.bytesRead ?? 0), 0));
  }
  return { rows, bytesRead };
}

const words = fc.constantFrom('a', 'the', 'é', '中文', '🚀', ' ', 'x'.repeat(5000), '"quoted"', 'tab\t');
const record = fc.record({
  instruction: fc.array(words, { minLength: 1, maxLength: 6 }).map((w) => w.join(' ')),
  output: fc.array(words, { maxLength: 6 }).map((w) => w.join(' ')),
});
const line = fc.oneof(
  { weight: 8, arbitrary: record.map((r) => JSON.stringify(r)) },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constant('{not json') },
);

describe.each(testBackends())('work units (%s backend)', (backend) => {
  const tokenizer = Tokenizer.fromDir(tokenizerDir, { backend });

  it('for any JSON-lines file (LF or CRLF, blank and bad lines, long lines, no final newline) and any N, the shards in order are the single run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-units-'));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 0, maxLength: 14 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.integer({ min: 1, max: 9 }),
        async (lines, eol, finalNewline, count) => {
          const path = join(dir, `f${n++}.jsonl`);
          writeFileSync(path, lines.join(eol) + (finalNewline && lines.length > 0 ? eol : ''));
          const single = await shardRows(tokenizer, [path], 0);
          const sharded = await shardRows(tokenizer, [path], count);
          expect(sharded.rows).toEqual(single.rows);
          const size = statSync(path).size;
          const longest = Math.max(0, ...lines.map((l) => Buffer.byteLength(l) + eol.length));
          for (const read of sharded.bytesRead) expect(read).toBeLessThanOrEqual(Math.ceil(size / count) + longest + 4096 + 1);
        },
      ),
      { numRuns: 40 },
    );
    // Cuts that land exactly on line starts (equal-length lines): the line at the cut belongs to the shard after it.
    const even = join(dir, 'even.jsonl');
    writeFileSync(even, Array.from({ length: 12 }, (_, i) => `${JSON.stringify({ instruction: `q${i % 10}`, output: `a${i % 10}` })}\n`).join(''));
    const single = await shardRows(tokenizer, [even], 0);
    expect(single.rows).toHaveLength(12);
    for (const count of [2, 3, 4, 6, 12]) expect((await shardRows(tokenizer, [even], count)).rows, `N=${count}`).toEqual(single.rows);
  }, 240_000);

  it('several files of each kind: units are contiguous, cover every byte once, and balance by bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-units-'));
    const rec = (i: number) => JSON.stringify({ instruction: `question ${i} ${'w'.repeat(i % 7)}`, output: `answer ${i}` });
    const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => rec(from + k));
    writeFileSync(join(dir, 'a.jsonl'), `${lines(0, 300).join('\n')}\n`);
    writeFileSync(join(dir, 'b.jsonl.gz'), gzipSync(`${lines(300, 400).join('\n')}\n`));
    writeFileSync(join(dir, 'c.json'), JSON.stringify(lines(400, 450).map((l) => JSON.parse(l) as unknown)));
    writeFileSync(join(dir, 'd.jsonl'), lines(450, 900).join('\r\n'));
    const paths = ['a.jsonl', 'b.jsonl.gz', 'c.json', 'd.jsonl'].map((f) => join(dir, f));
    const total = paths.reduce((n, p) => n + statSync(p).size, 0);
    const atomic = Math.max(statSync(paths[1] as string).size, statSync(paths[2] as string).size);
    const single = await shardRows(tokenizer, paths, 0);
    expect(single.rows.length).toBe(900);
    for (const count of [1, 2, 3, 5, 16]) {
      const plans = Array.from({ length: count }, (_, index) => planShard(paths, { index, count }));
      expect(plans.reduce((n, p) => n + p.shardBytes, 0)).toBe(total);
      for (const plan of plans) {
        expect(plan.totalBytes).toBe(total);
        expect(plan.shardBytes).toBeLessThanOrEqual(total / count + atomic + 1);
      }
      // Gzip and JSON-array files are whole units, each in exactly one shard.
      for (const whole of [paths[1], paths[2]]) expect(plans.flatMap((p) => p.units).filter((u) => u.path === whole)).toHaveLength(1);
      const sharded = await shardRows(tokenizer, paths, count);
      expect(sharded.rows, `N=${count}`).toEqual(single.rows);
    }
  }, 120_000);
});

describe('shardFromEnvironment (--shard auto)', () => {
  const slurm = { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3', SLURM_ARRAY_TASK_STEP: '1' };

  it('reads each scheduler', () => {
    expect(shardFromEnvironment({ env: slurm })).toMatchObject({ index: 2, count: 4 });
    expect(shardFromEnvironment({ env: { JOB_COMPLETION_INDEX: '5' }, count: 8 })).toMatchObject({ index: 5, count: 8 });
    expect(shardFromEnvironment({ env: { AWS_BATCH_JOB_ARRAY_INDEX: '0' }, count: 2 })).toMatchObject({ index: 0, count: 2 });
    expect(shardFromEnvironment({ env: { BATCH_TASK_INDEX: '3', BATCH_TASK_COUNT: '10' } })).toMatchObject({ index: 3, count: 10 });
    expect(shardFromEnvironment({ env: { CLOUD_RUN_TASK_INDEX: '1', CLOUD_RUN_TASK_COUNT: '2' } })).toMatchObject({ index: 1, count: 2 });
  });

  it('does not trust the count of a Slurm task resubmitted alone, and errs clearly when unsure', () => {
    // sbatch --array=2 resubmitting task 2 gives COUNT=1, MIN=MAX=2.
    const alone = { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '1', SLURM_ARRAY_TASK_MIN: '2', SLURM_ARRAY_TASK_MAX: '2' };
    expect(() => shardFromEnvironment({ env: alone })).toThrow(/give --shards N \(the array is not 0-0/);
    expect(shardFromEnvironment({ env: alone, count: 4 })).toMatchObject({ index: 2, count: 4 });
    expect(() => shardFromEnvironment({ env: slurm, count: 8 })).toThrow(/--shards 8, but the Slurm job array has 4 tasks/);
    expect(() => shardFromEnvironment({ env: {} })).toThrow(/no scheduler task index in the environment/);
    expect(() => shardFromEnvironment({ env: { JOB_COMPLETION_INDEX: '1' } })).toThrow(/give --shards N/);
    expect(() => shardFromEnvironment({ env: { JOB_COMPLETION_INDEX: '4' }, count: 4 })).toThrow(/task index 4 .* is not below the number of shards, 4/);
    expect(() => shardFromEnvironment({ env: { JOB_COMPLETION_INDEX: 'x' }, count: 4 })).toThrow(/is not a task index/);
    expect(() => shardFromEnvironment({ env: { JOB_COMPLETION_INDEX: '1', AWS_BATCH_JOB_ARRAY_INDEX: '2' }, count: 4 })).toThrow(/different task indexes/);
  });
});

describe('the CLI: shards of a job, their completion records, and status', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenshift-shard-cli-'));
  const input = join(dir, 'input');
  mkdirSync(input);
  const rec = (i: number) => JSON.stringify({ instruction: `Say ${i} in words, please.`, output: `The number ${i}.` });
  const all = Array.from({ length: 600 }, (_, i) => rec(i));
  writeFileSync(join(input, '1.jsonl'), `${all.slice(0, 250).join('\n')}\n{broken\n`);
  writeFileSync(join(input, '2.jsonl.gz'), gzipSync(`${all.slice(250, 330).join('\n')}\n`));
  writeFileSync(join(input, '3.jsonl'), `${all.slice(330).join('\n')}\n`);
  const prepare = (output: string, extra: string[]) =>
    cli(['prepare', '--tokenizer', tokenizerDir, '--input', input, '--output', output, '--shift', 'model', '--on-error', 'skip', ...extra]);

  it('N shards and status give the single run: rows byte for byte, and merged stats with global record numbers', () => {
    const single = prepare(join(dir, 'single.jsonl'), ['--stats', join(dir, 'single-stats.json')]);
    expect(single.status, single.stderr).toBe(0);
    const one = JSON.parse(readFileSync(join(dir, 'single-stats.json'), 'utf8')) as Record<string, unknown> & {
      skipped: { count: number; invalid: { records: { record: number; reason: string }[] } };
    };
    for (const count of [2, 3]) {
      const out = join(dir, `n${count}`, 'rows.jsonl');
      mkdirSync(join(dir, `n${count}`));
      for (let i = 0; i < count; i++) {
        // N=3: --shard auto with the Kubernetes variable, as a pod of an Indexed Job would.
        const shardArgs = count === 3 ? ['--shard', 'auto', '--shards', '3'] : ['--shard', `${i}/${count}`];
        const env = { ...process.env, JOB_COMPLETION_INDEX: String(i) };
        const run = cli(['prepare', '--tokenizer', tokenizerDir, '--input', input, '--output', out, '--shift', 'model', '--on-error', 'skip', ...shardArgs], {
          env,
        });
        expect(run.status, run.stderr).toBe(0);
        expect(run.stderr).toMatch(new RegExp(`shard\\s+${i}/${count}`));
      }
      const names = Array.from({ length: count }, (_, i) => join(dir, `n${count}`, `rows-0000${i}-of-0000${count}.jsonl`));
      expect(Buffer.concat(names.map((n) => readFileSync(n))).equals(readFileSync(join(dir, 'single.jsonl')))).toBe(true);
      const status = cli(['status', '--output', out, '--shards', String(count), '--stats', join(dir, `n${count}`, 'stats.json')]);
      expect(status.status, status.stderr).toBe(0);
      const merged = JSON.parse(readFileSync(join(dir, `n${count}`, 'stats.json'), 'utf8')) as typeof one;
      for (const key of ['records', 'rows', 'tokens', 'trainedLabels', 'balanced']) expect(merged[key], key).toEqual(one[key]);
      expect(merged.skipped.count).toBe(one.skipped.count);
      // Global record numbers; the line is counted from the start of the shard's byte range, which the reason names.
      expect(merged.skipped.invalid.records.map((r) => r.record)).toEqual([251]);
      expect(merged.skipped.invalid.records[0]?.reason).toMatch(/^record 251 \(.*1\.jsonl line \d+( after byte \d+)?\): field `\(json\)` is not valid JSON/);
    }
  }, 240_000);

  it('a rerun of a done shard is a no-op; other options or --overwrite redo it; status names inconsistent and missing shards', () => {
    const out = join(dir, 'resume', 'rows.jsonl');
    mkdirSync(join(dir, 'resume'));
    const shard = (i: number, extra: string[] = []) => prepare(out, ['--shard', `${i}/3`, ...extra]);
    for (const i of [0, 1]) expect(shard(i).status).toBe(0);
    const file0 = join(dir, 'resume', 'rows-00000-of-00003.jsonl');
    const first = statSync(file0).mtimeMs;
    const again = shard(0);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/shard 0\/3 is already complete .*nothing to do/);
    expect(statSync(file0).mtimeMs).toBe(first);

    let status = cli(['status', '--output', out, '--shards', '3']);
    expect(status.status).toBe(1);
    expect(status.stderr).toMatch(/2 of 3 shards done/);
    expect(status.stderr).toMatch(/shard 2\s+missing: no completion record/);

    // Shard 1 redone with another option: it no longer matches the others.
    const redo = shard(1, ['--max-length', '16', '--truncation', 'right']);
    expect(redo.status, redo.stderr).toBe(0);
    expect(redo.stderr).toMatch(/redoing shard 1\/3: /);
    expect(shard(2).status).toBe(0);
    status = cli(['status', '--output', out, '--shards', '3']);
    expect(status.status).toBe(1);
    expect(status.stderr).toMatch(/shard 1\s+inconsistent: made from other inputs, options or tokenizer/);

    const overwrite = shard(1, ['--overwrite']);
    expect(overwrite.status, overwrite.stderr).toBe(0);
    expect(overwrite.stderr).toMatch(/redoing shard 1\/3/);
    expect(cli(['status', '--output', out, '--shards', '3']).status).toBe(0);

    // A changed input file redoes the shard.
    writeFileSync(join(input, '3.jsonl'), `${all.slice(330).join('\n')}\n`);
    const touched = shard(0);
    expect(touched.stderr).toMatch(/redoing shard 0\/3/);
  }, 240_000);

  it('a killed shard leaves no completion record; status calls it missing and a rerun completes it', async () => {
    const big = join(dir, 'big');
    mkdirSync(big);
    const long = Array.from({ length: 60_000 }, (_, i) => rec(i)).join('\n');
    writeFileSync(join(big, 'all.jsonl'), `${long}\n`);
    const out = join(dir, 'killed', 'rows.jsonl');
    mkdirSync(join(dir, 'killed'));
    const args = ['prepare', '--tokenizer', tokenizerDir, '--input', big, '--output', out, '--shift', 'model', '--shard', '0/2'];
    const child = spawn(process.execPath, [bin, ...args], { stdio: 'ignore' });
    const shardOut = join(dir, 'killed', 'rows-00000-of-00002.jsonl');
    for (let i = 0; i < 600 && temporaryOf(shardOut, child.pid) === null && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 20));
    expect(child.exitCode, 'the shard finished before it could be killed').toBeNull();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(`${shardOut}.done.json`)).toBe(false);
    expect(readdirSync(join(dir, 'killed')).filter((f) => f.endsWith('.done.json'))).toEqual([]);
    const status = cli(['status', '--output', out, '--shards', '2']);
    expect(status.stderr).toMatch(/shard 0\s+missing/);
    const rerun = cli(args);
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(existsSync(`${shardOut}.done.json`)).toBe(true);
  }, 240_000);

  it('stdin is sharded the modulo way (--shard-by records), and --shard-by units on stdin is a clear error', () => {
    const text = `${all.slice(0, 40).join('\n')}\n`;
    const base = ['prepare', '--tokenizer', tokenizerDir, '--input', '-', '--output', '-', '--shift', 'model'];
    const whole = cli(base, { input: text });
    expect(whole.status, whole.stderr).toBe(0);
    const rows = whole.stdout.split('\n').filter((l) => l !== '');
    expect(rows).toHaveLength(40);
    // Record n (from 1) goes to shard (n - 1) % N: the default for stdin, and what --shard-by records asks for.
    for (const extra of [[], ['--shard-by', 'records']]) {
      const shard = cli([...base, '--shard', '1/3', ...extra], { input: text });
      expect(shard.status, shard.stderr).toBe(0);
      expect(shard.stdout.split('\n').filter((l) => l !== '')).toEqual(rows.filter((_, i) => i % 3 === 1));
    }
    const units = cli([...base, '--shard', '0/2', '--shard-by', 'units'], { input: text });
    expect(units.status).not.toBe(0);
    expect(units.stderr).toMatch(/stdin cannot be cut into work units/);
  });
});
