// `tokenshift lint`: a correct dataset passes; each mistake it exists to catch is planted in an
// otherwise correct dataset and must be reported, in every format.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createDatasetWriter, createPreparer, pack, Tokenizer } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { PACKAGED_TOKENIZERS } from './support/shared';

const bin = join(__dirname, '..', 'bin', 'tokenshift.cjs');
const tokenizer = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3);
const records = Array.from({ length: 40 }, (_, i) => ({
  prompt: `Q${i}: ${'why '.repeat(i % 7)}?\n`,
  completion: ` A${i}. ${'Because. '.repeat((i * 3) % 8)}`,
}));
const hasNative = testBackends().includes('native');

interface LintJson {
  ok: boolean;
  rows: number;
  convention: { detected: string } | null;
  crossExampleLabels: { count: number; rows: number[] };
  positionsNotRestarting: { count: number; rows: number[] };
  fullyMasked: { count: number; rows: number[] };
  packEfficiency: number | null;
  problems: string[];
}

function lint(path: string, ...args: string[]): { status: number | null; report: LintJson } {
  const run = spawnSync(process.execPath, [bin, 'lint', path, '--json', ...args], { encoding: 'utf8' });
  return { status: run.status, report: JSON.parse(run.stdout) as LintJson };
}

function writeJsonl(path: string, rows: object[]): string {
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

describe('tokenshift lint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenshift-lint-'));
  const prepared = createPreparer(tokenizer, { shift: 'model' }).prepare(records);
  const packed = pack(prepared, { mode: 'bfd', blockSize: 200 });
  const rows = Array.from({ length: packed.rowCount }, (_, r) => packed.row(r));

  it('passes correct packed rows and reports their efficiency against the block size', () => {
    const { status, report } = lint(writeJsonl(join(dir, 'good.jsonl'), rows), '--shift', 'model', '--block-size', '200');
    expect(status).toBe(0);
    expect(report).toMatchObject({ ok: true, rows: packed.rowCount, convention: { detected: 'model' } });
    expect(report.packEfficiency).toBeCloseTo(packed.stats.efficiency, 10);
  });

  it('flags the wrong convention', () => {
    const { status, report } = lint(join(dir, 'good.jsonl'), '--shift', 'data');
    expect(status).toBe(1);
    expect(report.problems.join('\n')).toContain('labels follow model, expected shift=data');
  });

  it('flags a label that makes one packed example predict the next, naming the row', () => {
    const bad = rows.map((r) => ({ ...r, labels: [...r.labels] }));
    const target = bad.findIndex((r) => r.seq_lens.length > 1);
    const row = bad[target]!;
    // The second example's first label, which shift 'model' must ignore.
    row.labels[row.seq_lens[0]!] = row.input_ids[row.seq_lens[0]!]!;
    const { status, report } = lint(writeJsonl(join(dir, 'cross.jsonl'), bad), '--shift', 'model');
    expect(status).toBe(1);
    expect(report.crossExampleLabels).toEqual({ count: 1, rows: [target] });
  });

  it('flags position ids that do not restart and rows with nothing trained', () => {
    const bad = rows.map((r) => ({ ...r, labels: [...r.labels], position_ids: [...r.position_ids] }));
    const target = bad.findIndex((r) => r.seq_lens.length > 1);
    bad[target]!.position_ids = bad[target]!.input_ids.map((_, i) => i);
    bad[0]!.labels = bad[0]!.labels.map(() => -100);
    const { status, report } = lint(writeJsonl(join(dir, 'positions.jsonl'), bad), '--shift', 'model');
    expect(status).toBe(1);
    expect(report.positionsNotRestarting.rows).toContain(target);
    expect(report.fullyMasked).toEqual({ count: 1, rows: [0] });
  });

  it('reads npy and, with the native addon, parquet datasets', () => {
    const npy = createDatasetWriter(join(dir, 'rows.npy'), { format: 'npy', length: 200 });
    npy.write(packed);
    npy.finish({ shift: 'model' });
    const fromNpy = lint(join(dir, 'rows.npy'));
    expect(fromNpy.status).toBe(0);
    expect(fromNpy.report.packEfficiency).toBeCloseTo(packed.stats.efficiency, 10);
    if (!hasNative) return;
    const data = createPreparer(tokenizer, { shift: 'data' }).prepare(records);
    const parquet = createDatasetWriter(join(dir, 'data.parquet'));
    parquet.write(data);
    // The sidecar claims 'model', the labels are shifted in the data: lint must notice.
    parquet.finish({ shift: 'model' });
    const fromParquet = lint(join(dir, 'data.parquet'));
    expect(fromParquet.status).toBe(1);
    expect(fromParquet.report.convention?.detected).toBe('data');
  });

  it('with --tokenizer, flags ids a smaller vocabulary cannot hold (a dataset made with another tokenizer)', () => {
    const llama3 = lint(join(dir, 'good.jsonl'), '--shift', 'model', '--tokenizer', PACKAGED_TOKENIZERS.llama3);
    const tooBig = rows.filter((r) => r.input_ids.some((id) => id >= 128_256)).length;
    expect(tooBig).toBeGreaterThan(0);
    expect(llama3.status).toBe(1);
    expect((llama3.report as unknown as { idsOutOfVocab: { count: number } }).idsOutOfVocab.count).toBe(tooBig);
    expect(lint(join(dir, 'good.jsonl'), '--shift', 'model', '--tokenizer', PACKAGED_TOKENIZERS.qwen3).status).toBe(0);
  });

  it('is a usage error without a readable dataset', () => {
    const run = spawnSync(process.execPath, [bin, 'lint', join(dir, 'nothing-here')], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('not a dataset tokenshift can read');
    expect(spawnSync(process.execPath, [bin, 'lint'], { encoding: 'utf8' }).status).toBe(2);
  });
});
