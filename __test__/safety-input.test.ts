// Issue #16, hostile input through the API: template bombs, sizes that used to abort the process, one
// input rule for both backends, the TS backend's ids, and tokenizers that release their memory.
// Every case runs on both backends and must end in a typed error or a counted skip, never a crash.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { OptionError, RecordError, Tokenizer, TokenizerLoadError, createDatasetWriter, createPreparer, pack } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { PACKAGED_TOKENIZERS } from './support/shared';

const backends = testBackends();
const qwenDir = PACKAGED_TOKENIZERS.qwen3;
const conversation = {
  messages: [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello.' },
  ],
};

/** The template bombs the probe found, one per kind. */
const BOMBS: Record<string, string> = {
  'string doubling in a namespace': "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
  'list doubling': '{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}',
  'nested loops': '{% for a in range(100000) %}{% for b in range(100000) %}{{ b }}{% endfor %}{% endfor %}',
  'range(1e9)': '{% for i in range(1000000000) %}{{ i }}{% endfor %}',
  'endless recursion': "{% macro f(n) %}{{ f(n ~ n) }}{% endmacro %}{{ f('x') }}",
};

describe.each(backends)('hostile input (%s backend)', (backend) => {
  const qwen = Tokenizer.fromDir(qwenDir, { backend });

  describe('chat template bombs end in an error naming the record, within seconds', () => {
    it.each(Object.entries(BOMBS))('%s', (_kind, template) => {
      const started = Date.now();
      expect(() => qwen.apply_chat_template(conversation.messages, { chat_template: template, tokenize: false })).toThrow(OptionError);
      const failing = createPreparer(qwen, { shift: 'model', chatTemplate: template });
      expect(() => failing.prepare([conversation])).toThrow(/record 1: field `messages`.*chat template/);
      const skipping = createPreparer(qwen, { shift: 'model', chatTemplate: template, onError: 'skip' });
      const batch = skipping.prepare([conversation, conversation]);
      expect(batch.stats.skipped.invalid.map((s: { record: number }) => s.record)).toEqual([1, 2]);
      expect(Date.now() - started).toBeLessThan(60_000);
    });

    it('an attribute of an undefined value is an error, as in Jinja2', () => {
      expect(() => qwen.apply_chat_template(conversation.messages, { chat_template: '{{ nothing.here }}', tokenize: false })).toThrow(/undefined value/);
      // A missing attribute of a defined value is merely undefined (prints nothing), in both.
      expect(qwen.apply_chat_template(conversation.messages, { chat_template: '[{{ messages[0].nothing }}]', tokenize: false })).toBe('[]');
    });
  });

  describe('sizes are checked before anything is allocated', () => {
    it('writer length and chunk size, packing block size, collation', () => {
      expect(() => createDatasetWriter('/tmp/never.npy', { format: 'npy', length: 100_000_000, backend })).toThrow(/`length`: must be between 1 and 16777216/);
      expect(() => createDatasetWriter('/tmp/never.bin', { format: 'bin', vocabSize: 1000, sepId: 0, chunkSize: 4294967295, backend })).toThrow(
        /`chunkSize`: must be between/,
      );
      const rows = { inputIds: new Int32Array([1, 2, 3]), labels: new Int32Array([1, 2, 3]), offsets: new Uint32Array([0, 3]) };
      expect(() => pack(rows, { mode: 'wrapped', blockSize: 4294967295, shift: 'model', tail: 'pad', backend })).toThrow(OptionError);
    });

    it('prepare(new Array(1e8)) is an error naming the limit, not an abort', () => {
      const preparer = createPreparer(qwen, { shift: 'model' });
      expect(() => preparer.prepare(new Array(100_000_000))).toThrow(/one call takes at most 4194304 records/);
    });

    it('a prompt template with 100,000 placeholders fails the record, not the process', () => {
      const promptTemplate = { withInput: '{instruction}'.repeat(100_000), withoutInput: '{instruction}'.repeat(100_000) };
      const preparer = createPreparer(qwen, { shift: 'model', promptTemplate, onError: 'skip' });
      const batch = preparer.prepare([
        { instruction: 'x'.repeat(1000), output: 'y' },
        { prompt: 'q', completion: ' y' },
      ]);
      expect(batch.stats.skipped.invalid.map((s: { record: number }) => s.record)).toEqual([1]);
      expect(batch.stats.skipped.invalid[0]?.reason).toContain('expand to');
    });
  });

  describe('one input rule for both backends', () => {
    const preparer = createPreparer(qwen, { shift: 'model', onError: 'skip' });
    const ok = '{"prompt":"a","completion":" b"}';
    const nested = (n: number) => `{"prompt":"a","completion":" b","x":${'['.repeat(n)}${']'.repeat(n)}}`;

    it('a UTF-8 BOM opening the input is ignored; anywhere else it is text', () => {
      expect(preparer.prepareJsonLines(`\ufeff${ok}\n${ok}`).stats.skipped.invalid).toEqual([]);
      expect(preparer.prepareJsonLines(`${ok}\n\ufeff${ok}`).stats.skipped.invalid.map((s: { record: number }) => s.record)).toEqual([2]);
    });

    it('lone surrogates, numbers beyond f64 and nesting past 127 levels make one record unreadable', () => {
      const lines = [ok, '{"prompt":"a\\ud800","completion":" b"}', '{"prompt":"a","completion":" b","n":1e999}', nested(126), nested(127), ok].join('\n');
      const batch = preparer.prepareJsonLines(lines);
      expect(batch.stats.skipped.invalid.map((s: { record: number }) => s.record)).toEqual([2, 3, 5]);
      expect(batch.offsets.length - 1).toBe(3);
    });

    it('a record object with a lone surrogate is one skipped record with its number, not a failed batch', () => {
      const batch = preparer.prepare([
        { prompt: 'a', completion: ' b' },
        { prompt: 'a\ud800', completion: ' b' },
        { prompt: 'c', completion: ' d' },
      ]);
      expect(batch.stats.skipped.invalid.map((s: { record: number }) => s.record)).toEqual([2]);
      expect(() => createPreparer(qwen, { shift: 'model' }).prepare([{ prompt: 'a\udc00', completion: ' b' }])).toThrow(RecordError);
    });
  });

  describe('tokenizer files', () => {
    const base = {
      version: '1.0',
      normalizer: null,
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: null,
      decoder: null,
      model: { type: 'WordLevel', vocab: { hello: 0, world: 1, '[UNK]': 2 }, unk_token: '[UNK]' },
    };
    const added = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });

    it('added-token ids follow the reference crate: gaps and ids past 2^31 are renumbered, never -1', () => {
      for (const tokens of [
        [added(10, '<x>'), added(20, '<y>')],
        [added(3_000_000_000, '<x>'), added(2_147_483_648, '<y>')],
      ]) {
        const t = new Tokenizer({ ...base, added_tokens: tokens }, null, { backend });
        expect(t.encode('hello <x> world <y> moon').ids).toEqual([0, 3, 1, 4, 2]);
        expect(Array.from(t.encodeIds('<y>'))).toEqual([4]);
      }
    });

    it('refuses what the crate refuses: unknown model types, vocabularies of the wrong shape, ids past 2^31', () => {
      expect(() => new Tokenizer({ ...base, model: { type: 'Banana', vocab: {} } }, null, { backend })).toThrow(TokenizerLoadError);
      expect(() => new Tokenizer({ ...base, model: { type: 'WordLevel', vocab: 5, unk_token: '[UNK]' } }, null, { backend })).toThrow(TokenizerLoadError);
      expect(
        () => new Tokenizer({ ...base, model: { type: 'WordLevel', vocab: { a: 0, '[UNK]': 2_147_483_648 }, unk_token: '[UNK]' } }, null, { backend }),
      ).toThrow(/2\^31/);
    });

    it('an eos_token the vocabulary lacks is an error unless addEos: false says to go without', () => {
      const t = new Tokenizer({ ...base, added_tokens: [] }, { eos_token: '</s>' }, { backend });
      expect(() => createPreparer(t, { shift: 'model' })).toThrow(/eos_token "<\/s>", which is not in the vocabulary/);
      expect(
        createPreparer(t, { shift: 'model', addEos: false, boundary: 'separate' }).prepare([{ prompt: 'hello', completion: ' world' }]).offsets.length,
      ).toBe(2);
    });
  });

  it('dispose() frees a tokenizer now; later calls throw a clear error; `using` disposes', () => {
    const t = Tokenizer.fromDir(qwenDir, { backend });
    expect(t.encodeIds('hello').length).toBeGreaterThan(0);
    t.dispose();
    expect(() => t.encodeIds('hello')).toThrow(/disposed/);
    t.dispose(); // twice is harmless
    const scoped = Tokenizer.fromDir(qwenDir, { backend });
    scoped[Symbol.dispose]();
    expect(() => scoped.encode('x')).toThrow(/disposed/);
  });
});

describe('abort', () => {
  it.runIf(backends.includes('native'))('prepareAsync stops between records once the signal aborts, not after the whole batch', async () => {
    const qwen = Tokenizer.fromDir(qwenDir, { backend: 'native' });
    const preparer = createPreparer(qwen, { shift: 'model', threads: 1 });
    const many = Array.from({ length: 3000 }, (_, i) => ({
      messages: [
        { role: 'user', content: `question ${i} `.repeat(20) },
        { role: 'assistant', content: `answer ${i} `.repeat(20) },
      ],
    }));
    void qwen.engine; // loads the tokenizers 1.0 engine, so that both runs below do the same work
    let started = Date.now();
    await preparer.prepareAsync(many);
    const whole = Date.now() - started;
    const controller = new AbortController();
    started = Date.now();
    const pending = preparer.prepareAsync(many, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop now')), Math.max(5, whole / 10));
    await expect(pending).rejects.toThrow('stop now');
    const aborted = Date.now() - started;
    console.log(`[abort] whole batch ${whole} ms, aborted after ${aborted} ms`);
    expect(aborted).toBeLessThan(whole);
  });
});

describe('native memory is visible to the garbage collector', () => {
  it.runIf(backends.includes('native'))('tokenizers created and dropped in an async loop keep RSS bounded (no forced GC)', () => {
    // In a child process so that this file's other tokenizers do not blur the measurement.
    const script = `
      const { Tokenizer } = require(${JSON.stringify(join(__dirname, '..', 'dist', 'cjs', 'index.js'))});
      const json = require('node:fs').readFileSync(${JSON.stringify(join(qwenDir, 'tokenizer.json'))}, 'utf8');
      (async () => {
        const start = process.memoryUsage().rss;
        let peak = 0;
        for (let i = 0; i < 40; i++) {
          const t = new Tokenizer(json, null, { backend: 'native' });
          await t.encodeBatchAsync(['hello world', 'again']);
          await new Promise((r) => setImmediate(r));
          peak = Math.max(peak, process.memoryUsage().rss);
        }
        console.log(JSON.stringify({ start, peak }));
      })();`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const { start, peak } = JSON.parse(run.stdout) as { start: number; peak: number };
    // One Qwen3 tokenizer holds ~43 MB: 40 never collected would be ~1.7 GB.
    const perTokenizer = 43e6;
    console.log(`[leak] 40 Qwen3 tokenizers dropped in a loop: RSS ${(start / 1e6).toFixed(0)} -> peak ${(peak / 1e6).toFixed(0)} MB`);
    expect(peak - start).toBeLessThan(20 * perTokenizer);
  });
});
