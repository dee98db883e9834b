// Property-based tests (fast-check) over the public API with generated hostile input (issue #12): random and
// malformed JSON lines — deep nesting, huge numbers, lone surrogates, NUL, BOM, CRLF, invalid UTF-8, long
// fields, wrong types — and random options. Properties: no crash (only typed errors), records = rows +
// skipped, the same output on 1 and 2 threads, and native == TS. FUZZ_RUNS scales the run
// (`node benchmark/fuzz.cjs` runs it for ten minutes and more); CI runs a short one.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createPreparer, Tokenizer, TokenshiftError, type PreparedBatch, type PrepareOptions } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { fixtureDir, fixtureTokenizerDirs, PACKAGED_TOKENIZERS, sharedDir } from './support/shared';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
// CI replays one seed, so that a landing never depends on luck; local and long runs explore new ones.
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : process.env.CI ? 20_261_128 : undefined;
const backends = testBackends();

/** Text with what breaks naive code: combining marks, NBSP, emoji ZWJ, CR/LF, tabs, NUL, "▁", lone surrogates. */
const hostileChar = fc.constantFrom(
  'a',
  'Z',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '\u00a0',
  'é',
  'e\u0301',
  '\u2581',
  '🚀',
  '👩‍💻',
  '\u0000',
  '\ufeff',
  '中',
  'ß',
  '\ud800',
  '"',
  '\\',
  '{',
  '<|im_end|>',
  '</s>',
  '<s>',
);
const hostileText = fc.array(fc.oneof(hostileChar, fc.string({ maxLength: 6 })), { maxLength: 24 }).map((parts) => parts.join(''));

const fieldValue = fc.oneof(
  { weight: 6, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.constantFrom(null, 5, 1e308, -0, true, [], {}, ['x'], { a: 'b' }) },
);

const record = fc.oneof(
  fc.record({ prompt: fieldValue, completion: fieldValue }),
  fc.record({ instruction: fieldValue, input: fieldValue, output: fieldValue }, { requiredKeys: ['instruction', 'output'] }),
  fc.record({ text: fieldValue }),
  fc.record({ messages: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant', 'system', 'tool', 5), content: fieldValue }), { maxLength: 5 }) }),
  fc.record({ conversations: fc.array(fc.record({ from: fc.constantFrom('human', 'gpt', 'system'), value: fieldValue }), { maxLength: 4 }) }),
  fc.dictionary(fc.string({ maxLength: 5 }), fieldValue, { maxKeys: 3 }),
);

/** One line of input: a record, or something no record is. */
const line = fc.oneof(
  { weight: 8, arbitrary: record.map((r) => JSON.stringify(r)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 400 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"text": 1e999}',
      '{"text": "a", "text": "b"}',
      '{"prompt": "\\ud800", "completion": "x"}',
      '{"text": "\\u0000"}',
      '\ufeff{"text": "bom"}',
      'null',
      '[]',
      '"str"',
      '{',
      '{"text": "unterminated',
      '   ',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4096 }).map((n) => JSON.stringify({ prompt: 'p', completion: 'x'.repeat(n) })) },
);

/** JSON lines as bytes: LF or CRLF endings, sometimes a byte that is not UTF-8 spliced in. */
const input = fc
  .record({ lines: fc.array(line, { minLength: 1, maxLength: 12 }), crlf: fc.boolean(), badByteAt: fc.option(fc.nat(), { nil: undefined }) })
  .map(({ lines, crlf, badByteAt }) => {
    const bytes = Buffer.from(lines.join(crlf ? '\r\n' : '\n') + '\n');
    if (badByteAt === undefined || bytes.length === 0) return bytes;
    const at = badByteAt % bytes.length;
    return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at)]);
  });

const options = fc
  .record(
    {
      shift: fc.constantFrom('model', 'data'),
      maxLength: fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
      truncation: fc.constantFrom('right', 'left', 'drop'),
      boundary: fc.constantFrom('offsets', 'separate'),
      addEos: fc.option(fc.boolean(), { nil: undefined }),
      trainOn: fc.constantFrom('assistant', 'last', 'all'),
      onError: fc.constantFrom('skip', 'fail'),
    },
    { requiredKeys: ['shift'] },
  )
  .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as PrepareOptions);

interface Outcome {
  batch: PreparedBatch | null;
  error: Error | null;
}

/** The raw bytes path (each line checked for UTF-8 on its own, as streaming reads files). */
async function run(tokenizer: Tokenizer, opts: PrepareOptions, bytes: Buffer, threads: number): Promise<Outcome> {
  try {
    return { batch: await createPreparer(tokenizer, { ...opts, threads }).prepareJsonLinesBytes(bytes), error: null };
  } catch (error) {
    return { batch: null, error: error as Error };
  }
}

function skippedTotal(b: PreparedBatch): number {
  const s = b.stats.skipped;
  return s.tooLong.length + s.noTrainableLabels.length + s.emptyCompletion.length + s.chatTurnNotFound.length + s.invalid.length;
}

function checkOutcome(o: Outcome, opts: PrepareOptions): void {
  if (o.error !== null) {
    // Bad input may fail the batch, but only with a typed error naming what is wrong.
    expect(o.error, String(o.error)).toBeInstanceOf(TokenshiftError);
    expect(o.error.message).not.toMatch(/internal error|panic/i);
    return;
  }
  const b = o.batch as PreparedBatch;
  expect(b.stats.records).toBe(b.stats.rows + skippedTotal(b));
  expect(b.recordStatus.length).toBe(b.stats.records);
  expect(b.rowCount).toBe(b.stats.rows);
  if (opts.onError === 'fail') expect(b.stats.skipped.invalid).toEqual([]);
}

function comparable(o: Outcome) {
  // Errors compare by class, code, record and field: the detail after them may differ (Rust's UTF-8 error
  // names the byte index, TS's does not).
  const e = o.error as (Error & { code?: string; record?: number; field?: string }) | null;
  if (e !== null) return { error: e.constructor.name, code: e.code, record: e.record, field: e.field };
  const b = o.batch as PreparedBatch;
  // Skip reasons of unreadable records likewise compare up to their field.
  const invalid = b.stats.skipped.invalid.map(({ record, reason }) => ({ record, reason: /^record \d+: field `[^`]*`/.exec(reason)?.[0] ?? reason }));
  return {
    ids: Array.from(b.inputIds),
    labels: Array.from(b.labels),
    offsets: Array.from(b.offsets),
    status: Array.from(b.recordStatus),
    stats: { ...b.stats, skipped: { ...b.stats.skipped, invalid } },
  };
}

// Byte-level BPE tokenizers (Qwen3's normalizer is NFC): the TS twin must match on any text, decomposed
// or not (issue #14; ts-spans.test.ts covers the other tokenizer kinds).
const parityTokenizers: [string, string][] = [
  ['qwen3', PACKAGED_TOKENIZERS.qwen3],
  ['llama3', PACKAGED_TOKENIZERS.llama3],
];

describe.each(parityTokenizers)('fuzz %s', (_name, dir) => {
  const tokenizers = Object.fromEntries(backends.map((b) => [b, Tokenizer.fromDir(dir, { backend: b })]));

  it('no crash, balanced counts, 1 thread == 2 threads, native == TS', async () => {
    await fc.assert(
      fc.asyncProperty(input, options, async (bytes, opts) => {
        const outcomes = await Promise.all(backends.map((b) => run(tokenizers[b] as Tokenizer, opts, bytes, 1)));
        outcomes.forEach((o) => checkOutcome(o, opts));
        if (backends.includes('native')) {
          const two = await run(tokenizers.native as Tokenizer, opts, bytes, 2);
          expect(comparable(two)).toEqual(comparable(outcomes[0] as Outcome));
        }
        if (outcomes.length === 2) expect(comparable(outcomes[1] as Outcome)).toEqual(comparable(outcomes[0] as Outcome));
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });
});

describe.runIf(backends.includes('native') && sharedDir() !== null)('fuzz every fixture tokenizer (native)', () => {
  it('no crash, balanced counts, 1 thread == 2 threads', async () => {
    for (const rel of fixtureTokenizerDirs().usable) {
      const tokenizer = Tokenizer.fromDir(fixtureDir(rel), { backend: 'native' });
      await fc.assert(
        fc.asyncProperty(input, options, async (bytes, opts) => {
          const one = await run(tokenizer, opts, bytes, 1);
          checkOutcome(one, opts);
          expect(comparable(await run(tokenizer, opts, bytes, 2))).toEqual(comparable(one));
        }),
        { numRuns: Math.max(5, Math.round(RUNS / 4)), ...(SEED === undefined ? {} : { seed: SEED }) },
      );
    }
  });
});

describe('fuzz the CLI', () => {
  it('exits 0, 1 (a named bad record) or 2 (a named bad option); never a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-fuzz-cli-'));
    const bin = join(__dirname, '..', 'bin', 'tokenshift.cjs');
    fc.assert(
      fc.property(input, options, fc.constantFrom('jsonl', 'parquet', 'npy'), (bytes, opts, format) => {
        const file = join(dir, 'in.jsonl');
        writeFileSync(file, bytes);
        const args = [
          'prepare',
          '--tokenizer',
          PACKAGED_TOKENIZERS.qwen3,
          '--input',
          file,
          '--output',
          join(dir, `out.${format}`),
          '--output-format',
          format,
          '--overwrite',
          '--shift',
          opts.shift,
          '--on-error',
          String(opts.onError ?? 'fail'),
          '--length',
          '32',
        ];
        if (format !== 'npy') args.splice(args.indexOf('--length'), 2);
        if (opts.maxLength !== undefined) args.push('--max-length', String(opts.maxLength));
        if (format === 'parquet' && !backends.includes('native')) return;
        const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
        expect([0, 1, 2], result.stderr).toContain(result.status);
        // 2 is a usage error naming the option (e.g. a row longer than --length for npy).
        if (result.status === 2) expect(result.stderr).toMatch(/invalid option `[a-z]+`|must be/);
        expect(result.stderr).not.toMatch(/internal error|panic|at .*\.js:\d+/);
      }),
      { numRuns: Math.max(3, Math.round(RUNS / 10)), ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });
});
