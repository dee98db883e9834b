// Normalizers of a tokenizer.json, applied as the Rust crate applies them, with the crate's alignment: every
// character of the normalized text remembers the bytes of the original text it came from, so that token
// spans can be mapped back exactly (the native backend gets them from tokenizers' offsets). The rules
// follow `NormalizedString::transform`: a character that turns into several is aligned to it whole; a
// character removed vanishes; a sequence folded into one (NFC "e" + U+0301) is aligned to its first
// character; `Prepend` aligns to the first character and `Replace` to the last matched one.
// Where a run of several characters becomes a different run of several, the crate's alignment inside it is
// not provable from JS (it depends on combining classes): the run is aligned positionally and listed as
// unprovable, so that a trainable boundary falling inside it is refused rather than guessed.

import { TokenizeError } from '../errors.js';
import { isWhiteSpace } from '../validate.js';
import { crateAlignment } from './ts-unicode-alignment.js';

/** Normalized text, one code point per entry, with the original UTF-8 byte range of each. */
export interface AlignedText {
  chars: string[];
  starts: number[];
  ends: number[];
  /** Original byte ranges whose inner alignment is positional, not proven. */
  unprovable: [number, number][];
}

type Step = (text: AlignedText) => AlignedText;
type Json = Record<string, unknown>;

const MARK = /^\p{M}$/u;
const NONSPACING_MARK = /^\p{Mn}$/u;
const OTHER = /^\p{C}$/u;

/** The code points of `text` with their UTF-8 byte ranges, starting at byte `base`. */
export function alignedOriginal(text: string, base = 0): AlignedText {
  const chars: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let at = base;
  for (const ch of text) {
    const width = utf8Width(ch);
    chars.push(ch);
    starts.push(at);
    ends.push(at + width);
    at += width;
  }
  return { chars, starts, ends, unprovable: [] };
}

export function utf8Width(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

function empty(unprovable: [number, number][]): AlignedText {
  return { chars: [], starts: [], ends: [], unprovable };
}

function push(out: AlignedText, ch: string, start: number, end: number): void {
  out.chars.push(ch);
  out.starts.push(start);
  out.ends.push(end);
}

/** Each character becomes `map(ch)` (possibly several, possibly none), all aligned to it. */
function perChar(map: (ch: string) => string): Step {
  return (text) => {
    if (text.chars.every((ch) => map(ch) === ch)) return text;
    const out = empty(text.unprovable);
    text.chars.forEach((ch, i) => {
      for (const c of map(ch)) push(out, c, text.starts[i] as number, text.ends[i] as number);
    });
    return out;
  };
}

const filter = (keep: (ch: string) => boolean): Step => perChar((ch) => (keep(ch) ? ch : ''));

/**
 * `runs` cut the text into pieces each normalized on its own; `map` normalizes one piece. Output character
 * k of a piece of n inputs is aligned to input min(k, n - 1), which is the crate's rule whenever one side
 * has a single character or the piece is unchanged; otherwise the piece is listed as unprovable.
 */
function piecewise(text: AlignedText, runs: [number, number][], map: (piece: string) => string, approximate = false): AlignedText {
  const out = empty([...text.unprovable]);
  for (const [from, to] of runs) {
    const input = text.chars.slice(from, to);
    const output = [...map(input.join(''))];
    const unchanged = output.length === input.length && output.every((c, k) => c === input[k]);
    output.forEach((c, k) => {
      const source = from + Math.min(k, to - from - 1);
      push(out, c, text.starts[source] as number, text.ends[source] as number);
    });
    if (!unchanged && input.length > 1 && (output.length > 1 || approximate)) out.unprovable.push([text.starts[from] as number, text.ends[to - 1] as number]);
  }
  return out;
}

/** Unicode normalization form `form`, aligned as the crate aligns it (see ts-unicode-alignment.ts). */
function unicodeForm(form: 'NFC' | 'NFD' | 'NFKC' | 'NFKD'): Step {
  return (text) => {
    const whole = text.chars.join('');
    if (whole.normalize(form) === whole) return text;
    const aligned = crateAlignment(text.chars, form);
    // Tables of another Unicode version than the crate's: align positionally, and say it is not proven.
    if (aligned === null) return piecewise(text, [[0, text.chars.length]], (piece) => piece.normalize(form));
    const out = empty(text.unprovable);
    aligned.chars.forEach((c, k) => {
      const source = aligned.sources[k] as number;
      push(out, c, text.starts[source] as number, text.ends[source] as number);
    });
    return out;
  };
}

function strip(left: boolean, right: boolean): Step {
  return (text) => {
    let from = 0;
    let to = text.chars.length;
    while (left && from < to && isWhiteSpace(text.chars[from] as string)) from++;
    while (right && to > from && isWhiteSpace(text.chars[to - 1] as string)) to--;
    return { chars: text.chars.slice(from, to), starts: text.starts.slice(from, to), ends: text.ends.slice(from, to), unprovable: text.unprovable };
  };
}

function prepend(prefix: string): Step {
  return (text) => {
    if (text.chars.length === 0 || prefix === '') return text;
    const out = empty(text.unprovable);
    for (const c of prefix) push(out, c, text.starts[0] as number, text.ends[0] as number);
    text.chars.forEach((c, i) => push(out, c, text.starts[i] as number, text.ends[i] as number));
    return out;
  };
}

/** The character index of each UTF-16 position that starts a character (and of the end), to turn regex match positions into indices of `chars`. */
export function charIndexByUtf16(chars: string[]): Map<number, number> {
  const map = new Map<number, number>();
  let unit = 0;
  chars.forEach((c, i) => {
    map.set(unit, i);
    unit += c.length;
  });
  map.set(unit, chars.length);
  return map;
}

export function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every match becomes `content`, aligned to the last character it replaces. */
function replace(pattern: RegExp, content: string): Step {
  return (text) => {
    const whole = text.chars.join('');
    const indexOf = charIndexByUtf16(text.chars);
    const out = empty(text.unprovable);
    let next = 0;
    for (const match of whole.matchAll(pattern)) {
      if (match[0] === '') continue;
      const from = indexOf.get(match.index);
      const to = indexOf.get(match.index + match[0].length);
      if (from === undefined || to === undefined) throw new TokenizeError('the TS backend found a Replace match inside a character');
      for (let i = next; i < from; i++) push(out, text.chars[i] as string, text.starts[i] as number, text.ends[i] as number);
      for (const c of content) push(out, c, text.starts[to - 1] as number, text.ends[to - 1] as number);
      next = to;
    }
    for (let i = next; i < text.chars.length; i++) push(out, text.chars[i] as string, text.starts[i] as number, text.ends[i] as number);
    return out;
  };
}

function isChineseChar(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Rust's `char::to_lowercase`: per character, without JS's final-sigma context. */
const lowercase = perChar((ch) => ch.toLowerCase());

function bertNormalizer(config: Json): Step[] {
  const steps: Step[] = [];
  if (config.clean_text !== false) {
    steps.push(
      perChar((ch) => {
        if (ch === '\0' || ch === '\ufffd' || (OTHER.test(ch) && ch !== '\t' && ch !== '\n' && ch !== '\r')) return '';
        return isWhiteSpace(ch) ? ' ' : ch;
      }),
    );
  }
  if (config.handle_chinese_chars !== false) steps.push(perChar((ch) => (isChineseChar(ch) ? ` ${ch} ` : ch)));
  const lower = config.lowercase !== false;
  const stripAccents = typeof config.strip_accents === 'boolean' ? config.strip_accents : lower;
  if (stripAccents)
    steps.push(
      unicodeForm('NFD'),
      filter((ch) => !NONSPACING_MARK.test(ch)),
    );
  if (lower) steps.push(lowercase);
  return steps;
}

function patternOf(node: unknown): RegExp | null {
  const pattern = (node ?? {}) as Json;
  if (typeof pattern.String === 'string') return new RegExp(escapeRegExp(pattern.String), 'gu');
  if (typeof pattern.Regex === 'string') {
    try {
      return new RegExp(pattern.Regex, 'gu');
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * A SentencePiece charsmap (T5, ALBERT…) as @huggingface/tokenizers approximates it: control characters
 * dropped, other spaces made " ", then NFKC except for U+FF5E. The crate applies a charsmap grapheme by
 * grapheme, aligning outputs to inputs by position; so does this. As the charsmap itself is approximated,
 * every rewritten grapheme of several characters is unprovable, and texts where the approximation gives
 * other ids are listed in __test__/known-divergences.json.
 */
// eslint-disable-next-line no-control-regex -- control characters are what the charsmap drops
const PRECOMPILED_DROPPED = /[\u0001-\u0008\u000B\u000E-\u001F\u007F\u008F\u009F]/gu;
// eslint-disable-next-line no-control-regex -- tab, LF, FF and CR become spaces
const PRECOMPILED_SPACE = /[\u0009\u000A\u000C\u000D\u00A0\u1680\u2000-\u200F\u2028\u2029\u202F\u205F\u2581\u3000\uFEFF\uFFFD]/gu;
// eslint-disable-next-line no-control-regex -- the whole ASCII range, controls included
const ASCII = /^[\u0000-\u007f]*$/;
// Made at first use: creating a segmenter loads ICU's break rules (~20 ms), which a process on the native
// backend never needs.
let graphemeSegmenter: Intl.Segmenter | undefined;
const graphemes = (): Intl.Segmenter => (graphemeSegmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' }));

function approximateCharsmap(text: string): string {
  const spaced = text.replace(PRECOMPILED_DROPPED, '').replace(PRECOMPILED_SPACE, ' ');
  return spaced
    .split('\uFF5E')
    .map((part) => part.normalize('NFKC'))
    .join('\uFF5E');
}

/** Grapheme clusters as character runs (ASCII text: single characters, CR LF together). */
export function graphemeRuns(chars: string[]): [number, number][] {
  const runs: [number, number][] = [];
  // Intl.Segmenter slows down more than linearly on long strings (64K characters: 0.5 s), so it runs on
  // pieces cut between two ASCII characters other than CR LF: no grapheme rule joins those.
  let from = 0;
  for (let i = 1; i <= chars.length; i++) {
    const cut =
      i === chars.length ||
      (i - from >= GRAPHEME_PIECE && isAscii(chars[i - 1] as string) && isAscii(chars[i] as string) && !(chars[i - 1] === '\r' && chars[i] === '\n'));
    if (!cut) continue;
    pieceGraphemeRuns(chars, from, i, runs);
    from = i;
  }
  return runs;
}

const GRAPHEME_PIECE = 256;

function isAscii(ch: string): boolean {
  return ch.charCodeAt(0) < 0x80;
}

function pieceGraphemeRuns(chars: string[], from: number, to: number, runs: [number, number][]): void {
  const piece = chars.slice(from, to).join('');
  if (ASCII.test(piece)) {
    for (let i = from; i < to; i++) {
      const pair = chars[i] === '\r' && chars[i + 1] === '\n' && i + 1 < to;
      runs.push([i, pair ? i + 2 : i + 1]);
      if (pair) i++;
    }
    return;
  }
  let at = from;
  for (const { segment } of graphemes().segment(piece)) {
    const n = [...segment].length;
    runs.push([at, at + n]);
    at += n;
  }
}

const approximatePrecompiled: Step = (text) => {
  const whole = text.chars.join('');
  if (approximateCharsmap(whole) === whole) return text;
  return piecewise(text, graphemeRuns(text.chars), approximateCharsmap, true);
};

/** The steps of a normalizer config, or the name of the part the TS backend cannot reproduce. */
export function normalizerSteps(node: unknown): Step[] | string {
  if (node === null || node === undefined) return [];
  const config = node as Json;
  switch (config.type) {
    case 'Sequence': {
      const steps: Step[] = [];
      for (const child of Array.isArray(config.normalizers) ? config.normalizers : []) {
        const inner = normalizerSteps(child);
        if (typeof inner === 'string') return inner;
        steps.push(...inner);
      }
      return steps;
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return [unicodeForm(config.type)];
    case 'Lowercase':
      return [lowercase];
    case 'StripAccents':
      return [filter((ch) => !MARK.test(ch))];
    case 'Strip':
      return [strip(config.strip_left === true, config.strip_right === true)];
    case 'Prepend':
      return [prepend(typeof config.prepend === 'string' ? config.prepend : '')];
    case 'Replace': {
      const pattern = patternOf(config.pattern);
      if (pattern === null) return `Replace pattern ${JSON.stringify(config.pattern)}`;
      return [replace(pattern, typeof config.content === 'string' ? config.content : '')];
    }
    case 'BertNormalizer':
      return bertNormalizer(config);
    case 'Precompiled':
      return [approximatePrecompiled];
    default:
      return String(config.type);
  }
}

export function applySteps(steps: Step[], text: AlignedText): AlignedText {
  return steps.reduce((current, step) => step(current), text);
}
