// Issue #24, round two of hostile input (files): folders of linked shards (a Hugging Face cache snapshot),
// dangling links, the same file under two names, and names JavaScript objects treat specially. Each case
// failed before: shards were skipped silently, records read twice, or a speaker dropped without a word.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createPreparer, OptionError, Tokenizer } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { cli } from './support/cli';
import { PACKAGED_TOKENIZERS } from './support/shared';

const tokenizer = PACKAGED_TOKENIZERS.qwen3;
const record = (i: number) => JSON.stringify({ prompt: `Q${i}: `, completion: `answer ${i}` });
const lines = (from: number, n: number) => `${Array.from({ length: n }, (_, i) => record(from + i)).join('\n')}\n`;
const scratch = () => mkdtempSync(join(tmpdir(), 'tokenshift-links-'));

function prepare(inputs: string[], dir: string, extra: string[] = []) {
  return cli(['prepare', '--tokenizer', tokenizer, ...inputs.flatMap((i) => ['--input', i]), '--output', join(dir, 'out.jsonl'), '--shift', 'model', ...extra]);
}

const rowCount = (dir: string) => readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').length;

describe('folder inputs follow links (CLI)', () => {
  it('a folder with one real and one linked shard reads both', () => {
    const dir = scratch();
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'train-0.jsonl'), lines(0, 500));
    writeFileSync(join(dir, 'elsewhere.jsonl'), lines(500, 500));
    symlinkSync(join(dir, 'elsewhere.jsonl'), join(data, 'train-1.jsonl'));
    const run = prepare([data], dir);
    expect(run.status, run.stderr).toBe(0);
    expect(rowCount(dir)).toBe(1000);
  });

  it('a Hugging Face cache snapshot (every file a link into blobs/) reads as its files', () => {
    const dir = scratch();
    const blobs = join(dir, 'blobs');
    const snapshot = join(dir, 'snapshots', 'abc123', 'data');
    mkdirSync(blobs);
    mkdirSync(snapshot, { recursive: true });
    writeFileSync(join(blobs, '9f1e'), lines(0, 3));
    writeFileSync(join(blobs, '77aa'), lines(3, 4));
    symlinkSync('../../../blobs/9f1e', join(snapshot, 'train-00000-of-00002.jsonl'));
    symlinkSync('../../../blobs/77aa', join(snapshot, 'train-00001-of-00002.jsonl'));
    const run = prepare([join(dir, 'snapshots', 'abc123')], dir);
    expect(run.status, run.stderr).toBe(0);
    expect(rowCount(dir)).toBe(7);
  });

  it('a dangling link, in a folder or a glob, is an error naming it', () => {
    const dir = scratch();
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'a.jsonl'), lines(0, 2));
    symlinkSync(join(dir, 'gone.jsonl'), join(data, 'b.jsonl'));
    for (const input of [data, join(data, '*.jsonl')]) {
      const run = prepare([input], dir);
      expect(run.status, input).not.toBe(0);
      expect(run.stderr).toMatch(/b\.jsonl is a link to nothing \(dangling\)/);
    }
  });

  it('a link back up the tree is not walked twice (no loop)', () => {
    const dir = scratch();
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'a.jsonl'), lines(0, 2));
    symlinkSync(data, join(data, 'again'));
    const run = prepare([data], dir);
    expect(run.status, run.stderr).toBe(0);
    expect(rowCount(dir)).toBe(2);
  });

  it('the same file under two names (a glob matching a file and a link to it) is refused', () => {
    const dir = scratch();
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'a.jsonl'), lines(0, 2));
    symlinkSync(join(data, 'a.jsonl'), join(data, 'b.jsonl'));
    const run = prepare([join(data, '*.jsonl')], dir);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/b\.jsonl and .*a\.jsonl are the same file/);
  });
});

describe.each(testBackends())('names JavaScript objects treat specially are refused (%s backend)', (backend) => {
  const qwen = Tokenizer.fromDir(tokenizer, { backend });
  it.each([
    ['roles', { roles: JSON.parse('{"__proto__": "user"}') as Record<string, string> }],
    ['columns', { columns: JSON.parse('{"__proto__": "prompt"}') as Record<string, string> }],
    ['columns', { columns: { prompt: 'constructor' } }],
    ['keep', { keep: ['__proto__'] }],
  ])('%s %#', (option, extra) => {
    expect(() => createPreparer(qwen, { shift: 'model', ...extra })).toThrow(OptionError);
    expect(() => createPreparer(qwen, { shift: 'model', ...extra })).toThrow(new RegExp(option));
  });

  it('on the command line too', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'in.jsonl'), lines(0, 2));
    for (const flags of [
      ['--roles', '__proto__=user'],
      ['--columns', '__proto__=prompt'],
    ]) {
      const run = prepare([join(dir, 'in.jsonl')], dir, [...flags, '--backend', backend]);
      expect(run.status, flags.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/"__proto__" cannot be a column, field or speaker name/);
    }
  });
});

describe.each(testBackends())('smaller option and input defects (%s backend)', (backend) => {
  const qwen = Tokenizer.fromDir(tokenizer, { backend });
  it('keep refuses output row fields (seq_lens too), huge sparse lists and empty names, saying which', () => {
    expect(() => createPreparer(qwen, { shift: 'model', keep: ['seq_lens'] })).toThrow(/seq_lens is a field of the output row/);
    const sparse: string[] = [];
    sparse.length = 1e9;
    const started = Date.now();
    expect(() => createPreparer(qwen, { shift: 'model', keep: sparse })).toThrow(/names at most 1024 columns, got 1000000000/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(() => createPreparer(qwen, { shift: 'model', keep: [''] })).toThrow(/entry 0 must be a column name, got an empty name/);
  });
});

describe('smaller CLI defects', () => {
  it('--keep "" names the empty entry', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'in.jsonl'), lines(0, 1));
    const run = prepare([join(dir, 'in.jsonl')], dir, ['--keep', '']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/entry 0 must be a column name, got an empty name/);
  });

  it('Parquet on stdin is recognised and refused with the fix', () => {
    const parquet = join(__dirname, '..', 'examples', 'hub', 'alpaca');
    const file = join(
      parquet,
      readdirSync(parquet, { recursive: true })
        .map(String)
        .find((f) => f.endsWith('.parquet')) as string,
    );
    const run = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${join(__dirname, '..', 'bin', 'tokenshift.cjs')}" prepare --tokenizer "${tokenizer}" --input - --output - --shift model < "${file}"`,
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/stdin holds Parquet: name the file with --input/);
  });

  it('doctor flags an invalid TOKENSHIFT_NUM_THREADS', () => {
    const run = spawnSync(process.execPath, [join(__dirname, '..', 'bin', 'tokenshift.cjs'), 'doctor'], {
      encoding: 'utf8',
      env: { ...process.env, TOKENSHIFT_NUM_THREADS: 'lots' },
    });
    expect(run.stdout).toMatch(/TOKENSHIFT_NUM_THREADS\s+INVALID: TOKENSHIFT_NUM_THREADS must be a whole number/);
  });
});
