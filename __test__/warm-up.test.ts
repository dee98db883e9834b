// The warm-up (docs/engine.md): 0.23 serves a tokenizer's first bulk input while tokenizers 1.0 is built in
// the background. Which engine serves a call depends only on the input given before it, in call order: the
// same calls give the same engine counts (async ones included) and the same rows as 1.0 from the first call.
// Runs anywhere: tokenizers from devDependencies. (vitest.config sets TOKENSHIFT_ENGINE_WARM_UP_BYTES=0 for the
// other tests; these set the option, or clear the variable.)

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { createPreparer, OptionError, Tokenizer, type TokenizerOptions } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { PACKAGED_TOKENIZERS } from './support/shared';

const native = testBackends().includes('native');
const alpaca = readFileSync(join(__dirname, '..', 'examples', 'alpaca-sample.jsonl'));

/** Six copies of the sample's lines, cut into `parts` chunks that end at line ends. */
function chunks(parts: number): Buffer[] {
  const lines = Array.from({ length: 6 }, () => alpaca.toString('utf8').split('\n').filter(Boolean)).flat();
  const size = Math.ceil(lines.length / parts);
  return Array.from({ length: parts }, (_, i) =>
    Buffer.from(
      lines
        .slice(i * size, (i + 1) * size)
        .map((l) => `${l}\n`)
        .join(''),
      'utf8',
    ),
  );
}

const qwen = (options: TokenizerOptions) => Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend: 'native', ...options });

describe.runIf(native)('engine warm-up (native backend)', () => {
  const saved = process.env.TOKENSHIFT_ENGINE_WARM_UP_BYTES;
  afterEach(() => {
    if (saved === undefined) delete process.env.TOKENSHIFT_ENGINE_WARM_UP_BYTES;
    else process.env.TOKENSHIFT_ENGINE_WARM_UP_BYTES = saved;
  });

  it('calls within the warm-up are served by 0.23, the call past it and every later one by 1.0, with the same rows', async () => {
    const parts = chunks(4);
    const [a, b, c, d] = parts as [Buffer, Buffer, Buffer, Buffer];
    const warm = createPreparer(qwen({ engineWarmUpBytes: a.length + b.length }), { shift: 'model' });
    const cold = createPreparer(qwen({ engineWarmUpBytes: 0 }), { shift: 'model' });
    let first = 1;
    for (const [i, part] of parts.entries()) {
      const lines = part.toString('utf8').split('\n').length - 1;
      const got = await warm.prepareJsonLinesBytes(part, { firstRecordNumber: first });
      const want = await cold.prepareJsonLinesBytes(part, { firstRecordNumber: first });
      first += lines;
      expect(got.engines, `chunk ${i}`).toEqual(
        i < 2 ? { 'tokenizers-1.0': 0, 'tokenizers-0.23': lines, ts: 0 } : { 'tokenizers-1.0': lines, 'tokenizers-0.23': 0, ts: 0 },
      );
      expect(want.engines['tokenizers-1.0'], `chunk ${i}, no warm-up`).toBe(lines);
      expect(got.inputIds, `chunk ${i}`).toEqual(want.inputIds);
      expect(got.labels, `chunk ${i}`).toEqual(want.labels);
      expect(got.offsets, `chunk ${i}`).toEqual(want.offsets);
    }
    expect(c.length + d.length).toBeGreaterThan(0);
  });

  it('async calls count when they are made, not when they run: concurrent calls give the sequential counts', async () => {
    // A large call first: its lines take longest to find, so later calls would start first if calls
    // counted when they ran.
    const large = Buffer.concat(Array.from({ length: 400 }, () => alpaca));
    const parts = [large, ...chunks(6)];
    const limit = large.length + (parts[1] as Buffer).length;
    const sequential = createPreparer(qwen({ engineWarmUpBytes: limit }), { shift: 'model' });
    const expected = [];
    for (const part of parts) expected.push((await sequential.prepareJsonLinesBytes(part)).engines);
    for (let round = 0; round < 5; round++) {
      const concurrent = createPreparer(qwen({ engineWarmUpBytes: limit }), { shift: 'model' });
      // All in flight at once, on several threads: they may run in any order.
      const got = await Promise.all(parts.map((part) => concurrent.prepareJsonLinesBytes(part)));
      expect(got.map((batch) => batch.engines)).toEqual(expected);
    }
    expect(expected.slice(0, 2).every((e) => e['tokenizers-1.0'] === 0 && e['tokenizers-0.23'] > 0)).toBe(true);
    expect(expected.slice(2).every((e) => e['tokenizers-0.23'] === 0 && e['tokenizers-1.0'] > 0)).toBe(true);
  });

  it('encodeBatch counts the UTF-8 bytes of its texts, sync and async alike, and gives the ids of 1.0 from the first call', async () => {
    const texts = ['naïve café 🚀', 'hello world', 'über crème brûlée'];
    const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
    const warm = qwen({ engineWarmUpBytes: 2 * bytes });
    const cold = qwen({ engineWarmUpBytes: 0 });
    const want = cold.encodeBatch(texts);
    // Within (sync), within (async), past: all the same ids.
    expect(warm.encodeBatch(texts)).toEqual(want);
    expect(await warm.encodeBatchAsync(texts)).toEqual(want);
    expect(warm.encodeBatch(texts)).toEqual(want);
  });

  it('defaults to 256 KiB; TOKENSHIFT_ENGINE_WARM_UP_BYTES sets it where options cannot reach, and a bad value is refused', async () => {
    const part = chunks(1)[0] as Buffer;
    const lines = part.toString('utf8').split('\n').length - 1;
    expect(part.length).toBeLessThan(256 << 10);
    delete process.env.TOKENSHIFT_ENGINE_WARM_UP_BYTES;
    const byDefault = await createPreparer(qwen({}), { shift: 'model' }).prepareJsonLinesBytes(part);
    expect(byDefault.engines).toEqual({ 'tokenizers-1.0': 0, 'tokenizers-0.23': lines, ts: 0 });
    const large = Buffer.concat(Array.from({ length: Math.ceil((256 << 10) / part.length) + 1 }, () => part));
    const pastDefault = await createPreparer(qwen({}), { shift: 'model' }).prepareJsonLinesBytes(large);
    expect(pastDefault.engines['tokenizers-0.23']).toBe(0);
    process.env.TOKENSHIFT_ENGINE_WARM_UP_BYTES = '0';
    const off = await createPreparer(qwen({}), { shift: 'model' }).prepareJsonLinesBytes(part);
    expect(off.engines).toEqual({ 'tokenizers-1.0': lines, 'tokenizers-0.23': 0, ts: 0 });
    expect(off.inputIds).toEqual(byDefault.inputIds);
    // The option wins over the variable.
    const optioned = await createPreparer(qwen({ engineWarmUpBytes: part.length }), { shift: 'model' }).prepareJsonLinesBytes(part);
    expect(optioned.engines['tokenizers-0.23']).toBe(lines);
    process.env.TOKENSHIFT_ENGINE_WARM_UP_BYTES = 'lots';
    expect(() => qwen({})).toThrow(/TOKENSHIFT_ENGINE_WARM_UP_BYTES.*whole number of bytes.*"lots"/);
    for (const bad of [-1, 1.5, '10', Number.NaN]) {
      expect(() => qwen({ engineWarmUpBytes: bad as never }), String(bad)).toThrow(OptionError);
    }
  });
});
