// The TS backend's text pipeline with byte spans. @huggingface/tokenizers reports no offsets, so this runs
// the steps the Rust crate runs, keeping track of where every character came from: added tokens split the
// text (with their strip and single-word flags), each section is normalized with the crate's alignment
// (ts-normalize.ts), the library's pre-tokenizer and model turn it into tokens, and each token's bytes
// (byte-level alphabet, byte fallback, "▁" for spaces, "##" continuations) are laid along the normalized
// text. A token's span is the original bytes its normalized characters came from, as the crate's offsets are.
// Anything that does not lay out exactly is an error naming the token, never a guessed mask.

import { TokenizeError } from '../errors.js';
import { isWhiteSpace } from '../validate.js';
import { AddedTokenMatcher, type AddedTokenRule, type Piece } from './ts-added-tokens.js';
import { alignedOriginal, applySteps, normalizerSteps, utf8Width, type AlignedText } from './ts-normalize.js';

/** The parts of @huggingface/tokenizers this pipeline calls (pinned version, see package.json). */
export interface LibraryStages {
  pre_tokenizer: ((text: string, options: { section_index: number }) => string[]) | null;
  model: (words: string[]) => string[];
}

export interface TextEncoding {
  /** Token strings as the library's id lookup expects them (added tokens by content). */
  tokens: string[];
  spans: [number, number][];
  /** Original byte ranges inside which a trainable boundary cannot be placed exactly. */
  unprovable: [number, number][];
  /** What the crate's post-processor sees of each token: an added token's whole match, stripped whitespace included. */
  values: string[];
}

type Json = Record<string, unknown>;

function components(node: unknown, key: string): Json[] {
  if (node === null || typeof node !== 'object') return [];
  const obj = node as Json;
  const nested = Array.isArray(obj[key]) ? (obj[key] as unknown[]).flatMap((child) => components(child, key)) : [];
  return [obj, ...nested];
}

/** What laying tokens along the text needs to know about a tokenizer.json. */
interface SurfaceRules {
  byteLevel: boolean;
  byteFallback: boolean;
  /** "▁" stands for a space (SentencePiece-style vocabularies). */
  metaspace: boolean;
  /** The pre-tokenizer may put a space (or "▁") before a word that has none (Metaspace, ByteLevel add_prefix_space). */
  insertsPrefix: boolean;
  /** The pre-tokenizer drops whitespace between words (BERT, Whitespace, WhitespaceSplit). */
  dropsWhitespace: boolean;
  continuingPrefix: string;
  endOfWordSuffix: string;
  unkToken: string | null;
  /** ByteLevel post-processor `trim_offsets`: spans lose their leading and trailing whitespace. */
  trimOffsets: { addPrefixSpace: boolean } | null;
}

function surfaceRules(tokenizer: Json): SurfaceRules {
  const preTokenizers = components(tokenizer.pre_tokenizer, 'pretokenizers');
  const normalizers = components(tokenizer.normalizer, 'normalizers');
  const decoders = components(tokenizer.decoder, 'decoders');
  const processors = components(tokenizer.post_processor, 'processors');
  const model = (tokenizer.model ?? {}) as Json;
  const trimming = processors.find((p) => p.type === 'ByteLevel' && p.trim_offsets === true);
  return {
    byteLevel: [...preTokenizers, ...decoders].some((c) => c.type === 'ByteLevel'),
    byteFallback: model.byte_fallback === true,
    metaspace: [...preTokenizers, ...decoders].some((c) => c.type === 'Metaspace') || normalizers.some((c) => c.type === 'Replace' && c.content === '▁'),
    insertsPrefix: preTokenizers.some(
      (c) =>
        (c.type === 'Metaspace' && c.prepend_scheme !== 'never' && c.add_prefix_space !== false) || (c.type === 'ByteLevel' && c.add_prefix_space === true),
    ),
    dropsWhitespace: preTokenizers.some((c) => c.type === 'BertPreTokenizer' || c.type === 'Whitespace' || c.type === 'WhitespaceSplit'),
    continuingPrefix: typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '',
    endOfWordSuffix: typeof model.end_of_word_suffix === 'string' ? model.end_of_word_suffix : '',
    unkToken: typeof model.unk_token === 'string' ? model.unk_token : null,
    trimOffsets: trimming === undefined ? null : { addPrefixSpace: trimming.add_prefix_space === true },
  };
}

let byteDecoder: Map<string, number> | undefined;

/** GPT-2's bytes_to_unicode, inverted. */
function byteLevelDecoder(): Map<string, number> {
  if (byteDecoder === undefined) {
    const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    byteDecoder = new Map();
    let extra = 0;
    for (let b = 0; b < 256; b++) byteDecoder.set(String.fromCodePoint(printable(b) ? b : 256 + extra++), b);
  }
  return byteDecoder;
}

const encoder = new TextEncoder();
const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;

/** The normalized text as the bytes tokens are compared with, each with its original span. */
interface LaidText {
  bytes: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  whitespace: Uint8Array;
}

export class TsTextPipeline {
  private readonly rules: SurfaceRules;
  private readonly steps: ReturnType<typeof normalizerSteps>;
  private readonly rawMatcher: AddedTokenMatcher;
  private readonly normalizedMatcher: AddedTokenMatcher;

  constructor(
    tokenizer: Json,
    private readonly stages: LibraryStages,
  ) {
    this.rules = surfaceRules(tokenizer);
    this.steps = normalizerSteps(tokenizer.normalizer);
    const raw: [string, AddedTokenRule][] = [];
    const normalized: [string, AddedTokenRule][] = [];
    for (const entry of Array.isArray(tokenizer.added_tokens) ? (tokenizer.added_tokens as Json[]) : []) {
      if (typeof entry.content !== 'string') continue;
      const rule: AddedTokenRule = {
        content: entry.content,
        lstrip: entry.lstrip === true,
        rstrip: entry.rstrip === true,
        singleWord: entry.single_word === true,
      };
      // The crate's default: a token is matched in normalized text unless it says otherwise.
      if (entry.normalized === false || (entry.normalized === undefined && entry.special === true)) raw.push([entry.content, rule]);
      else normalized.push([this.normalizeText(entry.content), rule]);
    }
    this.rawMatcher = new AddedTokenMatcher(raw);
    this.normalizedMatcher = new AddedTokenMatcher(normalized);
  }

  /** The normalizer's output for `text` (what a normalized added token is matched as). */
  private normalizeText(text: string): string {
    return typeof this.steps === 'string' ? text : applySteps(this.steps, alignedOriginal(text)).chars.join('');
  }

  /** Whether every normalizer step is reproduced here (else only the library's own text step can run). */
  get followsNormalizer(): boolean {
    return typeof this.steps !== 'string';
  }

  /** Tokens of `text`, with spans unless `withSpans` is false (then nothing is laid out or checked). */
  encode(text: string, withSpans = true): TextEncoding {
    const out: TextEncoding = { tokens: [], spans: [], unprovable: [], values: [] };
    const original = alignedOriginal(text);
    for (const piece of this.rawMatcher.split(original)) {
      if (piece.token !== null) {
        this.pushAdded(out, piece, original);
        continue;
      }
      const section = slice(original, piece);
      if (typeof this.steps === 'string') {
        throw new TokenizeError(
          `the TS backend cannot follow this tokenizer's ${this.steps} normalizer through the text; use the native backend or boundary: 'separate'`,
        );
      }
      const normalized = applySteps(this.steps, section);
      out.unprovable.push(...normalized.unprovable);
      for (const part of this.normalizedMatcher.split(normalized)) {
        if (part.token !== null) this.pushAdded(out, part, normalized);
        else this.pushSection(out, slice(normalized, part), withSpans);
      }
    }
    if (withSpans && this.rules.trimOffsets !== null) trimOffsets(out, this.rules.trimOffsets.addPrefixSpace);
    return out;
  }

  private pushAdded(out: TextEncoding, piece: Piece, text: AlignedText): void {
    const token = piece.token as AddedTokenRule;
    out.tokens.push(token.content);
    out.values.push(text.chars.slice(piece.from, piece.to).join(''));
    out.spans.push([text.starts[piece.from] as number, text.ends[piece.to - 1] as number]);
  }

  /** Tokens of one section of normalized text, laid along it. */
  private pushSection(out: TextEncoding, section: AlignedText, withSpans: boolean): void {
    if (section.chars.length === 0) return;
    // The crate's Metaspace "first" scheme prepends only to the section at the very start of the text.
    const words =
      this.stages.pre_tokenizer === null
        ? [section.chars.join('')]
        : this.stages.pre_tokenizer(section.chars.join(''), { section_index: section.starts[0] === 0 ? 0 : 1 });
    if (!withSpans) {
      out.tokens.push(...this.stages.model(words));
      return;
    }
    const laid = this.layText(section);
    let pos = 0;
    for (const word of words) {
      if (this.rules.dropsWhitespace) while (pos < laid.bytes.length && laid.whitespace[pos] === 1) pos++;
      const surface = this.surfaceOf(word, 'word');
      const inserted = this.rules.insertsPrefix && surface[0] === 0x20 && laid.bytes[pos] !== 0x20 && pos < laid.bytes.length ? 1 : 0;
      for (let k = inserted; k < surface.length; k++) {
        if (laid.bytes[pos + k - inserted] !== surface[k]) throw this.unmapped(word, pos);
      }
      // An inserted prefix is aligned with the character after it, as `NormalizedString::prepend` aligns it.
      const at = (k: number): number => Math.min(pos + Math.max(k - inserted, 0), laid.bytes.length - 1);
      this.pushWordTokens(out, word, surface.length, at, laid);
      pos += surface.length - inserted;
    }
    if (this.rules.dropsWhitespace) while (pos < laid.bytes.length && laid.whitespace[pos] === 1) pos++;
    if (pos !== laid.bytes.length) {
      throw new TokenizeError(
        `the TS backend mapped only ${pos} of ${laid.bytes.length} bytes of a section to tokens; use the native backend or boundary: 'separate'`,
      );
    }
  }

  /** The model's tokens of one pre-tokenized word, whose bytes `0..length` sit at laid bytes `at(k)`. */
  private pushWordTokens(out: TextEncoding, word: string, length: number, at: (k: number) => number, laid: LaidText): void {
    const tokens = this.stages.model([word]);
    const sizes = tokens.map((token, i) => (token === this.rules.unkToken ? -1 : this.surfaceOf(token, i > 0 ? 'continuation' : 'token').length));
    let q = 0;
    tokens.forEach((token, i) => {
      let size = sizes[i] as number;
      if (size < 0) {
        // An unknown token covers what the tokens after it leave of the word.
        const rest = sizes.slice(i + 1);
        if (rest.some((s) => s < 0)) throw this.unmapped(token, q);
        size = length - q - rest.reduce((a, b) => a + b, 0);
        if (size < 0) throw this.unmapped(token, q);
      }
      out.tokens.push(token);
      out.values.push(token);
      if (size === 0) {
        const start = laid.starts[at(q)] as number;
        out.spans.push([start, start]);
      } else {
        out.spans.push([laid.starts[at(q)] as number, laid.ends[at(q + size - 1)] as number]);
      }
      q += size;
    });
    if (q !== length) throw this.unmapped(word, q);
  }

  private unmapped(token: string, at: number): TokenizeError {
    return new TokenizeError(
      `the TS backend cannot map token ${JSON.stringify(token)} back to the text at byte ${at} of its section; use the native backend or boundary: 'separate'`,
    );
  }

  private layText(section: AlignedText): LaidText {
    const size = section.chars.reduce((n, ch) => n + (this.rules.metaspace && ch === '▁' ? 1 : utf8Width(ch)), 0);
    const laid: LaidText = { bytes: new Uint8Array(size), starts: new Int32Array(size), ends: new Int32Array(size), whitespace: new Uint8Array(size) };
    let at = 0;
    section.chars.forEach((ch, i) => {
      const bytes = this.rules.metaspace && ch === '▁' ? Uint8Array.of(0x20) : encoder.encode(ch);
      const blank = isWhiteSpace(ch) ? 1 : 0;
      for (const b of bytes) {
        laid.bytes[at] = b;
        laid.starts[at] = section.starts[i] as number;
        laid.ends[at] = section.ends[i] as number;
        laid.whitespace[at] = blank;
        at++;
      }
    });
    return laid;
  }

  /** The bytes a pre-tokenized word or a token stands for. */
  private surfaceOf(token: string, kind: 'word' | 'token' | 'continuation'): Uint8Array {
    let text = token;
    if (kind === 'continuation' && this.rules.continuingPrefix !== '' && text.startsWith(this.rules.continuingPrefix))
      text = text.slice(this.rules.continuingPrefix.length);
    if (kind !== 'word' && this.rules.endOfWordSuffix !== '' && text.endsWith(this.rules.endOfWordSuffix))
      text = text.slice(0, -this.rules.endOfWordSuffix.length);
    if (kind !== 'word' && this.rules.byteFallback) {
      const m = BYTE_FALLBACK.exec(text);
      if (m) return Uint8Array.of(parseInt(m[1] as string, 16));
    }
    if (this.rules.byteLevel) {
      const table = byteLevelDecoder();
      const bytes: number[] = [];
      for (const ch of text) {
        const b = table.get(ch);
        if (b === undefined) return encoder.encode(text);
        bytes.push(b);
      }
      return Uint8Array.from(bytes);
    }
    return encoder.encode(this.rules.metaspace ? text.replaceAll('▁', ' ') : text);
  }
}

function slice(text: AlignedText, piece: Piece): AlignedText {
  return {
    chars: text.chars.slice(piece.from, piece.to),
    starts: text.starts.slice(piece.from, piece.to),
    ends: text.ends.slice(piece.from, piece.to),
    unprovable: [],
  };
}

/** tokenizers' `process_offsets` (ByteLevel `trim_offsets`): spans lose leading and trailing spaces ("Ġ" or whitespace). */
function trimOffsets(out: TextEncoding, addPrefixSpace: boolean): void {
  const blank = (ch: string) => ch === '\u0120' || isWhiteSpace(ch);
  out.values.forEach((value, i) => {
    const chars = [...value];
    let leading = 0;
    while (leading < chars.length && blank(chars[leading] as string)) leading++;
    let trailing = 0;
    while (trailing < chars.length && blank(chars[chars.length - 1 - trailing] as string)) trailing++;
    const span = out.spans[i] as [number, number];
    if (leading > 0) {
      const isFirst = i === 0 || span[0] === 0;
      // A prefix space the pre-tokenizer added is kept on the first token (the crate keeps it too).
      if (!(isFirst && addPrefixSpace && leading === 1)) span[0] = Math.min(span[0] + leading, span[1]);
    }
    if (trailing > 0 && span[1] >= trailing) span[1] = Math.max(span[1] - trailing, span[0]);
  });
}
