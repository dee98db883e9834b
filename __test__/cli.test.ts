// The `tokenshift` command as a user runs it: a separate process, real files, exit statuses.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createPreparer, Tokenizer } from '../dist/esm/index.mjs';
import { readNpy } from './support/formats';
import { PACKAGED_TOKENIZERS } from './support/shared';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'tokenshift.cjs');
const sample = join(root, 'examples', 'alpaca-sample.jsonl');
const tokenizerDir = PACKAGED_TOKENIZERS.qwen3;

function cli(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, env: { ...process.env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('tokenshift prepare', () => {
  it('writes the rows createPreparer makes, in input order, and the stats', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-cli-'));
    const out = join(dir, 'nested', 'rows.jsonl');
    const stats = join(dir, 'stats.json');
    const run = cli(['prepare', '--tokenizer', tokenizerDir, '--input', sample, '--output', out, '--shift', 'data', '--max-length', '40', '--stats', stats]);
    expect(run.stderr).toContain('8 records');
    expect(run.status).toBe(0);
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    const records = readFileSync(sample, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    const expected = createPreparer(Tokenizer.fromDir(tokenizerDir), { shift: 'data', maxLength: 40 }).prepare(records);
    expect(rows).toEqual(expected.toRows());
    const written = JSON.parse(readFileSync(stats, 'utf8')) as Record<string, unknown>;
    expect(written).toMatchObject({
      shift: 'data',
      ignoreIndex: -100,
      records: 8,
      rows: expected.stats.rows,
      truncated: { count: expected.stats.truncated.length, records: expected.stats.truncated },
      tokenizer: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(expected.stats.truncated.length).toBeGreaterThan(0);
  });

  it('reads stdin and writes stdout', () => {
    const run = cli(
      ['prepare', '--tokenizer', join(tokenizerDir, 'tokenizer.json'), '--input', '-', '--output', '-', '--shift', 'model'],
      '{"prompt":"2+2=","completion":"4"}\n',
    );
    expect(run.status).toBe(0);
    const row = JSON.parse(run.stdout) as { input_ids: number[]; labels: number[]; attention_mask: number[] };
    expect(row.labels.filter((l) => l !== -100)).toEqual(row.input_ids.slice(-row.labels.filter((l) => l !== -100).length));
  });

  it('refuses to run without --shift, explaining both conventions (exit 2)', () => {
    const run = cli(['prepare', '--tokenizer', tokenizerDir, '--input', sample, '--output', '-']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--shift is required \(model or data/);
    expect(run.stderr).toMatch(/model +labels\[i\] = input_ids\[i\]/);
  });

  it('rejects invalid option values (exit 2) and unreadable input (exit 1)', () => {
    expect(cli(['prepare', '--tokenizer', tokenizerDir, '--input', sample, '--output', '-', '--shift', 'sideways']).status).toBe(2);
    expect(cli(['prepare', '--tokenizer', tokenizerDir, '--input', sample, '--output', '-', '--shift', 'data', '--max-length', '-3']).status).toBe(2);
    const missing = cli(['prepare', '--tokenizer', tokenizerDir, '--input', '/no/such/file.jsonl', '--output', '-', '--shift', 'data']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read input \/no\/such\/file\.jsonl/);
  });

  it('names the line of a bad record and leaves no partial output file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-cli-'));
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, '{"text":"fine"}\n\n{"prompt":"p"}\n');
    const out = join(dir, 'out.jsonl');
    const run = cli(['prepare', '--tokenizer', tokenizerDir, '--input', input, '--output', out, '--shift', 'model']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('record 3: field `completion` is missing');
    expect(existsSync(out)).toBe(false);
  });
});

describe('tokenshift inspect', () => {
  it('shows positions with input and label tokens, marking trained ones', () => {
    const run = cli(['inspect', '--tokenizer', tokenizerDir, '--input', sample, '--shift', 'data', '--n', '2', '--no-color']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('record 1:');
    expect(run.stdout).toContain('record 2:');
    expect(run.stdout).not.toContain('record 3:');
    // Under shift=data the label column of a trained position shows the next input token.
    const lines = run.stdout.split('\n').filter((l) => /^[* ] +\d+ /.test(l));
    const parsed = lines.map((l) => ({ trained: l.startsWith('*'), cells: l.slice(1).trim().split(/ {2,}/) }));
    const firstTrained = parsed.findIndex((p) => p.trained);
    expect(firstTrained).toBeGreaterThan(0);
    expect(parsed[firstTrained]?.cells[3]).toBe(parsed[firstTrained + 1]?.cells[1]);
    expect(run.stdout).toMatch(/-> data \(as expected\)/);
  });
});

describe('README quickstart', () => {
  it('runs as written and prints the shapes it promises', () => {
    const run = spawnSync(process.execPath, [join(root, 'examples', 'quickstart.mjs')], { cwd: root, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/input_ids: \[/);
    expect(run.stdout).toMatch(/model true/);
  });

  it('the streaming example runs as written: a dataset file, then packed batches with balanced counts', () => {
    const run = spawnSync(process.execPath, [join(root, 'examples', 'stream.mjs')], { cwd: root, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/rows: 8/);
    expect(run.stdout).toMatch(/8 records, \d+ packed rows, balanced: true/);
  });
});

describe('tokenshift with chat records', () => {
  const conversation =
    '{"conversations":[{"from":"human","value":"Hi"},{"from":"gpt","value":"Hello!"},{"from":"human","value":"2+2?"},{"from":"gpt","value":"4"}]}\n';

  it('--train-on last trains only the final turn; --chat-template replaces the config template', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-chat-'));
    const input = join(dir, 'chat.jsonl');
    writeFileSync(input, conversation);
    const all = cli(['inspect', '--tokenizer', tokenizerDir, '--input', input, '--shift', 'model', '--no-color']);
    expect(all.stdout).toContain('trained 1: "Hello!<|im_end|>"');
    expect(all.stdout).toContain('trained 2: "<think>\\n\\n</think>\\n\\n4<|im_end|>"');
    const last = cli(['inspect', '--tokenizer', tokenizerDir, '--input', input, '--shift', 'model', '--train-on', 'last', '--no-color']);
    expect(last.stdout).not.toContain('Hello!<|im_end|>"');
    expect(last.stdout).toContain('trained 1: "<think>');
    const template = join(dir, 'template.jinja');
    writeFileSync(
      template,
      '{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}',
    );
    const custom = cli(['inspect', '--tokenizer', tokenizerDir, '--input', input, '--shift', 'model', '--chat-template', template, '--no-color']);
    expect(custom.status).toBe(0);
    expect(custom.stdout).toContain('trained 2: "4<|im_end|>"');
    expect(cli(['inspect', '--tokenizer', tokenizerDir, '--input', input, '--shift', 'model', '--train-on', 'some']).status).toBe(2);
  });
});

describe('tokenshift prepare --pack', () => {
  it('writes packed rows with position_ids and seq_lens, and packing stats', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-pack-'));
    const out = join(dir, 'packed.jsonl');
    const stats = join(dir, 'stats.json');
    const run = cli([
      'prepare',
      '--tokenizer',
      tokenizerDir,
      '--input',
      sample,
      '--output',
      out,
      '--shift',
      'model',
      '--pack',
      'bfd',
      '--block-size',
      '128',
      '--stats',
      stats,
    ]);
    expect(run.status).toBe(0);
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { input_ids: number[]; seq_lens: number[]; position_ids: number[] });
    for (const row of rows) {
      expect(row.input_ids.length).toBeLessThanOrEqual(128);
      expect(row.seq_lens.reduce((a, b) => a + b, 0)).toBe(row.input_ids.length);
    }
    const written = JSON.parse(readFileSync(stats, 'utf8')) as { packing: { rows: number; examples: number; efficiency: number }; rows: number };
    expect(written.packing).toMatchObject({ rows: rows.length, examples: written.rows });
    expect(cli(['prepare', '--tokenizer', tokenizerDir, '--input', sample, '--output', '-', '--shift', 'model', '--pack', 'bfd']).status).toBe(2);
  });
});

describe('tokenshift prepare --output-format npy', () => {
  it('pads every row to --length on the chosen side with --pad-id, padding untrained', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-npy-'));
    const out = join(dir, 'rows.npy');
    const run = cli([
      'prepare',
      '--tokenizer',
      tokenizerDir,
      '--input',
      sample,
      '--output',
      out,
      '--output-format',
      'npy',
      '--shift',
      'model',
      '--length',
      '128',
      '--pad-side',
      'left',
      '--pad-id',
      '3',
      '--dtype',
      'int64',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const records = readFileSync(sample, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    const rows = createPreparer(Tokenizer.fromDir(tokenizerDir), { shift: 'model' }).prepare(records).toRows();
    const ids = readNpy(join(out, 'input_ids.npy'));
    const labels = readNpy(join(out, 'labels.npy'));
    expect(ids).toMatchObject({ descr: '<i8', shape: [rows.length, 128] });
    rows.forEach((row, r) => {
      const pad = 128 - row.input_ids.length;
      expect(ids.values.slice(r * 128, (r + 1) * 128)).toEqual([...Array(pad).fill(3), ...row.input_ids]);
      expect(labels.values.slice(r * 128, (r + 1) * 128)).toEqual([...Array(pad).fill(-100), ...row.labels]);
    });
    expect(
      cli(['prepare', '--tokenizer', tokenizerDir, '--input', sample, '--output', join(dir, 'x.npy'), '--output-format', 'npy', '--shift', 'model']).stderr,
    ).toContain('give --length N');
  });
});
