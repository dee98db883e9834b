// The trainers' raw token-array formats, on every backend: Megatron indexed datasets and OLMo memmaps,
// read back with the readers of support/formats.ts (written from Megatron's and OLMo's reader code), the
// loss mask the same whichever label convention the rows were written in, ids that do not fit refused,
// native and TS writers byte-identical, and `lint` reading both back. The trainers' own readers check
// the same files in trainer-readers.test.ts.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createDatasetWriter, createPreparer, Tokenizer, type PreparedBatch } from '../dist/esm/index.mjs';
import { cli } from './support/cli';
import { testBackends } from './support/backends';
import { readLitdata, readMegatron, readMemmap } from './support/formats';
import { PACKAGED_TOKENIZERS } from './support/shared';

const backends = testBackends();
const tokenizer = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3);
const sample = readFileSync(join(__dirname, '..', 'examples', 'alpaca-sample.jsonl'), 'utf8');
const records = [
  ...sample
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown),
  ...Array.from({ length: 40 }, (_, i) => ({ prompt: `Q${i}: ${'why '.repeat(i % 9)}?\n`, completion: ` A${i}. ${'Because. '.repeat((i * 5) % 11)}` })),
];
const byShift = {
  model: createPreparer(tokenizer, { shift: 'model' }).prepare(records),
  data: createPreparer(tokenizer, { shift: 'data' }).prepare(records),
};

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tokenshift-arrays-'));
}

/** Model-convention rows: token i is a target where labels[i] is not ignored, the first never. */
function expectedRows(batch: PreparedBatch): { ids: number[]; mask: number[] }[] {
  return batch.toRows().map((row) => ({ ids: row.input_ids, mask: row.labels.map((l, i) => (i > 0 && l !== -100 ? 1 : 0)) }));
}

describe.each(backends)('%s token-array writers', (backend) => {
  it.each(['model', 'data'] as const)('megatron: one sequence and document per row, int32 for 151k ids, the loss mask from shift=%s', (shift) => {
    const dir = join(tempDir(), 'mega');
    const w = createDatasetWriter(dir, { format: 'megatron', vocabSize: 151_936, shift, backend });
    w.write(byShift[shift]);
    const meta = w.finish();
    expect(readdirSync(dir).sort()).toEqual(['input_ids.bin', 'input_ids.idx', 'loss_mask.bin', 'loss_mask.idx']);
    const tokens = readMegatron(join(dir, 'input_ids'));
    const mask = readMegatron(join(dir, 'loss_mask'));
    const expected = expectedRows(byShift.model);
    expect([tokens.code, mask.code]).toEqual([4, 1]);
    expect(tokens.sequences).toEqual(expected.map((r) => r.ids));
    expect(mask.sequences).toEqual(expected.map((r) => r.mask));
    expect(tokens.documents).toEqual(Array.from({ length: expected.length + 1 }, (_, i) => i));
    expect(mask.pointers).toEqual(tokens.pointers.map((p) => p / 4));
    expect(meta.output).toMatchObject({ format: 'megatron', rows: expected.length, tokens: byShift.model.inputIds.length, layout: { dtype: 'int32' } });
  });

  it('megatron: uint16 below 65,500 ids (Megatron optimal_dtype); an id that does not fit names its row and nothing is left', () => {
    const dir = tempDir();
    const rows = { inputIds: Int32Array.of(1, 2, 65_000, 3), labels: Int32Array.of(-100, 2, 65_000, 3), offsets: Uint32Array.of(0, 2, 4) };
    const w = createDatasetWriter(join(dir, 'u16'), { format: 'megatron', vocabSize: 65_499, shift: 'model', backend });
    w.write(rows);
    w.finish();
    const tokens = readMegatron(join(dir, 'u16', 'input_ids'));
    expect(tokens.code).toBe(8);
    expect(tokens.sequences).toEqual([
      [1, 2],
      [65_000, 3],
    ]);
    expect(tokens.pointers).toEqual([0, 4]);
    const narrow = createDatasetWriter(join(dir, 'narrow'), { format: 'megatron', vocabSize: 32_000, shift: 'model', backend });
    expect(() => narrow.write({ inputIds: Int32Array.of(1, 70_000), labels: Int32Array.of(1, 2), offsets: Uint32Array.of(0, 1, 2) })).toThrow(
      /token id 70000 in row 1 does not fit uint16/,
    );
    narrow.abort();
    expect(readdirSync(dir).sort()).toEqual(['u16', 'u16.meta.json']);
  });

  it('litdata: the token stream in TokensLoader chunks of chunkSize tokens, rows crossing a chunk split in two items', () => {
    const dir = join(tempDir(), 'lit');
    const w = createDatasetWriter(dir, { format: 'litdata', vocabSize: 151_936, chunkSize: 1000, shift: 'model', backend });
    w.write(byShift.model);
    const meta = w.finish();
    const { config, chunks } = readLitdata(dir);
    const stream = Array.from(byShift.model.inputIds);
    expect(config).toMatchObject({ data_format: ['no_header_numpy:2'], item_loader: 'TokensLoader', compression: null, encryption: null });
    expect(chunks.map((c) => c.dim)).toEqual(Array.from({ length: Math.ceil(stream.length / 1000) }, (_, i) => Math.min(1000, stream.length - 1000 * i)));
    expect(chunks.flatMap((c) => c.items.flat())).toEqual(stream);
    // Items are the rows, a row crossing a chunk boundary split in two.
    const rows = byShift.model.toRows().length;
    const boundaries = Array.from({ length: chunks.length - 1 }, (_, i) => 1000 * (i + 1));
    const insideRows = boundaries.filter((b) => !Array.from(byShift.model.offsets).includes(b)).length;
    expect(chunks.reduce((n, c) => n + c.items.length, 0)).toBe(rows + insideRows);
    const masked = byShift.model.toRows().filter((row) => row.labels.includes(-100)).length;
    expect(meta.output.layout).toEqual({ dtype: 'int32', chunkSize: 1000, maskedRows: masked });
    const small = join(tempDir(), 'small');
    const u16 = createDatasetWriter(small, { format: 'litdata', vocabSize: 32_000, chunkSize: 3, backend });
    expect(() => u16.write({ inputIds: Int32Array.of(1, 70_000), labels: Int32Array.of(1, 2), offsets: Uint32Array.of(0, 1, 2) })).toThrow(
      /token id 70000 in row 1 does not fit uint16/,
    );
    u16.abort();
  });

  it('mds: shards of at most sizeLimit bytes; an empty row is an error naming it', () => {
    const dir = join(tempDir(), 'mds');
    const w = createDatasetWriter(dir, { format: 'mds', sizeLimit: 4000, backend });
    w.write(byShift.model);
    const meta = w.finish();
    const shards = readdirSync(dir).filter((f) => f.endsWith('.mds'));
    expect(shards.length).toBeGreaterThan(3);
    expect(meta.output.files).toEqual([...shards.sort(), 'index.json']);
    for (const shard of shards.slice(0, -1)) expect(readFileSync(join(dir, shard)).length).toBeLessThanOrEqual(4000);
    const empty = createDatasetWriter(join(tempDir(), 'empty'), { format: 'mds', backend });
    expect(() => empty.write({ inputIds: Int32Array.of(1), labels: Int32Array.of(1), offsets: Uint32Array.of(0, 1, 1) })).toThrow(/row 1 is empty/);
    empty.abort();
    expect(() => createDatasetWriter(join(tempDir(), 'x'), { format: 'mds', sizeLimit: 2 ** 32, backend })).toThrow(/sizeLimit/);
  });

  it('tokenDtype overrides the vocabulary rule where the reader takes that type, and is refused where it does not', () => {
    const rows = { inputIds: Int32Array.of(1, 2, 300), labels: Int32Array.of(1, 2, 300), offsets: Uint32Array.of(0, 1, 3) };
    const mega = join(tempDir(), 'mega16');
    const w = createDatasetWriter(mega, { format: 'megatron', vocabSize: 151_936, shift: 'model', tokenDtype: 'uint16', backend });
    w.write(rows);
    w.finish();
    expect(readMegatron(join(mega, 'input_ids'))).toMatchObject({ code: 8, sequences: [[1], [2, 300]] });
    const olmo = join(tempDir(), 'olmo32');
    const m = createDatasetWriter(olmo, { format: 'memmap', vocabSize: 1000, shift: 'model', tokenDtype: 'uint32', backend });
    m.write(rows);
    m.finish();
    expect(readMemmap(join(olmo, 'input_ids.npy'), 'uint32')).toEqual([1, 2, 300]);
    const lit = join(tempDir(), 'lit32');
    const l = createDatasetWriter(lit, { format: 'litdata', vocabSize: 1000, chunkSize: 10, tokenDtype: 'uint32', backend });
    l.write(rows);
    l.finish();
    expect(readLitdata(lit)).toMatchObject({ config: { data_format: ['no_header_numpy:6'] }, chunks: [{ items: [[1], [2, 300]], dim: 3 }] });
    for (const [format, tokenDtype] of [
      ['megatron', 'uint32'],
      ['memmap', 'int32'],
      ['mds', 'uint16'],
    ] as const)
      expect(() => createDatasetWriter(join(tempDir(), 'x'), { format, vocabSize: 1000, shift: 'model', tokenDtype, backend })).toThrow(
        new RegExp(`${format} does not store ${tokenDtype} tokens`),
      );
  });

  it('megatron and memmap need the vocabulary size and the labels convention', () => {
    for (const format of ['megatron', 'memmap'] as const) {
      expect(() => createDatasetWriter(join(tempDir(), 'x'), { format, shift: 'model', backend })).toThrow(/vocabSize/);
      expect(() => createDatasetWriter(join(tempDir(), 'x'), { format, vocabSize: 100, backend })).toThrow(/shift/);
    }
  });

  it('memmap without a length: rows concatenated, uint32 above 65,536 ids, a 0/1 byte per token', () => {
    const dir = join(tempDir(), 'olmo');
    const w = createDatasetWriter(dir, { format: 'memmap', vocabSize: 151_936, shift: 'data', backend });
    w.write(byShift.data);
    const meta = w.finish();
    const expected = expectedRows(byShift.model);
    expect(readdirSync(dir).sort()).toEqual(['input_ids.npy', 'label_mask.npy']);
    expect(readMemmap(join(dir, 'input_ids.npy'), 'uint32')).toEqual(expected.flatMap((r) => r.ids));
    expect(readMemmap(join(dir, 'label_mask.npy'), 'bool')).toEqual(expected.flatMap((r) => r.mask));
    expect(meta.output.layout).toEqual({ dtype: 'uint32', maskDtype: 'bool' });
  });

  it('memmap with a length: every row padded (padding never a target), uint16 for a small vocabulary', () => {
    const dir = join(tempDir(), 'sft');
    const rows = { inputIds: Int32Array.of(7, 8, 9, 4, 5), labels: Int32Array.of(-100, -100, 9, -100, 5), offsets: Uint32Array.of(0, 3, 5) };
    const w = createDatasetWriter(dir, { format: 'memmap', vocabSize: 65_536, shift: 'model', length: 4, padId: 0, backend });
    w.write(rows);
    expect(w.finish().output.layout).toEqual({ dtype: 'uint16', maskDtype: 'bool', rowLength: 4 });
    expect(readMemmap(join(dir, 'input_ids.npy'), 'uint16')).toEqual([7, 8, 9, 0, 4, 5, 0, 0]);
    expect(readMemmap(join(dir, 'label_mask.npy'), 'bool')).toEqual([0, 0, 1, 0, 0, 1, 0, 0]);
    expect(() => createDatasetWriter(join(tempDir(), 'pad'), { format: 'memmap', vocabSize: 100, shift: 'model', length: 4, padId: 70_000, backend })).toThrow(
      /padId/,
    );
  });

  it('lint reads each back: megatron and memmap masks as model-convention labels, mds labels as written, nothing wrong', () => {
    for (const format of ['megatron', 'memmap', 'litdata', 'mds'] as const) {
      const dir = join(tempDir(), format);
      const extra = format === 'memmap' ? { length: 512, padId: 0 } : format === 'litdata' ? { chunkSize: 4096 } : {};
      const w = createDatasetWriter(dir, { format, vocabSize: 151_936, shift: 'data', ...extra, backend });
      w.write(byShift.data);
      w.finish({ shift: 'data' });
      const run = cli(['lint', dir, '--tokenizer', PACKAGED_TOKENIZERS.qwen3, '--json']);
      expect(run.status, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as { kind: string; problems: string[]; convention: { detected: string } | null; rows: number; tokens: number };
      expect(report.kind).toBe(format);
      expect(report.problems).toEqual([]);
      if (format === 'mds') {
        // MDS keeps the rows' own labels.
        expect(report.convention?.detected).toBe('data');
        expect(report.rows).toBe(byShift.data.offsets.length - 1);
      } else if (format === 'litdata') {
        expect(report.convention).toBe(null);
        expect(report.tokens).toBe(byShift.data.inputIds.length);
      } else {
        expect(report.convention?.detected).toBe('model');
        expect(report.rows).toBe(byShift.data.offsets.length - 1);
      }
    }
  });
});

describe.runIf(backends.length === 2)('native and TS token-array writers', () => {
  it('write byte-identical megatron, memmap, litdata and mds output (both widths, padded and concatenated)', () => {
    const cases = [
      { format: 'megatron', vocabSize: 151_936 },
      { format: 'megatron', vocabSize: 151_936, shift: 'data' },
      { format: 'memmap', vocabSize: 151_936 },
      { format: 'memmap', vocabSize: 151_936, length: 300, padId: 3, side: 'left' },
      { format: 'litdata', vocabSize: 151_936, chunkSize: 777 },
      { format: 'mds' },
      { format: 'mds', sizeLimit: 5000 },
    ] as const;
    for (const c of cases) {
      const shift = 'shift' in c ? c.shift : 'model';
      const files: Record<string, Buffer[]> = {};
      for (const backend of ['native', 'ts'] as const) {
        const out = join(tempDir(), 'out');
        const w = createDatasetWriter(out, { ...c, shift, backend });
        w.write(byShift[shift]);
        w.finish({ same: true });
        files[backend] = [
          ...readdirSync(out)
            .sort()
            .map((f) => readFileSync(join(out, f))),
          readFileSync(`${out}.meta.json`),
        ];
      }
      expect(files.ts, JSON.stringify(c)).toEqual(files.native);
    }
  });
});
