// Errors carry codes, not messages (issue #12): every native error crosses N-API with a stable code (and
// record number and field for records), and the facade picks the error class by that code. Each code is
// triggered through the public API on every backend and must arrive with the same class and code.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  createDatasetWriter,
  createPreparer,
  OptionError,
  pack,
  RecordError,
  Tokenizer,
  TokenizerLoadError,
  TokenshiftError,
  WriteError,
} from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { PACKAGED_TOKENIZERS } from './support/shared';

const requireDist = createRequire(join(__dirname, '..', 'dist', 'cjs', 'index.js'));
const backends = testBackends();

/** The error `fn` throws (or its promise rejects with). */
async function caught(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

function expectTyped(error: Error, cls: new (...args: never[]) => TokenshiftError, code: string) {
  expect(error).toBeInstanceOf(cls);
  expect((error as TokenshiftError).code).toBe(code);
  // The machine-readable head never reaches users.
  expect(error.message).not.toContain('\u0001');
}

describe.each(backends)('%s backend', (backend) => {
  const tokenizer = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend });

  it('RECORD: a RecordError with the record number and field, sync and async', async () => {
    const preparer = createPreparer(tokenizer, { shift: 'model' });
    const bad = [
      { prompt: 'ok', completion: 'fine' },
      { prompt: 5, completion: 'x' },
    ];
    for (const run of [() => preparer.prepare(bad), () => preparer.prepareAsync(bad), () => preparer.prepareJsonLines('{"text": "a"}\n{"text": ')]) {
      const error = await caught(run);
      expectTyped(error, RecordError, 'RECORD');
      expect((error as RecordError).record).toBe(2);
      expect((error as RecordError).field).toMatch(/^(prompt|\(json\))$/);
      expect(error.message).toMatch(/^record 2: field `/);
    }
  });

  it('OPTION: an OptionError', async () => {
    const noEos = new Tokenizer(readFileSync(join(PACKAGED_TOKENIZERS.qwen3, 'tokenizer.json'), 'utf8'), { eos_token: '<not-in-vocab>' }, { backend });
    expectTyped(await caught(() => createPreparer(noEos, { shift: 'model' })), OptionError, 'OPTION');
    const prepared = createPreparer(tokenizer, { shift: 'model' }).prepare([{ text: 'hello' }]);
    expectTyped(await caught(() => pack(prepared, { mode: 'bfd', blockSize: 1, backend })), OptionError, 'OPTION');
  });

  it('TOKENIZER_LOAD: a TokenizerLoadError', async () => {
    const json = {
      version: '1.0',
      added_tokens: [],
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: null,
      model: { type: 'Banana', vocab: {} },
    };
    expectTyped(await caught(() => new Tokenizer(json, null, { backend })), TokenizerLoadError, 'TOKENIZER_LOAD');
  });

  it('WRITE: a WriteError when the output cannot be written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-codes-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const error = await caught(() => {
      const writer = createDatasetWriter(join(file, 'under-a-file.jsonl'), { format: 'jsonl', backend });
      writer.write(createPreparer(tokenizer, { shift: 'model' }).prepare([{ text: 'hello' }]));
      writer.finish();
    });
    expectTyped(error, WriteError, 'WRITE');
  });
});

describe.runIf(backends.includes('native'))('codes the API cannot provoke on purpose', () => {
  const { typedNativeError, nativeErrorParts } = requireDist('./backend/native-errors.js') as typeof import('../src/backend/native-errors');
  const { loadNativeAddon } = requireDist('./backend/native-addon.js') as typeof import('../src/backend/native-addon');

  it('INTERNAL: a Rust panic arrives as a coded error, not an abort', () => {
    const native = loadNativeAddon();
    if (!('addon' in native)) throw new Error('native addon expected');
    let thrown: unknown;
    try {
      (native.addon as unknown as { __panicForTest(): void }).__panicForTest();
    } catch (error) {
      thrown = error;
    }
    expect(nativeErrorParts(thrown).head?.code).toBe('INTERNAL');
    const typed = typedNativeError(thrown);
    expectTyped(typed as Error, TokenshiftError, 'INTERNAL');
    expect((typed as Error).message).toMatch(/^internal error in tokenshift \(please report\): deliberate panic/);
  });

  it('an error without a head (napi argument checks) takes the caller’s class', () => {
    const typed = typedNativeError(new Error('Failed to convert JavaScript value `Number 5` into rust type `String`'), OptionError);
    expectTyped(typed as Error, OptionError, 'OPTION');
  });
});
