// Byte spans for tokens of the TS backend. @huggingface/tokenizers reports no offsets, so each token is
// mapped back to the bytes it stands for (byte-level alphabet, byte fallback, "▁" for spaces) and walked
// along the text. Every span is checked against the text; a tokenizer whose normalizer rewrites the text
// (lower-casing, accent stripping…) makes that check fail with a clear error instead of a wrong mask.

import { TokenizeError } from '../errors.js';

/** What the mapping needs to know about a tokenizer.json. */
export interface SurfaceRules {
  byteLevel: boolean;
  byteFallback: boolean;
  metaspace: boolean;
  /**
   * Whether a space ("▁") is put before each section of text between added tokens: `always` (Prepend
   * normalizer), `unless-space` (Metaspace / ByteLevel add_prefix_space: only when the section does not
   * already start with one), `first-unless-space` (Metaspace prepend_scheme "first"), or `never`.
   */
  prefixSpace: 'always' | 'unless-space' | 'first-unless-space' | 'never';
  addedTokens: Set<string>;
}

type Json = Record<string, unknown>;

function components(node: unknown): Json[] {
  if (node === null || typeof node !== 'object') return [];
  const obj = node as Json;
  const nested = ['normalizers', 'pretokenizers', 'processors', 'decoders'].flatMap((key) => (Array.isArray(obj[key]) ? (obj[key] as unknown[]).flatMap(components) : []));
  return [obj, ...nested];
}

export function surfaceRules(tokenizer: Json, addedTokens: Iterable<string>): SurfaceRules {
  const normalizers = components(tokenizer.normalizer);
  const preTokenizers = components(tokenizer.pre_tokenizer);
  const all = [...normalizers, ...preTokenizers, ...components(tokenizer.decoder)];
  let prefixSpace: SurfaceRules['prefixSpace'] = 'never';
  if (normalizers.some((c) => c.type === 'Prepend' && c.prepend === '▁')) prefixSpace = 'always';
  for (const c of preTokenizers) {
    if (c.type === 'Metaspace') {
      const scheme = c.prepend_scheme ?? (c.add_prefix_space === false ? 'never' : 'always');
      if (scheme === 'always') prefixSpace = 'unless-space';
      if (scheme === 'first') prefixSpace = 'first-unless-space';
    }
    if (c.type === 'ByteLevel' && c.add_prefix_space === true) prefixSpace = 'unless-space';
  }
  return {
    byteLevel: all.some((c) => c.type === 'ByteLevel'),
    byteFallback: ((tokenizer.model ?? {}) as Json).byte_fallback === true,
    metaspace: all.some((c) => c.type === 'Metaspace' || (c.type === 'Replace' && c.content === '▁')),
    prefixSpace,
    addedTokens: new Set(addedTokens),
  };
}

let byteDecoder: Map<string, number> | undefined;

/** GPT-2's bytes_to_unicode, inverted. */
function byteLevelDecoder(): Map<string, number> {
  if (byteDecoder === undefined) {
    const printable: number[] = [];
    for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
    for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
    for (let b = 0xae; b <= 0xff; b++) printable.push(b);
    byteDecoder = new Map();
    let extra = 0;
    for (let b = 0; b < 256; b++) {
      if (printable.includes(b)) byteDecoder.set(String.fromCodePoint(b), b);
      else byteDecoder.set(String.fromCodePoint(256 + extra++), b);
    }
  }
  return byteDecoder;
}

const encoder = new TextEncoder();
const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;

function surfaceBytes(token: string, rules: SurfaceRules): Uint8Array {
  if (rules.addedTokens.has(token)) return encoder.encode(token);
  if (rules.byteFallback) {
    const m = BYTE_FALLBACK.exec(token);
    if (m) return Uint8Array.of(parseInt(m[1] as string, 16));
  }
  if (rules.byteLevel) {
    const table = byteLevelDecoder();
    const bytes: number[] = [];
    for (const ch of token) {
      const b = table.get(ch);
      if (b === undefined) return encoder.encode(token);
      bytes.push(b);
    }
    return Uint8Array.from(bytes);
  }
  return encoder.encode(rules.metaspace ? token.replaceAll('▁', ' ') : token);
}

/** UTF-8 byte spans of `tokens` (the text's tokens, no post-processor additions) within `text`. */
export function tokenByteSpans(text: string, tokens: string[], rules: SurfaceRules): [number, number][] {
  const textBytes = encoder.encode(text);
  const spans: [number, number][] = [];
  let pos = 0;
  let firstSection = true;
  // Whether the current section may still hold a space the tokenizer inserted, not the text.
  let pendingPrefix = true;
  for (const token of tokens) {
    let bytes = surfaceBytes(token, rules);
    const added = rules.addedTokens.has(token);
    if (!added && pendingPrefix && bytes[0] === 0x20 && insertsPrefix(rules, firstSection, textBytes[pos])) bytes = bytes.subarray(1);
    for (let k = 0; k < bytes.length; k++) {
      if (textBytes[pos + k] !== bytes[k]) {
        throw new TokenizeError(
          `the TS backend cannot map token ${JSON.stringify(token)} back to the text at byte ${pos} (this tokenizer's normalizer rewrites the text); ` +
            "use boundary: 'separate' or the native backend",
        );
      }
    }
    spans.push([pos, pos + bytes.length]);
    pos += bytes.length;
    if (added) {
      pendingPrefix = true;
    } else {
      pendingPrefix = false;
      firstSection = false;
    }
  }
  if (pos !== textBytes.length) {
    throw new TokenizeError(`the TS backend mapped only ${pos} of ${textBytes.length} bytes of the text to tokens; use boundary: 'separate' or the native backend`);
  }
  return spans;
}

function insertsPrefix(rules: SurfaceRules, firstSection: boolean, nextTextByte: number | undefined): boolean {
  switch (rules.prefixSpace) {
    case 'always':
      return true;
    case 'unless-space':
      return nextTextByte !== 0x20;
    case 'first-unless-space':
      return firstSection && nextTextByte !== 0x20;
    case 'never':
      return false;
  }
}
