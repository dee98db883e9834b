// Where added tokens split a text, as tokenizers' `AddedVocabulary::find_matches` finds them: leftmost-longest
// matches; `single_word` drops a match touching a word character; `lstrip`/`rstrip` widen the match over the
// Unicode White_Space beside it (so the token's span covers that whitespace, as the crate's offsets do).
// @huggingface/tokenizers trims with JS's whitespace and ignores `single_word`; this follows the crate.

import { isWhiteSpace } from '../validate.js';
import { charIndexByUtf16, escapeRegExp, type AlignedText } from './ts-normalize.js';

export interface AddedTokenRule {
  content: string;
  lstrip: boolean;
  rstrip: boolean;
  singleWord: boolean;
}

/** A run of characters `[from, to)`: an added token's match, or the text between matches (`token` null). */
export interface Piece {
  token: AddedTokenRule | null;
  from: number;
  to: number;
}

// Rust regex `\w`: Alphabetic, marks, decimal digits, connector punctuation, join controls.
const WORD = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]$/u;

export class AddedTokenMatcher {
  private readonly pattern: RegExp | null;
  private readonly byPattern: Map<string, AddedTokenRule>;

  /** `patterns`: the string each token is matched as (its content, or its normalized content). */
  constructor(patterns: [string, AddedTokenRule][]) {
    this.byPattern = new Map(patterns.filter(([p]) => p !== ''));
    const alternatives = [...this.byPattern.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    // Alternatives longest first: at the leftmost position JS takes the first that matches, the longest.
    this.pattern = alternatives.length === 0 ? null : new RegExp(alternatives.join('|'), 'gu');
  }

  split(text: AlignedText): Piece[] {
    const { chars } = text;
    if (chars.length === 0) return [];
    if (this.pattern === null) return [{ token: null, from: 0, to: chars.length }];
    const whole = chars.join('');
    const charAt = charIndexByUtf16(chars);
    const pieces: Piece[] = [];
    let taken = 0;
    for (const match of whole.matchAll(this.pattern)) {
      const token = this.byPattern.get(match[0]);
      let from = charAt.get(match.index);
      let to = charAt.get(match.index + match[0].length);
      if (token === undefined || from === undefined || to === undefined) continue;
      if (token.singleWord) {
        const wordBefore = from > 0 && WORD.test(chars[from - 1] as string);
        const wordAfter = to < chars.length && WORD.test(chars[to] as string);
        if (wordBefore || wordAfter) continue;
      }
      if (token.lstrip) {
        let start = from;
        while (start > 0 && isWhiteSpace(chars[start - 1] as string)) start--;
        from = Math.max(start, taken);
      }
      if (token.rstrip) {
        while (to < chars.length && isWhiteSpace(chars[to] as string)) to++;
      }
      // The crate never lets matches overlap what an earlier strip took.
      from = Math.max(from, taken);
      if (taken < from) pieces.push({ token: null, from: taken, to: from });
      pieces.push({ token, from, to });
      taken = to;
    }
    if (taken < chars.length) pieces.push({ token: null, from: taken, to: chars.length });
    return pieces;
  }
}
