// Tokenizer configs the shared fixtures lack, built in memory from real ones (issue #14): chat markers
// declared as added tokens with strip / single-word / normalized flags, as published chat models declare
// them, and normalizers that rewrite the text.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, unknown>;

export interface Variant {
  name: string;
  tokenizer: Json;
  config: Json;
}

/** Zephyr / TinyLlama-style markers: `<|role|>` then a newline, the turn closed by EOS. */
export const MARKER_TEMPLATE =
  "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

export function readTokenizerDir(dir: string): { tokenizer: Json; config: Json } {
  return {
    tokenizer: JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as Json,
    config: JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as Json,
  };
}

interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

function nextId(tokenizer: Json): number {
  const vocab = (tokenizer.model as { vocab?: Record<string, number> | [string, number][] }).vocab ?? {};
  const ids = Array.isArray(vocab) ? vocab.map((_, i) => i) : Object.values(vocab);
  const added = (tokenizer.added_tokens as AddedTokenJson[]).map((t) => t.id);
  return Math.max(...ids, ...added) + 1;
}

/** `<|user|>`, `<|assistant|>`, `<|system|>` added with `flags`; `eosLstrip` also makes EOS strip on its left. */
function withMarkers(base: { tokenizer: Json; config: Json }, flags: Partial<AddedTokenJson>, eosLstrip = false): { tokenizer: Json; config: Json } {
  const tokenizer = structuredClone(base.tokenizer);
  const added = tokenizer.added_tokens as AddedTokenJson[];
  let id = nextId(tokenizer);
  for (const content of ['<|user|>', '<|assistant|>', '<|system|>']) {
    added.push({ id: id++, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...flags });
  }
  const eos = typeof base.config.eos_token === 'string' ? base.config.eos_token : '</s>';
  if (eosLstrip) for (const t of added) if (t.content === eos) t.lstrip = true;
  return { tokenizer, config: { ...structuredClone(base.config), chat_template: MARKER_TEMPLATE } };
}

/** Chat markers that strip whitespace or match whole words, on a SentencePiece-style (Prepend + Replace) tokenizer. */
export function stripFlagVariants(prefix: string, base: { tokenizer: Json; config: Json }): Variant[] {
  return [
    { name: `${prefix} markers rstrip`, ...withMarkers(base, { rstrip: true }) },
    { name: `${prefix} markers lstrip+rstrip`, ...withMarkers(base, { lstrip: true, rstrip: true }) },
    { name: `${prefix} markers single_word+rstrip`, ...withMarkers(base, { single_word: true, rstrip: true }) },
    { name: `${prefix} markers normalized, rstrip`, ...withMarkers(base, { normalized: true, special: false, rstrip: true }) },
    { name: `${prefix} markers rstrip, EOS lstrip`, ...withMarkers(base, { rstrip: true }, true) },
  ];
}

/** ChatML (Qwen) with `<|im_end|>` stripping the newline after it and `<|im_start|>` the whitespace before it. */
export function chatMlStripVariant(base: { tokenizer: Json; config: Json }): Variant {
  const tokenizer = structuredClone(base.tokenizer);
  for (const t of tokenizer.added_tokens as AddedTokenJson[]) {
    if (t.content === '<|im_end|>') t.rstrip = true;
    if (t.content === '<|im_start|>') t.lstrip = true;
  }
  return { name: 'qwen3 im_end rstrip, im_start lstrip', tokenizer, config: base.config };
}

/** The same byte-level BPE behind normalizers that rewrite text: compatibility forms, case, accents, ends. */
export function rewritingNormalizerVariants(prefix: string, base: { tokenizer: Json; config: Json }): Variant[] {
  const normalizers: [string, Json][] = [
    ['NFKC', { type: 'NFKC' }],
    ['NFD', { type: 'NFD' }],
    ['NFKD + StripAccents + Lowercase', { type: 'Sequence', normalizers: [{ type: 'NFKD' }, { type: 'StripAccents' }, { type: 'Lowercase' }] }],
    [
      'Strip + Replace regex',
      {
        type: 'Sequence',
        normalizers: [
          { type: 'Strip', strip_left: true, strip_right: true },
          { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
        ],
      },
    ],
    ['BertNormalizer', { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true }],
  ];
  return normalizers.map(([name, normalizer]) => ({
    name: `${prefix} ${name}`,
    tokenizer: { ...structuredClone(base.tokenizer), normalizer },
    config: base.config,
  }));
}
