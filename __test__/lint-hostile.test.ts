// Issue #24, `lint` on damaged and hostile datasets: every case ends fast in an error naming the file (and
// the line, row or column) or in a correct report — never a hang, an abort, a wrapped id or a stale column
// read as "ok".

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createDatasetWriter, createPreparer, Tokenizer } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { PACKAGED_TOKENIZERS, sharedDir } from './support/shared';

const bin = join(__dirname, '..', 'bin', 'tokenshift.cjs');
const hasNative = testBackends().includes('native');
const shared = sharedDir();

function lint(path: string): { status: number | null; stdout: string; stderr: string; ms: number } {
  const started = Date.now();
  const run = spawnSync(process.execPath, [bin, 'lint', path, '--shift', 'model'], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, ms: Date.now() - started };
}

/** An NPY 1.0 file: header dict padded to 64 bytes, then `data`. */
function npy(path: string, descr: '<i4' | '<i8', shape: string, data: Buffer = Buffer.alloc(0)): string {
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape}), }`;
  dict += ' '.repeat(64 - ((10 + dict.length + 1) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  [head[6], head[7]] = [1, 0];
  head.writeUInt16LE(dict.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(dict, 'latin1'), data]));
  return path;
}

function int32s(values: number[]): Buffer {
  return Buffer.from(Int32Array.from(values).buffer);
}

describe('lint on damaged and hostile datasets', () => {
  const root = mkdtempSync(join(tmpdir(), 'tokenshift-lint-hostile-'));
  const folder = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir);
    return dir;
  };

  it('a header-only .npy claiming (2^53-1, 0) rows is refused at once, not looped over', () => {
    const dir = folder('endless-rows');
    npy(join(dir, 'input_ids.npy'), '<i4', '9007199254740991, 0');
    const run = lint(dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('input_ids.npy: not a usable .npy file: shape (9007199254740991, 0) has rows of length 0');
    expect(run.ms).toBeLessThan(30_000);
  });

  it('a .bin chunk that links to /dev/zero is refused before anything is read', () => {
    const dir = folder('zero-chunk');
    symlinkSync('/dev/zero', join(dir, 'chunk-0.bin'));
    const run = lint(dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('chunk-0.bin: not a regular file');
  });

  it('a column of another shape beside input_ids (a stale file) is an error naming it, not "ok"', () => {
    const dir = folder('stale-mask');
    const rows = 1000;
    npy(join(dir, 'input_ids.npy'), '<i4', `${rows}, 2`, int32s(Array.from({ length: rows * 2 }, (_, i) => i % 50)));
    npy(join(dir, 'labels.npy'), '<i4', `${rows}, 2`, int32s(Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 0 ? -100 : i % 50))));
    npy(join(dir, 'attention_mask.npy'), '<i4', '1, 2', int32s([1, 1]));
    const run = lint(dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("attention_mask.npy: shape (1, 2) differs from input_ids.npy's (1000, 2)");
  });

  it('an int64 id of 2^40 is flagged with its row, not wrapped into a valid id', () => {
    const dir = folder('wide-id');
    const data = Buffer.alloc(16);
    data.writeBigInt64LE(5n, 0);
    data.writeBigInt64LE(2n ** 40n, 8);
    npy(join(dir, 'input_ids.npy'), '<i8', '1, 2', data);
    const run = lint(dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('input_ids.npy: row 0, position 1: 1099511627776 does not fit int32');
  });

  it('nested or non-numeric ids in JSON lines name the line and the field', () => {
    const path = join(root, 'nested.jsonl');
    writeFileSync(
      path,
      [JSON.stringify({ input_ids: [1, 2], labels: [-100, 2] }), JSON.stringify({ input_ids: [[1, 2], [3]], labels: [-100, 2, 3] })].join('\n'),
    );
    const run = lint(path);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('nested.jsonl line 2: field `input_ids` item 0 is [1,2], not an int32 whole number');
    writeFileSync(path, JSON.stringify({ input_ids: [1, 2], labels: [-100, '2'] }));
    expect(lint(path).stderr).toContain('line 1: field `labels` item 1 is 2, not an int32 whole number');
  });

  it.runIf(hasNative)('int64 list columns in Parquet are read (as numbers), and a damaged file is named', () => {
    const tokenizer = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3);
    const batch = createPreparer(tokenizer, { shift: 'model' }).prepare([
      { prompt: 'a', completion: ' b' },
      { prompt: 'c', completion: ' d' },
    ]);
    const path = join(root, 'wide.parquet');
    const writer = createDatasetWriter(path, { format: 'parquet', dtype: 'int64' });
    writer.write(batch);
    writer.finish({ shift: 'model' });
    const run = lint(path);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const damaged = join(root, 'damaged.parquet');
    writeFileSync(damaged, Buffer.from('PAR1 not really a parquet file PAR1'));
    const broken = lint(damaged);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/^tokenshift lint: .*damaged\.parquet: cannot be read as parquet: /m);
    expect(broken.stderr).not.toMatch(/\n\s+at /);
  });

  it.skipIf(shared === null)('ZSTD-compressed Parquet is decoded (its rows are checked, not refused as an unknown codec)', () => {
    const run = lint(join(shared as string, 'data', 'parquet', 'glaive_toolcall_en_demo.zstd.parquet'));
    expect(run.status).toBe(1);
    // A records file, not a dataset: decoding worked, and the first row is named for what it lacks.
    expect(run.stderr).toContain('glaive_toolcall_en_demo.zstd.parquet row 0: field `input_ids` must be a list of token ids');
  });
});
