// Bad input never crashes the process: malformed files and configs give TokenizerLoadError with the
// reason, wrong argument types give TypeError naming the argument, and a Rust panic becomes an Error.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { OptionError, Tokenizer, TokenizerLoadError, nativeStatus } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { PACKAGED_TOKENIZERS } from './support/shared';

const backends = testBackends();

describe.each(backends)('errors (%s backend)', (backend) => {
  const qwen = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend });

  it('malformed tokenizer JSON says it is not valid JSON, and where', () => {
    expect(() => new Tokenizer('{"model": ', null, { backend })).toThrow(TokenizerLoadError);
    expect(() => new Tokenizer('{"model": ', null, { backend })).toThrow(/tokenizer\.json is not valid JSON/);
  });

  it('valid JSON that is not a tokenizer is a load error, not a crash', () => {
    expect(() => new Tokenizer({ hello: 'world' }, null, { backend })).toThrow(TokenizerLoadError);
    expect(() => new Tokenizer({ model: { type: 'BPE', vocab: 5 } }, null, { backend })).toThrow(TokenizerLoadError);
  });

  it('config fields of the wrong type are named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-'));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'WordLevel', vocab: { a: 0, '[UNK]': 1 }, unk_token: '[UNK]' } }));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: 42 }));
    expect(() => Tokenizer.fromDir(dir, { backend })).toThrow(/tokenizer_config\.json: field `eos_token` must be a string/);
    writeFileSync(join(dir, 'tokenizer_config.json'), '{not json');
    expect(() => Tokenizer.fromDir(dir, { backend })).toThrow(/tokenizer_config\.json is not valid JSON/);
    expect(() => Tokenizer.fromDir(join(dir, 'missing'), { backend })).toThrow(/cannot read .*missing.*tokenizer\.json/);
  });

  it('wrong argument types are TypeErrors that name the argument', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => qwen.encode(42 as unknown as string), /text must be a string, got number 42/],
      [() => qwen.encode('x', { text_pair: 7 as unknown as string }), /options\.text_pair must be a string/],
      [() => qwen.encode('x', { add_special_tokens: 'yes' as unknown as boolean }), /options\.add_special_tokens must be a boolean/],
      [() => qwen.decode([1, -2]), /token_ids\[1\] must be a token id/],
      [() => qwen.decode([1.5]), /token_ids\[0\] must be a token id/],
      [() => qwen.decode('12' as unknown as number[]), /token_ids must be an array of token ids/],
      [() => qwen.encodeBatch(['a', null] as unknown as string[]), /texts\[1\] must be a string, got null/],
      [() => qwen.encodeBatch('abc' as unknown as string[]), /texts must be an array of strings/],
      [() => qwen.id_to_token(2 ** 32), /id must be a token id/],
      [() => qwen.token_to_id({} as unknown as string), /token must be a string/],
      [() => new Tokenizer(42 as unknown as object, null, { backend }), /tokenizerJson must be a parsed JSON object or its text/],
      [() => qwen.encodeBatch(['a'], { threads: 1.5 }), /threads must be a whole number/],
    ];
    for (const [call, message] of cases) {
      expect(call).toThrow(TypeError);
      expect(call).toThrow(message);
    }
    expect(() => qwen.encodeBatch(['a'], { threads: -1 })).toThrow(OptionError);
    expect(() => Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend: 'gpu' as unknown as 'ts' })).toThrow(/backend must be 'native', 'ts' or 'auto'/);
  });

  it('ids outside the vocabulary decode without crashing', () => {
    expect(qwen.id_to_token(4_000_000)).toBeUndefined();
    expect(() => qwen.decode([4_000_000, 0xffffffff])).not.toThrow();
  });

  it('lone surrogates and NUL bytes encode without crashing', () => {
    for (const text of ['\ud800 lone high', 'lone low \udc00', 'nul\u0000byte', '\uffff\ufffe']) {
      expect(qwen.encodeBatch([text]).offsets).toHaveLength(2);
    }
  });
});

describe.runIf(backends.includes('native'))('native addon safety', () => {
  it('a Rust panic reaches JS as an Error and the process lives on', async () => {
    const addonPath = join(__dirname, '..', 'native', 'index.js');
    const addon = (await import(addonPath)) as { default: { __panicForTest(): void } };
    expect(() => addon.default.__panicForTest()).toThrow(/internal error in tokenshift.*deliberate panic/);
    // Still usable afterwards.
    expect(Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend: 'native' }).encodeIds('still alive').length).toBeGreaterThan(0);
  });

  it('loads and encodes inside a worker_thread', async () => {
    const entry = join(__dirname, '..', 'dist', 'cjs', 'index.js');
    const worker = new Worker(
      `const { Tokenizer } = require(${JSON.stringify(entry)});
       const { parentPort, workerData } = require('node:worker_threads');
       const t = Tokenizer.fromDir(workerData, { backend: 'native' });
       const batch = t.encodeBatch(['hello from a worker', 'second row']);
       parentPort.postMessage({ backend: t.backend, ids: Array.from(batch.ids), offsets: Array.from(batch.offsets) });`,
      { eval: true, workerData: PACKAGED_TOKENIZERS.qwen3 },
    );
    const message = await new Promise<{ backend: string; ids: number[]; offsets: number[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    const here = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend: 'native' }).encodeBatch(['hello from a worker', 'second row']);
    expect(message).toEqual({ backend: 'native', ids: Array.from(here.ids), offsets: Array.from(here.offsets) });
  });

  it('nativeStatus reports the addon as available', () => {
    expect(nativeStatus()).toEqual({ available: true });
  });
});
