// Small tokenizers built to hold each class of difference found between tokenizers engines and backends
// (issue #21), so every parity test can run over them anywhere: settings stored in the file, a
// vocabulary entry no merge builds, Metaspace `split` over a Unigram vocabulary, pre-tokenizer
// sequences 1.0 refuses.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PACKAGED_TOKENIZERS } from './shared';

type Json = Record<string, unknown>;

export interface ConstructedTokenizer {
  name: string;
  tokenizer: Json;
}

/** GPT-2's byte-to-character alphabet. */
function byteChar(byte: number): string {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  if (printable(byte)) return String.fromCodePoint(byte);
  let extra = 0;
  for (let b = 0; b < byte; b++) if (!printable(b)) extra++;
  return String.fromCodePoint(256 + extra);
}

const byteToken = (text: string) => Array.from(new TextEncoder().encode(text), byteChar).join('');

const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true };

/** A BPE tokenizer.json over `vocab` and `merges`, nothing around it unless `sections` says. */
export function bpeTokenizer(vocab: Record<string, number>, merges: [string, string][], sections: Json = {}): Json {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: null,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
    ...sections,
  };
}

/** Cohere-like: byte-level BPE, NFC, one entry ("🦀") that no merge builds. 1.0.0-rc.3 emits it; 0.23 gives its bytes. */
function unreachableEntry(): Json {
  const vocab: Record<string, number> = {};
  for (let b = 0; b < 256; b++) vocab[byteChar(b)] = b;
  const merges: [string, string][] = [
    ['Ġ', 't'],
    ['h', 'e'],
    ['Ġt', 'he'],
  ];
  let next = 256;
  for (const [a, b] of merges) vocab[a + b] = next++;
  vocab[byteToken('🦀')] = next;
  return bpeTokenizer(vocab, merges, { normalizer: { type: 'NFC' }, pre_tokenizer: BYTE_LEVEL, post_processor: BYTE_LEVEL, decoder: BYTE_LEVEL });
}

/** Marian-like Unigram: Metaspace with `split: true` and `prepend_scheme: always`; one piece spans two words. */
function metaspaceSplitUnigram(): Json {
  const pieces: [string, number][] = [
    ['<unk>', 0],
    ['</s>', 0],
    ['▁Hello▁world', -1],
    ['▁Hello', -2],
    ['▁world', -2],
    ['▁', -3],
    ['.', -3],
    ['▁wor', -4],
    ['ld', -4],
  ];
  for (const ch of 'abcdefghijklmnopqrstuvwxyzHW') pieces.push([ch, -8]);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: 1, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 0, vocab: pieces, byte_fallback: false },
  };
}

function qwen3(): Json {
  return JSON.parse(readFileSync(join(PACKAGED_TOKENIZERS.qwen3, 'tokenizer.json'), 'utf8')) as Json;
}

/** Every constructed class, built fresh (callers may change them). */
export function constructedTokenizers(): ConstructedTokenizer[] {
  const storedSettings = qwen3();
  // As sentence-transformers and some fine-tunes save them: every text cut at 16 tokens, padded to 64.
  storedSettings.truncation = { direction: 'Right', max_length: 16, strategy: 'LongestFirst', stride: 0 };
  storedSettings.padding = {
    strategy: { Fixed: 64 },
    direction: 'Right',
    pad_to_multiple_of: null,
    pad_id: 151643,
    pad_type_id: 0,
    pad_token: '<|endoftext|>',
  };
  const digits = qwen3();
  // StarCoder / SmolLM-style: every digit on its own, then byte-level.
  digits.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, BYTE_LEVEL] };
  const falcon = qwen3();
  // Falcon-style: punctuation, byte-level, then digit runs.
  falcon.pre_tokenizer = {
    type: 'Sequence',
    pretokenizers: [{ type: 'Punctuation', behavior: 'Contiguous' }, BYTE_LEVEL, { type: 'Digits', individual_digits: false }],
  };
  return [
    { name: 'stored truncation and padding (Qwen3)', tokenizer: storedSettings },
    { name: 'unreachable vocabulary entry (byte-level, NFC)', tokenizer: unreachableEntry() },
    { name: 'Metaspace split + Unigram (Marian-like)', tokenizer: metaspaceSplitUnigram() },
    { name: 'Digits + ByteLevel (Qwen3 vocabulary)', tokenizer: digits },
    { name: 'Punctuation + ByteLevel + Digits (Qwen3 vocabulary)', tokenizer: falcon },
  ];
}

/** The file as the reference reads it: settings stored in it removed, as Transformers and tokenshift ignore them. */
export function withoutStoredSettings(tokenizer: Json): Json {
  return { ...tokenizer, truncation: null, padding: null };
}

/** Texts that have split engines or backends: emoji, CJK, combining marks, code, whitespace runs, digits, a long text. */
export const HARD_TEXTS: readonly string[] = [
  'Hello world.',
  'the 🦀 the🦀 🦀🦀 a🦀b',
  '🤔🤔 👨‍👩‍👧‍👦 🇫🇷 ❤️ 👍🏽 ✅ 🦀',
  '机器学习是人工智能的一个分支。日本語のテキスト、한국어 문장.',
  'Cafe\u0301 cre\u0300me a\u0308\u0323 \u05d0\u05b8 \u0915\u094d\u0937',
  'fn main() {\n    let x: Vec<u8> = vec![0x1F, 255];\n\tif x.len() >= 2 { return; } // done\n}\n',
  'a          b\n\n\n\n   \t\t  \r\n  c   ',
  '1 12 123 1234 12345 3.14159 1,000,000 2026-12-02 ٣٤٥ 四五六 ①②',
  'DON\'T Stop, it\'s   JSON: {"k": [1, 2.5e-3, null]} <html>&amp;</html> $x_{i}^2',
  'Hello world.Hello world. ▁Hello▁world',
  'The quick brown fox jumps over the lazy dog. '.repeat(60),
];
