// Packing and collation: invariants on real prepared rows, and identical output from both backends.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { collate, createPreparer, pack, Tokenizer, type PackedBatch, type PreparedBatch } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { fixtureDir, PACKAGED_TOKENIZERS, sharedDir } from './support/shared';

const backends = testBackends();
const tokenizer = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3);
const records = Array.from({ length: 120 }, (_, i) => ({
  prompt: `Question ${i}: ${'why '.repeat(i % 11)}?\n`,
  completion: ` Answer ${i}. ${'Because. '.repeat((i * 7) % 13)}`,
}));

function examples(batch: PreparedBatch | PackedBatch): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < batch.offsets.length - 1; r++) out.push(Array.from(batch.inputIds.subarray(batch.offsets[r], batch.offsets[r + 1])));
  return out;
}

function packedExamples(packed: PackedBatch): { ids: number[]; labels: number[]; positions: number[] }[] {
  const out: { ids: number[]; labels: number[]; positions: number[] }[] = [];
  for (let r = 0; r < packed.rowCount; r++) {
    const row = packed.row(r);
    let at = 0;
    for (const n of row.seq_lens) {
      out.push({ ids: row.input_ids.slice(at, at + n), labels: row.labels.slice(at, at + n), positions: row.position_ids.slice(at, at + n) });
      at += n;
    }
  }
  return out;
}

const key = (ids: number[]) => ids.join(',');

describe.each(['model', 'data'] as const)('bfd packing, shift %s', (shift) => {
  const prepared = createPreparer(tokenizer, { shift }).prepare(records);
  const packed = pack(prepared, { mode: 'bfd', blockSize: 256 });

  it('places every example exactly once, whole, in rows no longer than blockSize', () => {
    expect(
      packedExamples(packed)
        .map((e) => key(e.ids))
        .sort(),
    ).toEqual(examples(prepared).map(key).sort());
    for (let r = 0; r < packed.rowCount; r++) expect(packed.row(r).input_ids.length).toBeLessThanOrEqual(256);
    expect(packed.stats.tokens).toBe(prepared.inputIds.length);
    expect(packed.cuSeqlens().at(-1)).toBe(prepared.inputIds.length);
  });

  it('restarts position ids at every example and never lets one example predict another', () => {
    for (const e of packedExamples(packed)) {
      expect(e.positions).toEqual(e.ids.map((_, i) => i));
      if (shift === 'model') expect(e.labels[0]).toBe(-100);
      else expect(e.labels.at(-1)).toBe(-100);
    }
  });

  it('is deterministic and identical on both backends', () => {
    const results = backends.map((backend) => pack(prepared, { mode: 'bfd', blockSize: 256, backend }));
    for (const other of results) {
      expect(other.inputIds).toEqual(packed.inputIds);
      expect(other.labels).toEqual(packed.labels);
      expect(other.positionIds).toEqual(packed.positionIds);
      expect(other.seqLens).toEqual(packed.seqLens);
      expect(other.stats).toEqual(packed.stats);
    }
  });
});

describe('wrapped packing', () => {
  const prepared = createPreparer(tokenizer, { shift: 'data' }).prepare(records.map((r) => ({ text: r.prompt + r.completion })));
  const stream = Array.from(prepared.inputIds);

  it.each(backends)('data shift: windows of blockSize + 1 with stride blockSize reconstruct the stream (%s)', (backend) => {
    const packed = pack(prepared, { mode: 'wrapped', blockSize: 64, backend });
    const rows = Math.floor((stream.length - 1) / 64);
    expect(packed.rowCount).toBe(rows);
    expect(Array.from(packed.inputIds)).toEqual(stream.slice(0, rows * 64));
    expect(Array.from(packed.labels)).toEqual(stream.slice(1, rows * 64 + 1));
    expect(packed.stats.droppedTailTokens).toBe(stream.length - rows * 64);
  });

  it.each(backends)('model shift pads the tail on request, never training the padding (%s)', (backend) => {
    const packed = pack(prepared, { mode: 'wrapped', blockSize: 64, shift: 'model', tail: 'pad', padId: 7, backend });
    expect(Array.from(packed.labels.subarray(0, stream.length))).toEqual(stream);
    expect(Array.from(packed.inputIds.subarray(stream.length)).every((id) => id === 7)).toBe(true);
    expect(Array.from(packed.labels.subarray(stream.length)).every((l) => l === -100)).toBe(true);
    expect(packed.stats.padTokens).toBe(packed.rowCount * 64 - stream.length);
  });
});

describe('collate', () => {
  const prepared = createPreparer(tokenizer, { shift: 'model' }).prepare(records.slice(0, 9));

  it.each(backends)('pads right or left to the longest row or a multiple, padding never trained (%s)', (backend) => {
    const longest = Math.max(...examples(prepared).map((e) => e.length));
    for (const side of ['right', 'left'] as const) {
      const c = collate(prepared, { tokenizer, side, multipleOf: 8, backend });
      const [batch, length] = c.shape;
      expect(batch).toBe(9);
      expect(length).toBe(Math.ceil(longest / 8) * 8);
      examples(prepared).forEach((ids, r) => {
        const row = Array.from(c.input_ids.subarray(r * length, (r + 1) * length) as Int32Array);
        const mask = Array.from(c.attention_mask.subarray(r * length, (r + 1) * length) as Int32Array);
        const labels = Array.from(c.labels.subarray(r * length, (r + 1) * length) as Int32Array);
        const kept = row.filter((_, i) => mask[i] === 1);
        expect(kept).toEqual(ids);
        expect(labels.filter((_, i) => mask[i] === 0).every((l) => l === -100)).toBe(true);
        expect(row.filter((_, i) => mask[i] === 0).every((id) => id === tokenizer.special_tokens.padId)).toBe(true);
        expect(side === 'right' ? mask[0] : mask[length - 1]).toBe(1);
      });
    }
  });

  it('int64 output and identical results on both backends; rows longer than a fixed length are an error', () => {
    const results = backends.map((backend) => collate(prepared, { tokenizer, dtype: 'int64', length: 200, backend }));
    for (const c of results) {
      expect(c.input_ids).toBeInstanceOf(BigInt64Array);
      expect(c).toEqual(results[0]);
    }
    for (const backend of backends)
      expect(() => collate(prepared, { tokenizer, length: 4, backend })).toThrow(/row 0 has \d+ tokens, more than the padded length 4/);
    expect(() => collate(prepared, {})).toThrow(/padId/);
  });

  it('keeps the restarting position ids of packed rows', () => {
    const packed = pack(createPreparer(tokenizer, { shift: 'model' }).prepare(records), { mode: 'bfd', blockSize: 256 });
    const c = collate(packed, { padId: 0 });
    const length = c.shape[1];
    expect(Array.from(c.position_ids.subarray(0, packed.row(0).input_ids.length) as Int32Array)).toEqual(packed.row(0).position_ids);
    expect(length).toBe(Math.max(...Array.from({ length: packed.rowCount }, (_, r) => packed.row(r).input_ids.length)));
  });
});

const shared = sharedDir();

describe.skipIf(shared === null)('bfd on the shared Alpaca data', () => {
  it('packs TinyLlama rows into 2048-token blocks at least 97% full', () => {
    const records = JSON.parse(readFileSync(join(shared as string, 'data', 'llama-factory', 'alpaca_en_demo.json'), 'utf8')) as unknown[];
    const tinyllama = Tokenizer.fromDir(fixtureDir('llama2/tinyllama-1.1b-chat-v1.0'));
    const packed = pack(createPreparer(tinyllama, { shift: 'model' }).prepare(records), { mode: 'bfd', blockSize: 2048 });
    console.log(`[pack] alpaca_en_demo, TinyLlama, blockSize 2048: ${packed.stats.rows} rows, efficiency ${(packed.stats.efficiency * 100).toFixed(2)}%`);
    expect(packed.stats.efficiency).toBeGreaterThanOrEqual(0.97);
  });
});
