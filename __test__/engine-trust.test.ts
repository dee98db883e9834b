// Every id right on every tokenizer (issue #21): on a broad set — the devDependency tokenizers, small ones
// built to hold each class of difference found between the engines, and every shared fixture — every path
// (encode, encodeIds, encodeBatch, encodeBatchAsync, prepare) gives the official binding's ids, on the
// tokenizers 1.0 engine, on 0.23 alone and on the TS backend. The running cross-check is off here, so the
// ids are admission's alone; a test below shows the cross-check catching what admission let through.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Tokenizer as ReferenceTokenizer } from 'tokenizers';
import { describe, expect, it } from 'vitest';

import { createPreparer, Tokenizer, type TokenizerOptions } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { constructedTokenizers, HARD_TEXTS, withoutStoredSettings } from './support/constructed-tokenizers';
import { loadCorpus } from './support/corpus';
import { BROAD_TOKENIZERS, fixtureDir, fixtureTokenizerDirs, PACKAGED_TOKENIZERS, sharedDir } from './support/shared';

interface Subject {
  name: string;
  json: string;
  config: string | null;
}

const readDir = (name: string, dir: string): Subject => {
  let config: string | null = null;
  try {
    config = readFileSync(join(dir, 'tokenizer_config.json'), 'utf8');
  } catch {
    config = null;
  }
  return { name, json: readFileSync(join(dir, 'tokenizer.json'), 'utf8'), config };
};

const shared = sharedDir();
const subjects: Subject[] = [
  ...Object.entries({ ...PACKAGED_TOKENIZERS, ...BROAD_TOKENIZERS }).map(([name, dir]) => readDir(name, dir)),
  ...constructedTokenizers().map((c) => ({ name: c.name, json: JSON.stringify(c.tokenizer), config: null })),
  ...(shared === null ? [] : fixtureTokenizerDirs().usable.map((rel) => readDir(rel, fixtureDir(rel)))),
];
// The hard texts everywhere; with ../shared, one in five of its texts for the native engines and one in
// twenty-five for the slower TS backend (the full corpus runs in parity.test.ts). T5's known TS divergences
// (known-divergences.json: @huggingface/tokenizers' charsmap and Viterbi ties) are left out of the TS run.
const corpus = shared === null ? [] : loadCorpus(shared);
const KNOWN_TS_DIVERGENCES = JSON.parse(readFileSync(join(__dirname, 'known-divergences.json'), 'utf8')) as Record<string, { texts: string[] }>;
function textsFor(backend: 'native' | 'ts', subject: string): string[] {
  const known = new Set(backend === 'ts' ? (KNOWN_TS_DIVERGENCES[subject]?.texts ?? []) : []);
  const every = backend === 'ts' ? 25 : 5;
  // The same charsmap class on the hard texts: combining marks under T5's Precompiled normalizer.
  const hard = known.size > 0 ? HARD_TEXTS.filter((t) => !/\p{M}/u.test(t)) : HARD_TEXTS;
  return [...hard, ...corpus.filter((t, i) => i % every === 0 && !known.has(t.id)).map((t) => t.text)];
}

function rows(batch: { ids: Uint32Array; offsets: Uint32Array }): number[][] {
  const out: number[][] = [];
  for (let r = 0; r + 1 < batch.offsets.length; r++) out.push(Array.from(batch.ids.subarray(batch.offsets[r], batch.offsets[r + 1])));
  return out;
}

const variants: [string, TokenizerOptions][] = [
  ...(testBackends().includes('native')
    ? ([
        ['native, tokenizers-1.0 where admitted', { backend: 'native', verifyEngine: 'off' }],
        ['native, tokenizers-0.23', { backend: 'native', engine: 'tokenizers-0.23' }],
      ] as [string, TokenizerOptions][])
    : []),
  ['ts', { backend: 'ts' }],
];

describe.each(subjects)('$name', (subject) => {
  const expected = new Map<string, Promise<[number[][], number[][]]>>();
  // The official binding on the file with its stored truncation/padding removed, as Transformers reads it.
  const reference = (backend: 'native' | 'ts') => {
    const cached = expected.get(backend);
    if (cached !== undefined) return cached;
    const computed = (async (): Promise<[number[][], number[][]]> => {
      const texts = textsFor(backend, subject.name);
      const binding = ReferenceTokenizer.fromString(JSON.stringify(withoutStoredSettings(JSON.parse(subject.json) as Record<string, unknown>)));
      const withSpecial = (await binding.encodeBatch([...texts], { addSpecialTokens: true })).map((e) => e.getIds());
      const without = (await binding.encodeBatch([...texts], { addSpecialTokens: false })).map((e) => e.getIds());
      return [withSpecial, without];
    })();
    expected.set(backend, computed);
    return computed;
  };

  it.each(variants)('%s: every path gives the official binding ids', async (_, options) => {
    const backend = options.backend === 'ts' ? 'ts' : 'native';
    const texts = textsFor(backend, subject.name);
    const [withSpecial, without] = await reference(backend);
    const tokenizer = new Tokenizer(subject.json, subject.config, options);
    const name = `${subject.name} (${tokenizer.engine}${tokenizer.engineNote === null ? '' : `: ${tokenizer.engineNote}`})`;
    const differing = (got: number[][], want: number[][]) =>
      got.flatMap((ids, i) =>
        JSON.stringify(ids) === JSON.stringify(want[i]) ? [] : [`${(texts[i] as string).slice(0, 40)}: ${ids.length} vs ${want[i]?.length} ids`],
      );
    expect(differing(rows(tokenizer.encodeBatch([...texts])), withSpecial), `${name} encodeBatch`).toEqual([]);
    expect(differing(rows(tokenizer.encodeBatch([...texts], { add_special_tokens: false })), without), `${name} encodeBatch, no specials`).toEqual([]);
    expect(differing(rows(await tokenizer.encodeBatchAsync([...texts])), withSpecial), `${name} encodeBatchAsync`).toEqual([]);
    const some = texts.slice(0, HARD_TEXTS.length);
    expect(
      differing(
        some.map((t) => tokenizer.encode(t).ids),
        withSpecial,
      ),
      `${name} encode`,
    ).toEqual([]);
    expect(
      differing(
        some.map((t) => Array.from(tokenizer.encodeIds(t, { add_special_tokens: false }))),
        without,
      ),
      `${name} encodeIds`,
    ).toEqual([]);
    // prepare on text records: the text with special tokens, every token trained, no EOS appended.
    const batch = createPreparer(tokenizer, { shift: 'model', addEos: false, onError: 'skip' }).prepare(texts.map((text) => ({ text })));
    const kept = texts.map((_, i) => i).filter((i) => batch.statusOf(i) !== 'empty_completion');
    const prepared = rows({ ids: new Uint32Array(batch.inputIds), offsets: batch.offsets });
    expect(
      kept.filter((i, r) => JSON.stringify(prepared[r]) !== JSON.stringify(withSpecial[i])).map((i) => (texts[i] as string).slice(0, 40)),
      `${name} prepare`,
    ).toEqual([]);
    expect(batch.engineCheck.mismatches).toBe(0);
  });
});
