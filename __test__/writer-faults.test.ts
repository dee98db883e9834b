// Writers under faults (issue #12): a write that fails half-way — the disk full (the file-size limit,
// RLIMIT_FSIZE, makes every further write fail with EFBIG as a full disk fails with ENOSPC) or the process
// killed — never leaves a truncated file at the final path, and the next run leaves no stale temporary file.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { testBackends } from './support/backends';
import { PACKAGED_TOKENIZERS } from './support/shared';
import { temporaryOf } from './support/cli';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'tokenshift.cjs');
const sample = join(root, 'examples', 'alpaca-sample.jsonl');

function bigInput(dir: string): string {
  const input = join(dir, 'big.jsonl');
  const line = readFileSync(sample, 'utf8').trim().split('\n')[0] as string;
  writeFileSync(input, `${Array.from({ length: 20_000 }, () => line).join('\n')}\n`);
  return input;
}

function prepareArgs(input: string, out: string, format: string, backend: string): string[] {
  const extra = format === 'npy' ? ['--length', '256'] : [];
  return [
    'prepare',
    '--tokenizer',
    PACKAGED_TOKENIZERS.qwen3,
    '--input',
    input,
    '--shift',
    'model',
    '--output',
    out,
    '--output-format',
    format,
    '--threads',
    '1',
    '--backend',
    backend,
    ...extra,
  ];
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

describe.each(testBackends())('%s backend', (backend) => {
  // The TS backend has no Parquet writer (it says so); the native one writes every format.
  const formats = backend === 'native' ? ['jsonl', 'parquet', 'npy', 'bin'] : ['jsonl', 'npy', 'bin'];

  it.each(formats)('%s: a full disk fails the run and leaves neither the output nor a temporary file', (format) => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-full-'));
    const input = bigInput(dir);
    const out = join(dir, `out.${format}`);
    // SIGXFSZ ignored, so a write past the limit fails with EFBIG instead of killing the process.
    const command = `trap '' XFSZ; ulimit -f 64; exec ${quote(process.execPath)} ${[bin, ...prepareArgs(input, out, format, backend)].map(quote).join(' ')}`;
    const run = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/File too large|EFBIG/);
    expect(readdirSync(dir)).toEqual(['big.jsonl']);
  });

  it('a killed run leaves no file at the final path; the next run removes its temporary output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-killed-'));
    const input = bigInput(dir);
    const out = join(dir, 'out.jsonl');
    const child = spawn(process.execPath, [bin, ...prepareArgs(input, out, 'jsonl', backend)], { stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    while (temporaryOf(out, child.pid) === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const temporary = temporaryOf(out, child.pid) as string;
    expect(temporary).not.toBeNull();
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(existsSync(out)).toBe(false);
    expect(existsSync(temporary)).toBe(true);
    const again = spawnSync(process.execPath, [bin, ...prepareArgs(sample, out, 'jsonl', backend)], { encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['big.jsonl', 'out.jsonl', 'out.jsonl.meta.json']);
  });
});
