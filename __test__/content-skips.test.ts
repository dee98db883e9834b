// Content that gives nothing to learn is skipped and counted, never an error (issue #12): empty or
// whitespace-only completions, outputs, texts and assistant turns; and with best-fit packing, examples
// whose trained tokens truncation cut are skipped exactly as without packing. API, CLI and streaming,
// on every backend.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createPreparer, pack, prepareIter, Tokenizer, type PackedBatch, type PreparedBatch } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { PACKAGED_TOKENIZERS } from './support/shared';

const root = join(__dirname, '..');
const cliBin = join(root, 'bin', 'tokenshift.cjs');

const records = [
  { prompt: '\u200b', completion: ' ' }, // 1: whitespace-only completion
  { instruction: 'Say nothing.', input: '', output: '' }, // 2: empty Alpaca output
  { text: ' \n\t ' }, // 3: whitespace-only text
  { prompt: 'Say hi: ', completion: 'hi' }, // 4
  {
    messages: [
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: '  ' },
    ],
  }, // 5: the only assistant turn is blank
  {
    messages: [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: '' },
      { role: 'user', content: 'b' },
      { role: 'assistant', content: 'B!' },
    ],
  }, // 6
];

describe.each(testBackends())('%s backend', (backend) => {
  const tokenizer = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend });

  it('empty completions, outputs, texts and assistant turns are counted skips in both onError modes', () => {
    for (const onError of ['fail', 'skip'] as const) {
      const batch = createPreparer(tokenizer, { shift: 'model', onError }).prepare(records);
      expect(records.map((_, i) => batch.statusOf(i))).toEqual([
        'empty_completion',
        'empty_completion',
        'empty_completion',
        'kept',
        'empty_completion',
        'kept',
      ]);
      expect(batch.stats.skipped.emptyCompletion).toEqual([1, 2, 3, 5]);
      expect(batch.stats.skipped.invalid).toEqual([]);
      expect(Array.from(batch.rowRecords)).toEqual([4, 6]);
      expect(batch.stats.records).toBe(batch.stats.rows + 4);
    }
  });

  it('streaming counts them too; records = rows + skipped', async () => {
    const lines = `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
    let records_ = 0;
    let rows = 0;
    const empty: number[] = [];
    for await (const batch of prepareIter([lines.slice(0, 40), lines.slice(40)], { tokenizer, shift: 'data', chunkBytes: 64 })) {
      const b = batch as PreparedBatch;
      records_ += b.stats.records;
      rows += b.stats.rows;
      empty.push(...b.stats.skipped.emptyCompletion);
    }
    expect(empty).toEqual([1, 2, 3, 5]);
    expect(records_).toBe(rows + empty.length);
  });

  it('best-fit packing skips an example whose trained tokens truncation cut, as prepare does without packing', async () => {
    const long = { prompt: 'word '.repeat(80), completion: 'the answer' };
    const short = { prompt: 'Q: ', completion: 'A.' };
    const input = [short, long, short].map((r) => JSON.stringify(r)).join('\n');
    const unpacked = createPreparer(tokenizer, { shift: 'model', maxLength: 32 }).prepareJsonLines(input);
    expect(unpacked.stats.skipped.noTrainableLabels).toEqual([2]);
    for (const [shift, window] of [
      ['model', 1],
      ['data', 20_000],
    ] as const) {
      const totals = { noTrainable: [] as number[], examples: 0, masked: 0, rows: 0 };
      for await (const batch of prepareIter([input], { tokenizer, shift, pack: { mode: 'bfd', blockSize: 32, window } })) {
        const b = batch as PackedBatch;
        totals.examples += b.stats.examples;
        totals.masked += b.stats.fullyMaskedExamples;
        totals.rows += b.rowCount;
      }
      // Cut in prepare: record 2 is a counted no-trainable skip and never reaches a row.
      expect(totals.examples, `${shift}`).toBe(2);
      expect(totals.masked).toBe(0);
    }
    // pack() on rows prepared without a length limit: the truncated example is left out and counted.
    const prepared = createPreparer(tokenizer, { shift: 'model' }).prepareJsonLines(input);
    const packed = pack(prepared, { mode: 'bfd', blockSize: 32, backend });
    expect(packed.stats.examples).toBe(3);
    expect(packed.stats.fullyMaskedExamples).toBe(1);
    expect(packed.stats.truncatedExamples).toBe(0);
    expect(Array.from(packed.seqLens).length).toBe(2);
    for (let r = 0; r < packed.rowCount; r++) {
      const labels = packed.labels.subarray(packed.offsets[r], packed.offsets[r + 1]);
      expect(labels.some((l) => l !== -100)).toBe(true);
    }
  });

  it('the CLI finishes with the default --on-error fail and reports them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-empty-'));
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const stats = join(dir, 'stats.json');
    const run = spawnSync(
      process.execPath,
      [
        cliBin,
        'prepare',
        '--tokenizer',
        PACKAGED_TOKENIZERS.qwen3,
        '--input',
        input,
        '--output',
        join(dir, 'out.jsonl'),
        '--shift',
        'model',
        '--stats',
        stats,
        '--backend',
        backend,
      ],
      { encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/empty completion\s+4/);
    const written = JSON.parse(readFileSync(stats, 'utf8'));
    expect(written.skipped.emptyCompletion).toEqual({ count: 4, records: [1, 2, 3, 5], notListed: 0 });
    expect(written.records).toBe(written.rows + written.skipped.count);
    const packed = spawnSync(
      process.execPath,
      [
        cliBin,
        'prepare',
        '--tokenizer',
        PACKAGED_TOKENIZERS.qwen3,
        '--input',
        input,
        '--output',
        join(dir, 'packed.jsonl'),
        '--shift',
        'model',
        '--pack',
        'bfd',
        '--block-size',
        '64',
        '--backend',
        backend,
      ],
      { encoding: 'utf8' },
    );
    expect(packed.status, packed.stderr).toBe(0);
    expect(packed.stderr).toMatch(/empty completion\s+4/);
  });
});
