// The tokenizers 1.0 engine behind the native backend: which engine served is visible (tokenizer.engine,
// per-engine record counts in prepare stats, stream totals, the CLI summary and the sidecar), and choosing
// an engine never changes ids, masks or written rows. Runs anywhere: tokenizers from devDependencies.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createPreparer, OptionError, Tokenizer } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { bpeTokenizer, constructedTokenizers, type ConstructedTokenizer } from './support/constructed-tokenizers';
import { PACKAGED_TOKENIZERS } from './support/shared';

const root = join(__dirname, '..');
const sample = join(root, 'examples', 'alpaca-sample.jsonl');
const native = testBackends().includes('native');
const qwenJson = JSON.parse(readFileSync(join(PACKAGED_TOKENIZERS.qwen3, 'tokenizer.json'), 'utf8')) as { added_tokens: Record<string, unknown>[] };
const qwenConfig = readFileSync(join(PACKAGED_TOKENIZERS.qwen3, 'tokenizer_config.json'), 'utf8');

const records = [
  { prompt: 'Translate to French: ', completion: 'bonjour le monde' },
  { prompt: 'Café ', completion: 'naïve 🚀 über\tcrème' },
  // Decomposed "é": Qwen3 normalizes to NFC, so this record's spans come from 0.23.
  { prompt: 'Cafe\u0301 ', completion: 'cre\u0300me' },
  {
    messages: [
      { role: 'user', content: 'hi there' },
      { role: 'assistant', content: 'Hello! How can I help?' },
    ],
  },
];

describe.runIf(native)('engine selection (native backend)', () => {
  it('reports the engine on the tokenizer, and keeps to 0.23 when asked', () => {
    const fast = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend: 'native' });
    expect(fast.engine).toBe('tokenizers-1.0');
    expect(fast.engineNote).toBeNull();
    const reference = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend: 'native', engine: 'tokenizers-0.23' });
    expect(reference.engine).toBe('tokenizers-0.23');
    expect(reference.engineNote).toMatch(/requested/);
    expect(() => Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend: 'native', engine: 'fast' as never })).toThrow(OptionError);
  });

  it('counts records per engine; every engine gives the same rows', () => {
    const prepare = (options: object, input: object[]) =>
      createPreparer(Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, options), { shift: 'model' }).prepare(input);
    const batches = [prepare({ backend: 'native' }, records), prepare({ backend: 'native', engine: 'tokenizers-0.23' }, records)];
    expect(batches.map((b) => b.engines)).toEqual([
      { 'tokenizers-1.0': 3, 'tokenizers-0.23': 1, ts: 0 },
      { 'tokenizers-1.0': 0, 'tokenizers-0.23': 4, ts: 0 },
    ]);
    // The TS backend gives the same rows, decomposed text under the NFC normalizer included.
    batches.push(prepare({ backend: 'ts' }, records));
    expect(batches[2]?.engines).toEqual({ 'tokenizers-1.0': 0, 'tokenizers-0.23': 0, ts: 4 });
    for (const b of batches.slice(1)) {
      expect(b.inputIds).toEqual(batches[0]?.inputIds);
      expect(b.labels).toEqual(batches[0]?.labels);
      expect(b.stats).toEqual(batches[0]?.stats);
    }
  });

  it('a tokenizer whose added tokens strip whitespace gets its spans from 0.23, and says so', () => {
    const json = { ...qwenJson, added_tokens: qwenJson.added_tokens.map((t) => (t.content === '<|im_start|>' ? { ...t, rstrip: true } : t)) };
    const tokenizer = new Tokenizer(json, qwenConfig, { backend: 'native' });
    expect(tokenizer.engine).toBe('tokenizers-1.0');
    expect(tokenizer.engineNote).toMatch(/<\|im_start\|>.*strips whitespace/);
    const offsets = createPreparer(tokenizer, { shift: 'model' }).prepare(records);
    expect(offsets.engines).toEqual({ 'tokenizers-1.0': 0, 'tokenizers-0.23': 4, ts: 0 });
    // Ids alone need no spans: the separate boundary stays on 1.0.
    const separate = createPreparer(tokenizer, { shift: 'model', boundary: 'separate' }).prepare(records.slice(0, 3));
    expect(separate.engines).toEqual({ 'tokenizers-1.0': 3, 'tokenizers-0.23': 0, ts: 0 });
  });

  it('`{text}` records need no spans: 1.0 serves them wherever it serves ids, with the rows 0.23 and TS give', () => {
    // Decomposed text (Qwen3 normalizes to NFC), an added token in the text, CJK and emoji.
    const texts = [{ text: 'Cafe\u0301 cre\u0300me' }, { text: 'plain words <|im_end|> and more' }, { text: '中文 naïve 🚀 über' }];
    const stripping = { ...qwenJson, added_tokens: qwenJson.added_tokens.map((t) => (t.content === '<|im_start|>' ? { ...t, rstrip: true } : t)) };
    const tokenizers = (engine: object) => [
      Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend: 'native', ...engine }),
      // Spans of this one always come from 0.23; its ids need none.
      new Tokenizer(stripping, qwenConfig, { backend: 'native', ...engine }),
    ];
    const reference = tokenizers({ engine: 'tokenizers-0.23' });
    tokenizers({}).forEach((tokenizer, i) => {
      const fast = createPreparer(tokenizer, { shift: 'data' }).prepare(texts);
      expect(fast.engines).toEqual({ 'tokenizers-1.0': 3, 'tokenizers-0.23': 0, ts: 0 });
      const expected = createPreparer(reference[i] as Tokenizer, { shift: 'data' }).prepare(texts);
      expect(expected.engines).toEqual({ 'tokenizers-1.0': 0, 'tokenizers-0.23': 3, ts: 0 });
      expect(fast.inputIds).toEqual(expected.inputIds);
      expect(fast.labels).toEqual(expected.labels);
      expect(fast.stats).toEqual(expected.stats);
    });
    const ts = createPreparer(Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend: 'ts' }), { shift: 'data' }).prepare(texts);
    const fast = createPreparer(Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend: 'native' }), { shift: 'data' }).prepare(texts);
    expect(ts.inputIds).toEqual(fast.inputIds);
    expect(ts.labels).toEqual(fast.labels);
  });

  it('a tokenizer the engines number differently stays on 0.23 (added-token ids past 2^31, out of order)', () => {
    const json = {
      version: '1.0',
      added_tokens: [3_000_000_000, 2_147_483_648].map((id, i) => ({
        id,
        content: `<t${i}>`,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: null,
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: null,
      decoder: null,
      model: { type: 'WordLevel', vocab: { hello: 0, world: 1, '[UNK]': 2 }, unk_token: '[UNK]' },
    };
    const tokenizer = new Tokenizer(json, null, { backend: 'native' });
    expect(tokenizer.engine).toBe('tokenizers-0.23');
    expect(tokenizer.engineNote).toMatch(/different ids/);
    // 0.23 renumbers them in file order, as the official binding does.
    expect(Array.from(tokenizer.encodeIds('hello <t1> world'))).toEqual([0, 4, 1]);
  });

  it('the CLI prints the engines, records them in the stats and the sidecar, and --engine keeps to 0.23', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-engine-'));
    const outputs: string[] = [];
    for (const engine of ['auto', 'tokenizers-0.23']) {
      const out = join(dir, `${engine}.jsonl`);
      const stats = join(dir, `${engine}.stats.json`);
      const args = [
        'prepare',
        '--tokenizer',
        PACKAGED_TOKENIZERS.qwen3,
        '--input',
        sample,
        '--output',
        out,
        '--shift',
        'model',
        '--stats',
        stats,
        '--engine',
        engine,
      ];
      const run = spawnSync(process.execPath, [join(root, 'bin', 'tokenshift.cjs'), ...args], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const expected = engine === 'auto' ? 'tokenizers-1.0' : 'tokenizers-0.23';
      expect(run.stderr).toMatch(new RegExp(`engine\\s+${expected}: 8 records`));
      const sidecar = JSON.parse(readFileSync(`${out}.meta.json`, 'utf8'));
      expect(sidecar.engine).toBe(expected);
      expect(sidecar.engines[expected]).toBe(8);
      expect(JSON.parse(readFileSync(stats, 'utf8')).engines[expected]).toBe(8);
      outputs.push(readFileSync(out, 'utf8'));
    }
    expect(outputs[1]).toBe(outputs[0]);
    const bad = spawnSync(
      process.execPath,
      [join(root, 'bin', 'tokenshift.cjs'), 'prepare', '--tokenizer', PACKAGED_TOKENIZERS.qwen3, '--input', sample, '--shift', 'model', '--engine', 'fast'],
      { encoding: 'utf8' },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--engine must be auto or tokenizers-0.23/);
  });

  it('writes byte-identical files with either engine, for every format, on 1 thread and on all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-engine-formats-'));
    const input = join(dir, 'mixed.jsonl');
    writeFileSync(input, `${records.map((r) => JSON.stringify(r)).join('\n')}\n${readFileSync(sample, 'utf8')}`);
    const written = (engine: string, format: string, threads: string) => {
      const out = join(dir, `${engine}-${threads}.${format}`);
      const extra = format === 'npy' ? ['--length', '96'] : [];
      const args = [
        'prepare',
        '--tokenizer',
        PACKAGED_TOKENIZERS.qwen3,
        '--input',
        input,
        '--output',
        out,
        '--output-format',
        format,
        '--shift',
        'data',
        '--threads',
        threads,
        '--engine',
        engine,
        ...extra,
      ];
      const run = spawnSync(process.execPath, [join(root, 'bin', 'tokenshift.cjs'), ...args], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const files = statSync(out).isDirectory()
        ? readdirSync(out)
            .sort()
            .map((f) => join(out, f))
        : [out];
      return files.map((f) => readFileSync(f));
    };
    for (const format of ['jsonl', 'parquet', 'npy', 'bin']) {
      const expected = written('tokenizers-0.23', format, '1');
      expect(expected.length).toBeGreaterThan(0);
      for (const [engine, threads] of [
        ['auto', '1'],
        ['auto', '2'],
        ['tokenizers-0.23', '2'],
      ] as const) {
        const got = written(engine, format, threads);
        expect(got.length, `${format} ${engine} ${threads}`).toBe(expected.length);
        got.forEach((bytes, i) => expect(bytes.equals(expected[i] as Buffer), `${format} ${engine} threads=${threads} file ${i}`).toBe(true));
      }
    }
  });

  it('the running cross-check catches what admission let through: 0.23 takes over, the batch is redone, the stats, sidecar and summary say so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-verify-'));
    const tokenizerDir = join(dir, 'tok');
    mkdirSync(tokenizerDir);
    const unreachable = constructedTokenizers().find((c) => c.name.startsWith('unreachable')) as ConstructedTokenizer;
    writeFileSync(join(tokenizerDir, 'tokenizer.json'), JSON.stringify(unreachable.tokenizer));
    const input = join(dir, 'in.jsonl');
    // Record 90's completion pre-tokenizes to exactly the unreachable entry: 1.0 (unswept) gives one id, 0.23 four.
    const lines = Array.from({ length: 120 }, (_, i) => JSON.stringify(i === 89 ? { prompt: 'the', completion: '🦀' } : { prompt: 'the ', completion: 'the' }));
    writeFileSync(input, `${lines.join('\n')}\n`);
    const run = (name: string, verify: string, sweep: string) => {
      const out = join(dir, `${name}.jsonl`);
      const stats = join(dir, `${name}.stats.json`);
      const args = [
        'prepare',
        '--tokenizer',
        tokenizerDir,
        '--input',
        input,
        '--output',
        out,
        '--stats',
        stats,
        '--shift',
        'model',
        '--no-eos',
        '--verify-engine',
        verify,
      ];
      const result = spawnSync(process.execPath, [join(root, 'bin', 'tokenshift.cjs'), ...args], {
        encoding: 'utf8',
        env: { ...process.env, TOKENSHIFT_ENGINE_SWEEP: sweep },
      });
      expect(result.status, result.stderr).toBe(0);
      return {
        rows: readFileSync(out, 'utf8'),
        stderr: result.stderr,
        meta: JSON.parse(readFileSync(`${out}.meta.json`, 'utf8')),
        stats: JSON.parse(readFileSync(stats, 'utf8')),
      };
    };
    // Admission alone (its sweep finds the entry) gets every row right: 0.23 checks the 119 records 1.0 served
    // and agrees (record 90, holding the entry, was served by 0.23 itself).
    const admitted = run('admitted', 'all', 'on');
    expect(admitted.stats.engineCheck).toEqual({ checked: 119, mismatches: 0, demotion: null });
    expect(admitted.stderr).toMatch(/engine check\s+all: 119 records re-encoded by tokenizers 0\.23, all equal/);
    // The default sample is chosen by content: the same records on every run.
    const sampled = [run('sampled', 'sample', 'on'), run('sampled-again', 'sample', 'on')];
    expect(sampled[0]?.rows).toBe(admitted.rows);
    expect(sampled[0]?.stats.engineCheck).toEqual(sampled[1]?.stats.engineCheck);
    expect(sampled[0]?.stderr).toMatch(/engine check\s+sample: \d+ records re-encoded by tokenizers 0\.23, all equal/);
    // Without the sweep and without the check, 1.0's wrong id reaches the rows: what the check exists for.
    const unchecked = run('unchecked', 'off', 'off');
    expect(unchecked.rows).not.toBe(admitted.rows);
    const checked = run('checked', 'all', 'off');
    expect(checked.rows).toBe(admitted.rows);
    for (const record of [checked.stats, checked.meta]) {
      expect(record.engineCheck.mismatches).toBe(1);
      expect(record.engineCheck.demotion).toMatch(/cross-check found tokenizers 1\.0 giving different ids than 0\.23 for "the🦀"/);
      expect(record.engines).toEqual({ 'tokenizers-1.0': 0, 'tokenizers-0.23': 120, ts: 0 });
      expect(record.engine).toBe('tokenizers-0.23');
      expect(record.verifyEngine).toBe('all');
    }
    expect(checked.stderr).toMatch(/engine check\s+MISMATCH \(1\): a cross-check found/);
    const bad = spawnSync(
      process.execPath,
      [join(root, 'bin', 'tokenshift.cjs'), 'prepare', '--tokenizer', tokenizerDir, '--input', input, '--shift', 'model', '--verify-engine', 'some'],
      {
        encoding: 'utf8',
      },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--verify-engine must be sample, all or off/);
    expect(() => new Tokenizer(JSON.stringify(unreachable.tokenizer), null, { verifyEngine: 'most' as never })).toThrow(OptionError);
  });

  it('a panic inside tokenizers 1.0 (an empty vocabulary) prints nothing: 0.23 serves and the note says what happened', () => {
    const json = bpeTokenizer({}, [], { pre_tokenizer: { type: 'Whitespace' } });
    const script = `const { Tokenizer } = require(${JSON.stringify(join(root, 'dist', 'cjs', 'index.js'))});
      const t = new Tokenizer(${JSON.stringify(JSON.stringify(json))}, null, { backend: 'native' });
      t.encodeBatch(['hello world']);
      process.stdout.write(JSON.stringify({ engine: t.engine, note: t.engineNote }));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const { engine, note } = JSON.parse(run.stdout) as { engine: string; note: string };
    expect(engine).toBe('tokenizers-0.23');
    expect(note).toMatch(/^tokenizers 1\.0 failed while reading it \(called `Option::unwrap\(\)` on a `None` value \(at .*\.rs:\d+:\d+\)\)$/);
  });

  it('doctor names the engines and their crate versions', () => {
    const run = spawnSync(process.execPath, [join(root, 'bin', 'tokenshift.cjs'), 'doctor'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/engines\s+tokenizers-1\.0 = 1\.0\.0-rc\.3, tokenizers-0\.23 = 0\.23\.2/);
  });
});
