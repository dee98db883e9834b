// End to end on the shared data: `tokenshift prepare` into every format, read back with independent
// readers, the packing invariants checked on what was written, and `tokenshift lint` agreeing.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createPreparer, Tokenizer } from '../dist/esm/index.mjs';
import { readLitGptDir, readNpy, readParquet } from './support/formats';
import { fixtureDir, sharedDir } from './support/shared';

const bin = join(__dirname, '..', 'bin', 'tokenshift.cjs');
const shared = sharedDir();

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

type PackedRow = { input_ids: number[]; labels: number[]; position_ids: number[]; seq_lens: number[] };

/** The examples of packed rows, cut at seq_lens. */
function examplesOf(rows: PackedRow[]): { ids: number[]; labels: number[]; positions: number[] }[] {
  return rows.flatMap((row) => {
    let at = 0;
    return row.seq_lens.map((n) => {
      const part = { ids: row.input_ids.slice(at, at + n), labels: row.labels.slice(at, at + n), positions: row.position_ids.slice(at, at + n) };
      at += n;
      return part;
    });
  });
}

describe.skipIf(shared === null)('prepare into every format on the shared Alpaca data (TinyLlama)', () => {
  // Collected even when skipped: read nothing without ../shared (sharedDir printed why).
  if (shared === null) return;
  const tokenizerDir = fixtureDir('llama2/tinyllama-1.1b-chat-v1.0');
  const input = join(shared ?? '', 'data', 'llama-factory', 'alpaca_en_demo.json');
  const records = JSON.parse(readFileSync(input, 'utf8')) as unknown[];
  const dir = mkdtempSync(join(tmpdir(), 'tokenshift-datasets-'));

  describe.each(['model', 'data'] as const)('bfd, blockSize 2048, shift %s', (shift) => {
    const expected = createPreparer(Tokenizer.fromDir(tokenizerDir), { shift }).prepare(records);
    const out = join(dir, `bfd-${shift}.parquet`);
    const stats = join(dir, `bfd-${shift}.stats.json`);
    const run = cli([
      'prepare',
      '--tokenizer',
      tokenizerDir,
      '--input',
      input,
      '--output',
      out,
      '--shift',
      shift,
      '--pack',
      'bfd',
      '--block-size',
      '2048',
      '--stats',
      stats,
    ]);

    it('reports at least 97% packing efficiency in --stats', () => {
      expect(run.stderr).toContain('balanced');
      expect(run.status).toBe(0);
      const written = JSON.parse(readFileSync(stats, 'utf8')) as { packing: { efficiency: number; examples: number }; records: number; rows: number };
      console.log(`[datasets] alpaca_en_demo, TinyLlama, bfd 2048, shift ${shift}: efficiency ${(100 * written.packing.efficiency).toFixed(2)}%`);
      expect(written.packing.efficiency).toBeGreaterThanOrEqual(0.97);
      expect(written.packing.examples).toBe(expected.rowCount);
    });

    it('holds every example exactly once, in rows of at most 2048 tokens, positions restarting, no cross-example label', async () => {
      const rows = (await readParquet(out)) as unknown as PackedRow[];
      for (const row of rows) {
        expect(row.input_ids.length).toBeLessThanOrEqual(2048);
        expect(row.seq_lens.reduce((a, b) => a + b, 0)).toBe(row.input_ids.length);
      }
      const examples = examplesOf(rows);
      for (const e of examples) {
        expect(e.positions).toEqual(e.ids.map((_, i) => i));
        // shift model: each example's first label ignored; shift data: its last.
        expect(e.labels[shift === 'model' ? 0 : e.labels.length - 1]).toBe(-100);
      }
      const key = (ids: ArrayLike<number>) => Array.from(ids).join(',');
      const written = examples.map((e) => key(e.ids)).sort();
      const prepared = expected
        .toRows()
        .map((r) => key(r.input_ids))
        .sort();
      expect(written).toEqual(prepared);
    });

    it('passes tokenshift lint, which reads the convention from the sidecar', () => {
      const lint = cli(['lint', out, '--json']);
      expect(lint.status, lint.stdout + lint.stderr).toBe(0);
      const report = JSON.parse(lint.stdout) as { shift: string; convention: { detected: string }; packEfficiency: number };
      expect(report.shift).toBe(shift);
      expect(report.convention.detected).toBe(shift);
      expect(report.packEfficiency).toBeGreaterThanOrEqual(0.97);
    });
  });

  it('npy of packed rows: padding untrained, and lint finds the same efficiency as --stats', () => {
    const out = join(dir, 'bfd.npy');
    const stats = join(dir, 'npy.stats.json');
    expect(
      cli([
        'prepare',
        '--tokenizer',
        tokenizerDir,
        '--input',
        input,
        '--output',
        out,
        '--output-format',
        'npy',
        '--shift',
        'model',
        '--pack',
        'bfd',
        '--block-size',
        '2048',
        '--stats',
        stats,
      ]).status,
    ).toBe(0);
    const mask = readNpy(join(out, 'attention_mask.npy'));
    const labels = readNpy(join(out, 'labels.npy'));
    expect(mask.shape[1]).toBe(2048);
    mask.values.forEach((m, i) => m === 0 && expect(labels.values[i]).toBe(-100));
    const efficiency = mask.values.reduce((a, b) => a + b, 0) / mask.values.length;
    const written = JSON.parse(readFileSync(stats, 'utf8')) as { packing: { efficiency: number } };
    expect(efficiency).toBeCloseTo(written.packing.efficiency, 10);
    const lint = JSON.parse(cli(['lint', out, '--json']).stdout) as { packEfficiency: number; ok: boolean };
    expect(lint).toMatchObject({ ok: true });
    expect(lint.packEfficiency).toBeCloseTo(efficiency, 10);
  });

  it('wrapped rows reconstruct the token stream exactly', () => {
    const out = join(dir, 'wrapped.jsonl');
    expect(
      cli(['prepare', '--tokenizer', tokenizerDir, '--input', input, '--output', out, '--shift', 'data', '--pack', 'wrapped', '--block-size', '512']).status,
    ).toBe(0);
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as PackedRow);
    const stream = Array.from(createPreparer(Tokenizer.fromDir(tokenizerDir), { shift: 'data' }).prepare(records).inputIds);
    const ids = rows.flatMap((r) => r.input_ids);
    expect(ids).toEqual(stream.slice(0, ids.length));
    rows.forEach((r, k) => expect(r.labels).toEqual(stream.slice(k * 512 + 1, k * 512 + 513)));
    expect(stream.length - ids.length).toBeLessThan(513);
  });

  it('lit-gpt .bin of the wiki text: uint16 chunks (32k vocabulary) holding the token stream, TinyLlama-style', () => {
    const text = join(dir, 'wiki.jsonl');
    const lines = readFileSync(join(shared ?? '', 'data', 'llama-factory', 'wiki_demo.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    writeFileSync(text, lines.map((l) => JSON.stringify({ text: l })).join('\n'));
    const out = join(dir, 'wiki-bin');
    const run = cli([
      'prepare',
      '--tokenizer',
      tokenizerDir,
      '--input',
      text,
      '--output',
      out,
      '--output-format',
      'bin',
      '--shift',
      'data',
      '--chunk-size',
      '65536',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const { chunks } = readLitGptDir(out);
    const tokenizer = Tokenizer.fromDir(tokenizerDir);
    const stream = Array.from(createPreparer(tokenizer, { shift: 'data' }).prepare(lines.map((l) => ({ text: l }))).inputIds);
    expect(chunks.every((c) => c.code === 8 && c.chunkSize === 65536)).toBe(true);
    const tokens = chunks.flatMap((c) => c.tokens);
    expect(tokens.slice(0, stream.length)).toEqual(stream);
    // The tail is filled with BOS, as TinyLlama's prepare script passes sep_token=bos_id.
    expect(new Set(tokens.slice(stream.length))).toEqual(new Set([tokenizer.special_tokens.bosId]));
    const sidecar = JSON.parse(readFileSync(`${out}.meta.json`, 'utf8')) as {
      output: { layout: { dtype: string; maskedRows: number } };
      tokenizer: { sha256: string };
    };
    expect(sidecar.output.layout).toMatchObject({ dtype: 'uint16', maskedRows: 0 });
    expect(sidecar.tokenizer.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
