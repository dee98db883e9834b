// Issue #16, files: tokenshift never deletes or replaces what it did not create, refuses every overlap of
// its inputs and outputs before any work, cleans its temporary output on SIGINT/SIGTERM and after a
// killed run. CLI (both backends) and API (both writers).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { OptionError, createDatasetWriter } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { PACKAGED_TOKENIZERS } from './support/shared';
import { temporaryOf } from './support/cli';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'tokenshift.cjs');
const sample = join(root, 'examples', 'alpaca-sample.jsonl');
const tokenizer = PACKAGED_TOKENIZERS.qwen3;
const backends = testBackends();

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const scratch = () => mkdtempSync(join(tmpdir(), 'tokenshift-safety-'));
const prepareArgs = (output: string, backend: string, ...more: string[]) => [
  'prepare',
  '--tokenizer',
  tokenizer,
  '--input',
  sample,
  '--shift',
  'model',
  '--output',
  output,
  '--backend',
  backend,
  ...more,
];
const rows = { inputIds: new Int32Array([1, 2, 3]), labels: new Int32Array([1, 2, 3]), offsets: new Uint32Array([0, 3]) };

describe.each(backends)('output directories (%s backend)', (backend) => {
  it('refuses a non-empty folder that no tokenshift run wrote, trailing slash or not, and touches nothing in it', () => {
    const dir = scratch();
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'main.py'), 'print("keep me")');
    for (const output of [project, `${project}/`]) {
      for (const format of ['npy', 'bin']) {
        const run = cli(prepareArgs(output, backend, '--output-format', format, '--length', '64'));
        expect(run.status, run.stderr).toBe(2);
        expect(run.stderr).toContain('no tokenshift run wrote');
      }
    }
    expect(readdirSync(project)).toEqual(['main.py']);
    expect(readFileSync(join(project, 'main.py'), 'utf8')).toBe('print("keep me")');
  });

  it('--overwrite writes into such a folder and replaces only files of the same names', () => {
    const dir = scratch();
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    writeFileSync(join(out, 'labels.npy'), 'stale');
    const run = cli(prepareArgs(out, backend, '--output-format', 'npy', '--length', '512', '--overwrite'));
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readFileSync(join(out, 'labels.npy')).subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    expect(readdirSync(out).sort()).toEqual(['attention_mask.npy', 'input_ids.npy', 'labels.npy', 'notes.txt', 'position_ids.npy']);
  });

  it('a previous output (recognised by its sidecar) is replaced without a flag: its listed files only', () => {
    const dir = scratch();
    const out = join(dir, 'chunks');
    expect(cli(prepareArgs(out, backend, '--output-format', 'bin', '--chunk-size', '64')).status).toBe(0);
    const first = readdirSync(out).sort();
    expect(first.length).toBeGreaterThan(1);
    writeFileSync(join(out, 'README.txt'), 'added by the user');
    const again = cli(prepareArgs(out, backend, '--output-format', 'bin', '--chunk-size', '100000'));
    expect(again.status, again.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['README.txt', 'train_0000000000.bin']);
  });

  it('never turns a file into a directory or a directory into a file (API)', () => {
    const dir = scratch();
    const file = join(dir, 'data.npy');
    writeFileSync(file, 'a file');
    expect(() => createDatasetWriter(file, { format: 'npy', length: 8, backend })).toThrow(OptionError);
    expect(readFileSync(file, 'utf8')).toBe('a file');
    const folder = join(dir, 'rows.jsonl');
    mkdirSync(folder);
    expect(() => createDatasetWriter(folder, { backend })).toThrow(/is a directory/);
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'x'), 'x');
    expect(() => createDatasetWriter(foreign, { format: 'npy', length: 8, backend })).toThrow(/no tokenshift run wrote/);
    const writer = createDatasetWriter(foreign, { format: 'npy', length: 8, backend, overwrite: true });
    writer.write(rows);
    writer.finish();
    expect(readdirSync(foreign).sort()).toEqual(['attention_mask.npy', 'input_ids.npy', 'labels.npy', 'position_ids.npy', 'x']);
  });

  it('removes temporary output left by a dead process next to the output', () => {
    const dir = scratch();
    const out = join(dir, 'rows.jsonl');
    // Above Linux's largest pid_max: no such process runs.
    const stale = `${out}.tmp-4194321-0123456789abcdef`;
    writeFileSync(stale, 'left by a killed run');
    expect(cli(prepareArgs(out, backend)).status).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(out)).toBe(true);
  });

  it("never removes a user's folder or link that only looks like a temporary output", () => {
    const dir = scratch();
    const out = join(dir, 'rows.jsonl');
    // A dated folder (its "pid" is above pid_max), the exact temporary name without tokenshift's marker, and a link.
    const dated = `${out}.tmp-20261128`;
    const exact = `${out}.tmp-4194323-0123456789abcdef`;
    for (const folder of [dated, exact]) {
      mkdirSync(folder);
      writeFileSync(join(folder, 'notes.txt'), 'mine');
    }
    const link = `${out}.tmp-4194325-fedcba9876543210`;
    symlinkSync(join(dated, 'notes.txt'), link);
    expect(cli(prepareArgs(out, backend)).status).toBe(0);
    expect(readFileSync(join(dated, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readFileSync(join(exact, 'notes.txt'), 'utf8')).toBe('mine');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  // On devices of its own (a FIFO; as root, a null device made with mknod), never the system's /dev/null:
  // a regression must not damage the machine it runs on.
  it('refuses to replace a device, a FIFO or a link to a device, and writes no sidecar beside it', () => {
    const dir = scratch();
    const fifo = join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const device = join(dir, 'null');
    const made = spawnSync('mknod', ['-m', '666', device, 'c', '1', '3']).status === 0;
    if (!made) console.warn('[safety-files] mknod is not permitted here: the device cases run on the FIFO only');
    const link = join(dir, 'link.jsonl');
    symlinkSync(made ? device : fifo, link);
    const targets = made ? [device, fifo, link] : [fifo, link];
    for (const target of targets) {
      const run = cli([...prepareArgs(target, backend), '--output-format', 'jsonl']);
      expect(run.status, target).toBe(2);
      expect(run.stderr).toMatch(/not a regular file/);
    }
    if (made) expect(lstatSync(device).isCharacterDevice()).toBe(true);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(made ? ['link.jsonl', 'null', 'pipe'] : ['link.jsonl', 'pipe']);
    for (const format of ['jsonl', 'parquet'] as const) {
      if (format === 'parquet' && backend === 'ts') continue;
      expect(() => createDatasetWriter(link, { format, backend })).toThrow(/not a regular file/);
    }
    expect(readdirSync(dir).sort()).toEqual(made ? ['link.jsonl', 'null', 'pipe'] : ['link.jsonl', 'pipe']);
  });
});

describe('inputs and outputs never overlap (CLI)', () => {
  it('refuses an output, stats or sidecar that is an input or another output, before any work', () => {
    const dir = scratch();
    const input = join(dir, 'data.jsonl');
    writeFileSync(input, readFileSync(sample));
    const before = readFileSync(input, 'utf8');
    const link = join(dir, 'link.jsonl');
    symlinkSync(input, link);
    const base = ['prepare', '--tokenizer', tokenizer, '--input', input, '--shift', 'model'];
    const cases: [string[], RegExp][] = [
      [['--output', input], /would overwrite --input/],
      [['--output', link], /would overwrite --input/],
      [['--output', join(dir, 'out.jsonl'), '--stats', input], /would overwrite --input/],
      [['--output', join(dir, 'out.jsonl'), '--stats', join(dir, 'out.jsonl')], /name the same place/],
      [['--output', join(dir, 'out.jsonl'), '--stats', join(dir, 'out.jsonl.meta.json')], /name the same place/],
      [['--output', dir, '--output-format', 'npy', '--length', '8'], /would overwrite --input/],
      [['--output', join(tokenizer, 'tokenizer.json')], /would overwrite --tokenizer/],
    ];
    for (const [more, message] of cases) {
      const run = cli([...base, ...more]);
      expect(run.status, more.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    expect(readFileSync(input, 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
  });

  it('checks that the stats path can be written before the run, so the dataset is never committed without it', () => {
    const dir = scratch();
    mkdirSync(join(dir, 'stats-dir'));
    const out = join(dir, 'rows.jsonl');
    const run = cli(['prepare', '--tokenizer', tokenizer, '--input', sample, '--shift', 'model', '--output', out, '--stats', join(dir, 'stats-dir')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('is a directory');
    expect(existsSync(out)).toBe(false);
  });

  it('merge-stats --output may not overwrite one of its inputs', () => {
    const dir = scratch();
    const stats = join(dir, 'stats.json');
    expect(cli(['prepare', '--tokenizer', tokenizer, '--input', sample, '--shift', 'model', '--output', join(dir, 'r.jsonl'), '--stats', stats]).status).toBe(
      0,
    );
    const run = cli(['merge-stats', stats, '--output', stats]);
    expect(run.status).toBe(2);
    expect(JSON.parse(readFileSync(stats, 'utf8'))).toHaveProperty('records', 8);
  });
});

describe('signals', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s removes the temporary output and the process still dies of the signal', async (signal) => {
    const dir = scratch();
    const input = join(dir, 'big.jsonl');
    // Enough records that the run is still going when the signal arrives.
    const line = readFileSync(sample, 'utf8').trim().split('\n')[0] as string;
    writeFileSync(input, `${Array.from({ length: 60_000 }, () => line).join('\n')}\n`);
    const out = join(dir, 'rows.jsonl');
    const child = spawn(process.execPath, [bin, 'prepare', '--tokenizer', tokenizer, '--input', input, '--shift', 'model', '--output', out, '--threads', '1'], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 60_000;
    while (temporaryOf(out, child.pid) === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(temporaryOf(out, child.pid)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    child.kill(signal);
    const [code, killedBy] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    expect(killedBy).toBe(signal);
    expect(code).toBeNull();
    expect(readdirSync(dir).sort()).toEqual(['big.jsonl']);
  });
});

describe('an application that handles signals itself', () => {
  const dist = join(__dirname, '..', 'dist', 'cjs', 'index.js');
  // The app opens a writer, then handles SIGINT its own way: `finish` writes the dataset, `exit` leaves.
  const app = (out: string, onSigint: 'finish' | 'exit') => `
    const { createDatasetWriter, createPreparer, Tokenizer } = require(${JSON.stringify(dist)});
    const tokenizer = Tokenizer.fromDir(${JSON.stringify(tokenizer)});
    const rows = createPreparer(tokenizer, { shift: 'model' }).prepare([{ prompt: 'Q: ', completion: 'A' }]);
    const writer = createDatasetWriter(${JSON.stringify(out)});
    writer.write(rows);
    process.on('SIGINT', () => {
      ${onSigint === 'finish' ? 'writer.finish(); process.stdout.write("finished");' : 'process.exit(0);'}
    });
    process.stdout.write('ready');
    setTimeout(() => {}, 20000);`;

  it.each(['finish', 'exit'] as const)('its SIGINT handler decides (%s); temporaries never outlive the process', async (onSigint) => {
    const dir = scratch();
    const out = join(dir, 'rows.jsonl');
    const child = spawn(process.execPath, ['-e', app(out, onSigint)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!stdout.includes('ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    if (onSigint === 'finish') {
      while (!stdout.includes('finished') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // The library did not abort the application's writer: its handler finished it.
      expect(readdirSync(dir).sort()).toEqual(['rows.jsonl', 'rows.jsonl.meta.json']);
      child.kill('SIGTERM');
    }
    await new Promise((resolve) => child.once('exit', resolve));
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    if (onSigint === 'exit') expect(readdirSync(dir)).toEqual([]);
  });
});

describe('small CLI defects', () => {
  it('a reader that stops early (inspect | head) is a normal end, not an EPIPE crash', () => {
    const run = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${bin}" inspect --tokenizer "${tokenizer}" --input "${sample}" --shift model --n 8 | head -1; echo "status \${PIPESTATUS[0]}"`,
      ],
      { encoding: 'utf8' },
    );
    expect(run.stdout).toContain('status 0');
    expect(run.stderr).not.toContain('EPIPE');
  });

  it('negative numbers need no "=", lint and merge-stats have --help', () => {
    const dir = scratch();
    const run = cli(['prepare', '--tokenizer', tokenizer, '--input', sample, '--shift', 'model', '--output', join(dir, 'r.jsonl'), '--ignore-index', '-1']);
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(join(dir, 'r.jsonl'), 'utf8')).toContain('-1');
    for (const command of ['lint', 'merge-stats']) {
      const help = cli([command, '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain(`tokenshift ${command}`);
    }
  });

  it('with --on-error fail an endless line fails at the limit instead of being read forever (--input /dev/zero)', () => {
    const dir = scratch();
    const run = spawnSync(
      process.execPath,
      [bin, 'prepare', '--tokenizer', tokenizer, '--input', '/dev/zero', '--shift', 'model', '--output', join(dir, 'z.jsonl'), '--max-line-bytes', '100000'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('record 1: field `(line)` is longer than the limit of 100000 bytes');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('numeric options are range-checked before any work', () => {
    const dir = scratch();
    const cases: [string, string][] = [
      ['--length', '100000000'],
      ['--chunk-size', '4294967295'],
      ['--block-size', '4294967295'],
      ['--threads', '100000'],
      ['--max-line-bytes', '99999999999'],
    ];
    for (const [flag, value] of cases) {
      const run = cli(['prepare', '--tokenizer', tokenizer, '--input', sample, '--shift', 'model', '--output', join(dir, 'x.jsonl'), flag, value]);
      expect(run.status, `${flag} ${value}`).toBe(2);
      expect(run.stderr).toContain(`${flag} must be between`);
    }
  });

  it('merge-stats refuses impossible shard counts instead of allocating them', () => {
    const dir = scratch();
    for (const shard of [
      { index: 0, count: 1e15 },
      { index: 0, count: -3 },
      { index: 5, count: 2 },
    ]) {
      const file = join(dir, 'stats.json');
      const none = { count: 0, records: [] };
      const skipped = { count: 0, tooLong: none, noTrainableLabels: none, emptyCompletion: none, chatTurnNotFound: none, invalid: none };
      writeFileSync(file, JSON.stringify({ records: 1, rows: 1, tokens: 3, skipped, shard, tokenizer: {}, options: {} }));
      const run = cli(['merge-stats', file]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('is not a valid shard');
    }
  });

  it('lint refuses corrupt .npy headers instead of hanging or passing them', () => {
    const dir = scratch();
    const out = join(dir, 'npy');
    expect(
      cli(['prepare', '--tokenizer', tokenizer, '--input', sample, '--shift', 'model', '--output', out, '--output-format', 'npy', '--length', '512']).status,
    ).toBe(0);
    const file = join(out, 'input_ids.npy');
    const good = readFileSync(file);
    const header = good.subarray(0, 128).toString('latin1');
    for (const doctored of [
      header.replace(/\(\d+, 512\)/, '(99999999999, 512)'),
      header.replace(/\(\d+, 512\)/, '(8, -512)'),
      header.replace("'<i4'", "'<f8'"),
    ]) {
      writeFileSync(file, Buffer.concat([Buffer.from(doctored.padEnd(128, ' ').slice(0, 127) + '\n', 'latin1'), good.subarray(128)]));
      const run = spawnSync(process.execPath, [bin, 'lint', out], { encoding: 'utf8', timeout: 30_000 });
      expect(run.status, run.stdout + run.stderr).toBe(1);
      expect(run.stderr).toMatch(/input_ids\.npy: (not a usable \.npy file|expected a little-endian)/);
    }
    writeFileSync(file, good.subarray(0, 20));
    expect(spawnSync(process.execPath, [bin, 'lint', out], { encoding: 'utf8', timeout: 30_000 }).status).toBe(1);
  });
});
