// Issue #14: the TS backend accepts every record the native backend accepts. Its spans are rebuilt from
// @huggingface/tokenizers' tokens (the library has no offsets); these properties hold them to the crate:
// (1) spans equal the official binding's offsets token by token, (2) rows equal the native backend's
// record by record, on generated text full of what rewrites or strips (decomposed accents, reordered marks,
// compatibility forms, NBSP, emoji ZWJ, CRLF, tabs, spaces around markers), for every fixture tokenizer,
// chat markers with strip / single-word / normalized flags and normalizers that rewrite text; (3) the CLI
// and streaming with --backend ts write what native writes. Divergences of the JS library's own ids are
// listed in known-divergences.json and allowed only as id differences, never as a different mask.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { Tokenizer as ReferenceTokenizer } from 'tokenizers';
import { describe, expect, it } from 'vitest';

import { TsBackend } from '../dist/cjs/backend/ts.js';
import { createPreparer, prepareIter, Tokenizer, type PreparedBatch, type PrepareOptions } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { fixtureDir, fixtureTokenizerDirs, PACKAGED_TOKENIZERS, sharedDir } from './support/shared';
import {
  chatMlStripVariant,
  MARKER_TEMPLATE,
  readTokenizerDir,
  rewritingNormalizerVariants,
  stripFlagVariants,
  type Variant,
} from './support/tokenizer-variants';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : process.env.CI ? 20_261_128 : undefined;
const backends = testBackends();
const bin = join(__dirname, '..', 'bin', 'tokenshift.cjs');

interface Divergence {
  reason: string;
  generated?: string;
}
const KNOWN = JSON.parse(readFileSync(join(__dirname, 'known-divergences.json'), 'utf8')) as Record<string, Divergence>;

const STATUS_INVALID = 5;
const MISTRAL = join(__dirname, '..', 'node_modules', '@lenml', 'tokenizer-llama2', 'models');

/** The tokenizers under test: packaged ones (run anywhere) and, with ../shared, every fixture. */
function variants(): (Variant & { divergence?: Divergence })[] {
  const qwen3 = readTokenizerDir(PACKAGED_TOKENIZERS.qwen3);
  const mistral = readTokenizerDir(MISTRAL);
  const list: (Variant & { divergence?: Divergence })[] = [
    { name: 'qwen3', ...qwen3 },
    { name: 'llama3', ...readTokenizerDir(PACKAGED_TOKENIZERS.llama3) },
    { name: 'mistral', ...mistral },
    ...stripFlagVariants('mistral', mistral),
    chatMlStripVariant(qwen3),
    ...rewritingNormalizerVariants('qwen3', qwen3),
  ];
  if (sharedDir() !== null) {
    for (const rel of fixtureTokenizerDirs().usable) {
      const dir = fixtureDir(rel);
      const tokenizer = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
      let config: Record<string, unknown> = {};
      try {
        config = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      } catch {
        // A fixture without a config (GPT-2's encoder files) runs without special-token names.
      }
      list.push({ name: rel, tokenizer, config, divergence: KNOWN[rel] });
    }
    list.push(...stripFlagVariants('tinyllama', readTokenizerDir(fixtureDir('llama2/tinyllama-1.1b-chat-v1.0'))));
  }
  return list;
}

/** What breaks span mapping: decomposed and reordered marks, compatibility forms, case, whitespace of every kind. */
const piece = fc.constantFrom(
  'a',
  'Z',
  'word',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '\u00a0',
  '\u3000',
  '\u2003',
  'é',
  'e\u0301',
  'a\u0301\u0323',
  '\u0323\u0301',
  '\u0301',
  'ạ́',
  'ﬁ',
  '①',
  'Ａ',
  'Å',
  '\u212b',
  'İ',
  'ΟΔΟΣ',
  'ß',
  'ǅ',
  '👩‍💻',
  '🇫🇷',
  '😀',
  '中文',
  '한국어',
  '\u1100\u1161\u11a8',
  'ก่',
  '\u2581',
  '\u00ad',
  '\ufeff',
  '\u0085',
  '\u200d',
  '<|user|>',
  '<|assistant|>',
  '<|im_end|>',
  '<|im_start|>',
  '</s>',
  '<s>',
);
const text = fc
  .array(fc.oneof({ weight: 4, arbitrary: piece }, { weight: 1, arbitrary: fc.string({ maxLength: 4 }) }), { maxLength: 16 })
  .map((parts) => parts.join(''));

const record = fc.oneof(
  fc.record({ prompt: text, completion: text }),
  fc.record({ instruction: text, input: text, output: text }),
  fc.record({ messages: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant', 'system'), content: text }), { minLength: 1, maxLength: 4 }) }),
);

/** UTF-8 byte offset of each code point index of `s` (the binding reports code point offsets). */
function byteAt(s: string): number[] {
  const at = [0];
  for (const ch of s) at.push((at[at.length - 1] as number) + Buffer.byteLength(ch));
  return at;
}

function optionsFor(v: Variant, extra: Partial<PrepareOptions> = {}): PrepareOptions {
  const chatTemplate = typeof v.config.chat_template === 'string' ? undefined : MARKER_TEMPLATE;
  return { shift: 'model', onError: 'skip', ...(chatTemplate ? { chatTemplate } : {}), ...extra } as PrepareOptions;
}

function perRecord(b: PreparedBatch, records: number): { status: number; ids: number[]; labels: number[] }[] {
  const out = Array.from({ length: records }, (_, i) => ({ status: b.recordStatus[i] as number, ids: [] as number[], labels: [] as number[] }));
  for (let r = 0; r < b.rowCount; r++) {
    const at = (b.rowRecords[r] as number) - 1;
    const from = b.offsets[r] as number;
    const to = b.offsets[r + 1] as number;
    (out[at] as { ids: number[] }).ids = Array.from(b.inputIds.subarray(from, to));
    (out[at] as { labels: number[] }).labels = Array.from(b.labels.subarray(from, to));
  }
  return out;
}

const all = variants();

describe.each(all.map((v) => [v.name, v] as const))('%s', (_name, variant) => {
  const tokenizerJson = JSON.stringify(variant.tokenizer);
  const ts = new TsBackend({ tokenizerJson, configJson: JSON.stringify(variant.config), sourceName: variant.name, engine: 'auto' });
  const reference = ReferenceTokenizer.fromString(tokenizerJson);
  const idsMayDiffer = variant.divergence?.generated !== undefined;

  it('TS spans equal the official binding’s offsets, token by token', async () => {
    let idDivergences = 0;
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        const expected = await reference.encode(t, null, { addSpecialTokens: false });
        const got = ts.encodeWithOffsets(t, false);
        if (JSON.stringify(Array.from(got.ids)) !== JSON.stringify(expected.getIds())) {
          expect(idsMayDiffer, `ids differ from the reference on ${JSON.stringify(t)}`).toBe(true);
          idDivergences++;
          return;
        }
        const bytes = byteAt(t);
        const want = expected.getOffsets().map(([a, b]) => [bytes[a as number] as number, bytes[b as number] as number]);
        // Only the JS library's charsmap approximation may leave an alignment unproven (and then its ids are listed).
        if (!idsMayDiffer) expect(got.unprovable, `unprovable alignment in ${JSON.stringify(t)}`).toEqual([]);
        const inside = ([a, b]: number[]) => got.unprovable.some(([s, e]) => (a as number) < e && (b as number) > s);
        const exact = got.offsets.map((span, i) => [span, want[i]] as const).filter(([span]) => !inside(span));
        for (const [span, expectedSpan] of exact) expect(span, JSON.stringify(t)).toEqual(expectedSpan);
        expect(got.offsets.length).toBe(want.length);
        compared += exact.length;
      }),
      { numRuns: RUNS * 3, seed: SEED },
    );
    console.log(
      `[ts-spans] ${variant.name}: ${compared} token spans equal the reference${idDivergences ? `; ${idDivergences} texts with @huggingface/tokenizers id divergences (${variant.divergence?.generated})` : ''}`,
    );
    expect(compared).toBeGreaterThan(0);
  });

  it.runIf(backends.length === 2)('TS rows equal native rows record by record; no TS refusal where native prepares', () => {
    const [native, tsTokenizer] = backends.map((backend) => new Tokenizer(variant.tokenizer, variant.config, { backend }));
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 6 }), fc.constantFrom('model', 'data'), (records, shift) => {
        const options = optionsFor(variant, { shift });
        const want = perRecord(createPreparer(native as Tokenizer, options).prepare(records), records.length);
        const tsBatch = createPreparer(tsTokenizer as Tokenizer, options).prepare(records);
        const got = perRecord(tsBatch, records.length);
        records.forEach((r, i) => {
          const [w, g] = [want[i], got[i]] as { status: number; ids: number[]; labels: number[] }[];
          if (idsMayDiffer && g?.status === STATUS_INVALID && w?.status !== STATUS_INVALID) {
            // The listed divergence: the charsmap's alignment is approximated, and a boundary inside a
            // rewritten run is refused by name rather than guessed.
            expect(tsBatch.stats.skipped.invalid.find((s) => s.record === i + 1)?.reason).toMatch(/cannot place the trainable boundary/);
            return;
          }
          expect(g?.status, `status of ${JSON.stringify(r)}`).toBe(w?.status);
          if (idsMayDiffer && JSON.stringify(g?.ids) !== JSON.stringify(w?.ids)) return;
          expect(g, JSON.stringify(r)).toEqual(w);
        });
      }),
      {
        numRuns: RUNS,
        seed: SEED,
        // Found by earlier runs: the text's own "<s>" right after the template's BOS; a turn ending in U+0085,
        // which Rust's trim strips and JS's keeps; U+FEFF and U+0085 around words.
        examples: [
          [
            [
              { prompt: '', completion: '<s>' },
              { prompt: '<s>', completion: '<s>x' },
            ],
            'model',
          ],
          [
            [
              {
                messages: [
                  { role: 'user', content: 'q' },
                  { role: 'assistant', content: 'aa\ufeffa \n\u0085' },
                ],
              },
            ],
            'data',
          ],
          [[{ prompt: '\u0085a  \ufeff!', completion: '\u3000~\u0085' }], 'model'],
        ],
      },
    );
  });
});

describe.runIf(backends.length === 2)('--backend ts through the CLI and streaming writes what native writes', () => {
  const qwen3 = readTokenizerDir(PACKAGED_TOKENIZERS.qwen3);
  const cases: Variant[] = [
    stripFlagVariants('mistral', readTokenizerDir(MISTRAL))[0] as Variant,
    { name: 'qwen3', ...qwen3 },
    rewritingNormalizerVariants('qwen3', qwen3)[2] as Variant,
  ];
  const records = fc.sample(record, { numRuns: 60, seed: 14 });
  const dir = mkdtempSync(join(tmpdir(), 'tokenshift-ts-spans-'));
  const input = join(dir, 'records.jsonl');
  writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n');

  it.each(cases.map((c) => [c.name, c] as const))('%s: chat and prompt/completion', async (name, variant) => {
    const tokenizerDir = join(dir, name.replace(/[^a-z0-9]+/gi, '-'));
    mkdirSync(tokenizerDir, { recursive: true });
    writeFileSync(join(tokenizerDir, 'tokenizer.json'), JSON.stringify(variant.tokenizer));
    writeFileSync(join(tokenizerDir, 'tokenizer_config.json'), JSON.stringify({ chat_template: MARKER_TEMPLATE, ...variant.config }));
    const written: Record<string, Buffer> = {};
    for (const backend of ['native', 'ts']) {
      const output = join(tokenizerDir, `${backend}.jsonl`);
      const run = spawnSync(
        process.execPath,
        [bin, 'prepare', '--tokenizer', tokenizerDir, '--input', input, '--output', output, '--shift', 'model', '--on-error', 'skip', '--backend', backend],
        { encoding: 'utf8' },
      );
      expect(run.status, run.stderr).toBe(0);
      written[backend] = readFileSync(output);
    }
    expect((written.ts as Buffer).equals(written.native as Buffer)).toBe(true);
    const lines = (written.ts as Buffer).toString('utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(records.length / 2);

    const streamed = await Promise.all(
      backends.map(async (backend) => {
        const tokenizer = Tokenizer.fromDir(tokenizerDir, { backend });
        const rows: number[][] = [];
        let invalid = 0;
        for await (const batch of prepareIter([readFileSync(input)], { tokenizer, shift: 'data', onError: 'skip', chunkBytes: 512 })) {
          const b = batch as PreparedBatch;
          invalid += b.stats.skipped.invalid.length;
          for (let r = 0; r < b.rowCount; r++)
            rows.push([...b.inputIds.subarray(b.offsets[r], b.offsets[r + 1]), -1, ...b.labels.subarray(b.offsets[r], b.offsets[r + 1])]);
        }
        return { rows, invalid };
      }),
    );
    expect(streamed[1]).toEqual(streamed[0]);
  });
});
