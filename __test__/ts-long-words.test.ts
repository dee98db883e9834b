// The TS backend merges long words (a document under a tokenizer without a pre-tokenizer, a blob) in typed
// arrays instead of @huggingface/tokenizers' object-per-character BPE, which ran V8 out of memory on one
// 10 MB word. The merger must give the library's tokens exactly: checked on random words over alphabets that
// make merges collide (repeats, mixed scripts, emoji, spaces) and on real text, for every packaged BPE
// tokenizer; then end to end against the native backend on a 1 MB word.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Tokenizer as LibraryTokenizer } from '@huggingface/tokenizers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createPreparer, Tokenizer } from '../dist/esm/index.mjs';
import { LONG_WORD, MergeTable, mergeLongWord } from '../dist/cjs/backend/ts-long-word-bpe.js';
import { testBackends } from './support/backends';
import { BROAD_TOKENIZERS, PACKAGED_TOKENIZERS } from './support/shared';

interface LibraryModel {
  bpe(token: string): string[];
  merges: [string, string][];
  end_of_word_suffix?: string | null;
  continuing_subword_suffix?: string | null;
}

const BPE_TOKENIZERS = { ...PACKAGED_TOKENIZERS, mistral: BROAD_TOKENIZERS.mistral, gpt4o: BROAD_TOKENIZERS.gpt4o };
const ALPHABETS = ['a', 'ab', 'aab ', 'abcXYZ', 'é世界🙂12', '▁the▁a', 'ĠtheĠof', '\u0301e\u200d'];

function libraryModel(dir: string): LibraryModel {
  const read = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as object;
  const tokenizer = new LibraryTokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
  return (tokenizer as unknown as { model: LibraryModel }).model;
}

describe.each(Object.entries(BPE_TOKENIZERS))('long-word merger (%s)', (_name, dir) => {
  const model = libraryModel(dir);
  const table = new MergeTable(model.merges);
  const ours = (word: string) => mergeLongWord(word, table, model.end_of_word_suffix ?? '', model.continuing_subword_suffix ?? '');

  it('gives the library’s tokens on random words', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALPHABETS),
        fc.array(fc.nat(), { minLength: 50, maxLength: 400 }),
        fc.integer({ min: 1, max: 9 }),
        (alphabet, picks, run) => {
          const chars = [...alphabet];
          const word = picks.map((p) => (chars[p % chars.length] as string).repeat(1 + (p % run))).join('');
          expect(ours(word)).toEqual(model.bpe(word));
        },
      ),
      { numRuns: 60, seed: 24 },
    );
  });

  it('gives the library’s tokens on real text taken as one word, at and past the long-word length', () => {
    const text = readFileSync(join(__dirname, '..', 'README.md'), 'utf8').replace(/\s+/g, '▁');
    for (const length of [LONG_WORD, LONG_WORD + 1, 5000, 20_000]) {
      const word = text.slice(0, length);
      expect(ours(word)).toEqual(model.bpe(word));
    }
  });
});

describe('a 1 MB single word', () => {
  it.runIf(testBackends().length === 2)('gets the same ids from the TS backend as from the native one', () => {
    const word = 'abcabd'.repeat(170_000);
    const ids = testBackends().map((backend) => {
      const tokenizer = Tokenizer.fromDir(BROAD_TOKENIZERS.mistral, { backend });
      return Array.from(createPreparer(tokenizer, { shift: 'model' }).prepare([{ prompt: 'x', completion: ` ${word}` }]).inputIds);
    });
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[0]?.length).toBeGreaterThan(100_000);
  });
});
