// `lint` on damaged megatron, litdata, mds and memmap outputs: each ends in an error naming the file and what
// does not match (sizes, offsets, mask values, a device where a chunk should be), never a hang or a wrong "ok".

import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createDatasetWriter } from '../dist/esm/index.mjs';

const bin = join(__dirname, '..', 'bin', 'tokenshift.cjs');
const rows = { inputIds: Int32Array.of(5, 6, 7, 8, 9), labels: Int32Array.of(-100, 6, 7, -100, 9), offsets: Uint32Array.of(0, 3, 5) };

function lint(path: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [bin, 'lint', path], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: run.stdout + run.stderr };
}

function written(format: 'megatron' | 'litdata' | 'mds' | 'memmap'): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'tokenshift-lint-arrays-')), format);
  const w = createDatasetWriter(dir, { format, vocabSize: 1000, shift: 'model', ...(format === 'litdata' ? { chunkSize: 4 } : {}) });
  w.write(rows);
  w.finish({ shift: 'model' });
  expect(lint(dir).status).toBe(0);
  return dir;
}

describe('lint on damaged token-array outputs', () => {
  it('megatron: a .bin shorter than its index says', () => {
    const dir = written('megatron');
    truncateSync(join(dir, 'input_ids.bin'), 4);
    const run = lint(dir);
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/input_ids\.idx: not a usable Megatron index: its sequences need 10 bytes in .*input_ids\.bin, which has 4/);
  });

  it('megatron: an index whose counts do not match its size', () => {
    const dir = written('megatron');
    appendFileSync(join(dir, 'loss_mask.idx'), Buffer.alloc(8));
    const run = lint(dir);
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/loss_mask\.idx: not a usable Megatron index: 2 sequences and 3 document indices need/);
  });

  it('memmap: a mask byte that is not 0 or 1, and arrays of different lengths', () => {
    const dir = written('memmap');
    const mask = readFileSync(join(dir, 'label_mask.npy'));
    mask[1] = 7;
    writeFileSync(join(dir, 'label_mask.npy'), mask);
    expect(lint(dir).output).toMatch(/row 0 token 1 has mask 7, not 0 or 1/);
    appendFileSync(join(dir, 'input_ids.npy'), Buffer.alloc(1));
    const run = lint(dir);
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/input_ids\.npy \(11 bytes\) is not 2 or 4 bytes per label_mask\.npy byte \(5\)/);
  });

  it('litdata: a chunk that is a link to a device', () => {
    const dir = written('litdata');
    rmSync(join(dir, 'chunk-0-1.bin'));
    symlinkSync('/dev/zero', join(dir, 'chunk-0-1.bin'));
    const run = lint(dir);
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/chunk-0-1\.bin: not a regular file/);
  });

  it('mds: a shard whose size is not what index.json says', () => {
    const dir = written('mds');
    appendFileSync(join(dir, 'shard.00000.mds'), Buffer.alloc(3));
    const run = lint(dir);
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/shard\.00000\.mds: \d+ bytes, index\.json says \d+/);
  });
});
