// Training-ready files: every format read back with an independent reader (support/formats.ts,
// hyparquet), native and TS writers byte-identical, atomic appearance, and the metadata sidecar.

import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createDatasetWriter, createPreparer, pack, Tokenizer, WriteError, type PackedBatch, type PreparedBatch } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { parquetSchema, readLitGptDir, readNpy, readParquet } from './support/formats';
import { PACKAGED_TOKENIZERS } from './support/shared';

const backends = testBackends();
const tokenizer = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3);
const sample = readFileSync(join(__dirname, '..', 'examples', 'alpaca-sample.jsonl'), 'utf8');
const records = [
  ...sample
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown),
  ...Array.from({ length: 60 }, (_, i) => ({ prompt: `Q${i}: ${'why '.repeat(i % 9)}?\n`, completion: ` A${i}. ${'Because. '.repeat((i * 5) % 11)}` })),
];
const prepared = createPreparer(tokenizer, { shift: 'model' }).prepare(records);
const packed = pack(prepared, { mode: 'bfd', blockSize: 256 });

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tokenshift-write-'));
}

function rowsOf(batch: PreparedBatch): { input_ids: number[]; labels: number[]; attention_mask: number[] }[] {
  return batch.toRows();
}

function packedRows(batch: PackedBatch): { input_ids: number[]; labels: number[]; position_ids: number[]; seq_lens: number[] }[] {
  return Array.from({ length: batch.rowCount }, (_, r) => batch.row(r));
}

function jsonLines(path: string): unknown[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);
}

/** Row r of a row-major [rows, length] array. */
function matrixRow(values: number[], length: number, r: number): number[] {
  return values.slice(r * length, (r + 1) * length);
}

describe.each(backends)('%s dataset writers', (backend) => {
  it('jsonl: prepared rows and packed rows, exactly', () => {
    const dir = tempDir();
    const w = createDatasetWriter(join(dir, 'rows.jsonl'), { backend });
    // Two writes: rows stream through in order.
    const half = Math.floor(prepared.rowCount / 2);
    const first = { inputIds: prepared.inputIds, labels: prepared.labels, offsets: prepared.offsets.slice(0, half + 1) };
    first.inputIds = prepared.inputIds.subarray(0, prepared.offsets[half]);
    first.labels = prepared.labels.subarray(0, prepared.offsets[half]);
    const rest = {
      inputIds: prepared.inputIds.subarray(prepared.offsets[half]),
      labels: prepared.labels.subarray(prepared.offsets[half]),
      offsets: prepared.offsets.slice(half).map((o) => o - (prepared.offsets[half] as number)),
    };
    w.write(first);
    w.write(rest);
    const meta = w.finish({ shift: 'model' });
    expect(meta.output).toMatchObject({ format: 'jsonl', rows: prepared.rowCount, tokens: prepared.inputIds.length });
    expect(jsonLines(join(dir, 'rows.jsonl'))).toEqual(rowsOf(prepared));
    const p = createDatasetWriter(join(dir, 'packed.jsonl'), { backend });
    p.write(packed);
    p.finish();
    expect(jsonLines(join(dir, 'packed.jsonl'))).toEqual(packedRows(packed));
  });

  it('npy: [rows, length] columns; padding is never trained and positions restart per example', () => {
    const dir = tempDir();
    const length = 256;
    const w = createDatasetWriter(join(dir, 'packed.npy'), { format: 'npy', length, padId: 7, backend });
    w.write(packed);
    const meta = w.finish();
    expect(meta.output.layout).toEqual({ shape: [packed.rowCount, length], dtype: 'int32' });
    const cols = Object.fromEntries(['input_ids', 'labels', 'attention_mask', 'position_ids'].map((c) => [c, readNpy(join(dir, 'packed.npy', `${c}.npy`))]));
    for (const c of Object.values(cols)) expect(c.shape).toEqual([packed.rowCount, length]);
    packedRows(packed).forEach((row, r) => {
      const n = row.input_ids.length;
      const ids = matrixRow(cols.input_ids!.values, length, r);
      const labels = matrixRow(cols.labels!.values, length, r);
      const mask = matrixRow(cols.attention_mask!.values, length, r);
      const positions = matrixRow(cols.position_ids!.values, length, r);
      expect(ids.slice(0, n)).toEqual(row.input_ids);
      expect(labels.slice(0, n)).toEqual(row.labels);
      expect(positions.slice(0, n)).toEqual(row.position_ids);
      expect(ids.slice(n).every((id) => id === 7)).toBe(true);
      expect(labels.slice(n).every((l) => l === -100)).toBe(true);
      expect(mask).toEqual([...Array(n).fill(1), ...Array(length - n).fill(0)]);
    });
    const wide = createDatasetWriter(join(dir, 'rows64.npy'), { format: 'npy', length: 1024, dtype: 'int64', backend });
    wide.write(prepared);
    wide.finish();
    const ids = readNpy(join(dir, 'rows64.npy', 'input_ids.npy'));
    expect(ids.descr).toBe('<i8');
    expect(matrixRow(ids.values, 1024, 0).slice(0, prepared.offsets[1])).toEqual(Array.from(prepared.inputIds.subarray(0, prepared.offsets[1])));
  });

  it('npy without a fixed length is an option error', () => {
    expect(() => createDatasetWriter(join(tempDir(), 'x.npy'), { format: 'npy', backend })).toThrow(/length/);
  });

  it('bin: the token stream in LITPKDS chunks, the last one filled with the separator', () => {
    const dir = tempDir();
    const chunkSize = 1000;
    const w = createDatasetWriter(join(dir, 'train'), { format: 'bin', vocabSize: 151_936, chunkSize, sepId: 5, prefix: 'alpaca', shift: 'model', backend });
    w.write(prepared);
    const meta = w.finish();
    const { files, chunks } = readLitGptDir(join(dir, 'train'));
    const stream = Array.from(prepared.inputIds);
    expect(files).toEqual(Array.from({ length: Math.ceil(stream.length / chunkSize) }, (_, i) => `alpaca_${String(i).padStart(10, '0')}.bin`));
    expect(meta.output.files).toEqual(files);
    for (const c of chunks) expect({ version: c.version, code: c.code, chunkSize: c.chunkSize }).toEqual({ version: 1, code: 4, chunkSize });
    const read = chunks.flatMap((c) => c.tokens);
    expect(read.slice(0, stream.length)).toEqual(stream);
    expect(read.slice(stream.length).every((t) => t === 5)).toBe(true);
    // Labels cannot be stored: rows whose prompt was masked are counted.
    const masked = rowsOf(prepared).filter((row) => row.labels.includes(-100)).length;
    expect(masked).toBeGreaterThan(0);
    expect(meta.output.layout.maskedRows).toBe(masked);
  });

  it('bin: uint16 below a 65500-token vocabulary (lit-gpt rule); an id that does not fit names its row', () => {
    const dir = tempDir();
    const small = { inputIds: Int32Array.of(1, 2, 65_000, 3), labels: Int32Array.of(1, 2, 65_000, 3), offsets: Uint32Array.of(0, 2, 4) };
    const w = createDatasetWriter(join(dir, 'u16'), { format: 'bin', vocabSize: 65_499, chunkSize: 3, sepId: 0, backend });
    w.write(small);
    w.finish();
    const { chunks } = readLitGptDir(join(dir, 'u16'));
    expect(chunks.map((c) => c.code)).toEqual([8, 8]);
    expect(chunks.flatMap((c) => c.tokens)).toEqual([1, 2, 65_000, 3, 0, 0]);
    const bad = createDatasetWriter(join(dir, 'bad'), { format: 'bin', vocabSize: 32_000, chunkSize: 3, sepId: 0, backend });
    expect(() => bad.write({ inputIds: Int32Array.of(1, 70_000), labels: Int32Array.of(1, 2), offsets: Uint32Array.of(0, 1, 2) })).toThrow(
      /token id 70000 in row 1 does not fit uint16/,
    );
    bad.abort();
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });

  it('nothing appears at the path before finish; abort leaves nothing behind', () => {
    const dir = tempDir();
    const path = join(dir, 'rows.jsonl');
    const w = createDatasetWriter(path, { backend });
    w.write(prepared);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual([expect.stringMatching(new RegExp(`^rows\\.jsonl\\.tmp-${process.pid}-[0-9a-f]{16}$`))]);
    w.abort();
    expect(readdirSync(dir)).toEqual([]);
    const done = createDatasetWriter(path, { backend });
    done.write(prepared);
    done.finish();
    expect(readdirSync(dir).sort()).toEqual(['rows.jsonl', 'rows.jsonl.meta.json']);
    expect(() => done.write(prepared)).toThrow(WriteError);
  });

  it('the sidecar holds the caller metadata and what was written', () => {
    const dir = tempDir();
    const path = join(dir, 'rows.jsonl');
    const w = createDatasetWriter(path, { backend });
    w.write(prepared);
    const meta = w.finish({ tool: 'tokenshift', shift: 'model', ignoreIndex: -100, records: prepared.stats.records });
    const sidecar = JSON.parse(readFileSync(`${path}.meta.json`, 'utf8')) as Record<string, unknown>;
    expect(sidecar).toEqual(meta);
    expect(sidecar).toMatchObject({
      tool: 'tokenshift',
      shift: 'model',
      ignoreIndex: -100,
      records: prepared.stats.records,
      output: { format: 'jsonl', rows: prepared.rowCount, files: ['rows.jsonl'] },
    });
  });

  it('inconsistent rows are errors, not crashes', () => {
    const w = createDatasetWriter(join(tempDir(), 'x.jsonl'), { backend });
    expect(() => w.write({ inputIds: Int32Array.of(1, 2), labels: Int32Array.of(1, 2), offsets: Uint32Array.of(0, 5) })).toThrow(/offsets/);
    expect(() => w.write({ inputIds: Int32Array.of(1, 2), labels: Int32Array.of(1), offsets: Uint32Array.of(0, 2) })).toThrow(/differ in length/);
    expect(() =>
      w.write({ inputIds: Int32Array.of(1, 2), labels: Int32Array.of(1, 2), offsets: Uint32Array.of(0, 2), positionIds: Int32Array.of(0) } as never),
    ).toThrow(TypeError);
    w.abort();
  });
});

describe.runIf(backends.includes('native'))('parquet', () => {
  it('list<int32> columns that hyparquet reads back as the rows', async () => {
    const dir = tempDir();
    const w = createDatasetWriter(join(dir, 'rows.parquet'));
    w.write(prepared);
    w.finish();
    expect(await readParquet(join(dir, 'rows.parquet'))).toEqual(rowsOf(prepared));
    const schema = await parquetSchema(join(dir, 'rows.parquet'));
    // The standard three-level list (group (LIST) > repeated group list > element), as pyarrow writes.
    expect(schema.filter((s) => s.converted_type === 'LIST').map((s) => s.name)).toEqual(['input_ids', 'labels', 'attention_mask']);
    expect(schema.filter((s) => s.name === 'element').every((s) => s.type === 'INT32')).toBe(true);
    const p = createDatasetWriter(join(dir, 'packed.parquet'));
    p.write(packed);
    p.finish();
    expect(await readParquet(join(dir, 'packed.parquet'))).toEqual(packedRows(packed));
  });

  it('the TS backend says Parquet needs the native addon', () => {
    expect(() => createDatasetWriter(join(tempDir(), 'x.parquet'), { backend: 'ts' })).toThrow(/native only/);
  });
});

describe.runIf(backends.length === 2)('native and TS writers', () => {
  it('write byte-identical jsonl, npy and bin', () => {
    const options = { jsonl: {}, npy: { length: 256, padId: 3 }, bin: { vocabSize: 151_936, chunkSize: 777, sepId: 1 } } as const;
    for (const [format, extra] of Object.entries(options)) {
      const files: Record<string, Buffer[]> = {};
      for (const backend of ['native', 'ts'] as const) {
        const dir = tempDir();
        const w = createDatasetWriter(join(dir, 'out'), { format: format as 'jsonl', ...extra, backend });
        w.write(format === 'bin' ? prepared : packed);
        w.finish({ same: true });
        const out = join(dir, 'out');
        const names =
          format === 'jsonl'
            ? [out]
            : readdirSync(out)
                .sort()
                .map((f) => join(out, f));
        files[backend] = [...names, `${out}.meta.json`].map((f) => readFileSync(f));
      }
      expect(files.ts, format).toEqual(files.native);
    }
  });
});
