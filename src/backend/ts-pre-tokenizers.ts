// The crate's pre-tokenizer behaviour given to @huggingface/tokenizers' pre-tokenizers where the two differ:
// Unicode whitespace and word classes, Metaspace `split`, Unicode digits, Punctuation `behavior`.

// The crate's regexes read `\s` as Unicode White_Space (U+0085 yes, U+FEFF no) and `\w` as Unicode word
// characters; the library's pre-tokenizers use JS's `\s` and ASCII `\w`, which split some texts elsewhere.
const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';
const BYTE_LEVEL_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;
const WHITESPACE_SPLIT = /\P{White_Space}+/gu;
const WHITESPACE = new RegExp(`[${WORD}]+|[^${WORD}\\p{White_Space}]+`, 'gu');

interface PreTokenizerStage {
  pattern?: unknown;
  tokenizers?: unknown;
  pre_tokenize_text?: (text: string, options?: unknown) => string[];
}

/**
 * Gives the library's pre-tokenizers (`stage`, built from the config `node`) the crate's character classes,
 * and Metaspace the crate's `split` (default true): the library never splits at "▁", so a Unigram
 * vocabulary with pieces spanning words (Marian) matched across them.
 */
export function useCratePreTokenizers(stage: unknown, node: unknown): void {
  if (stage === null || node === null || typeof node !== 'object' || (typeof stage !== 'object' && typeof stage !== 'function')) return;
  const instance = stage as PreTokenizerStage;
  const config = node as { type?: unknown; pretokenizers?: unknown; use_regex?: unknown };
  switch (config.type) {
    case 'ByteLevel':
      if (instance.pattern instanceof RegExp) instance.pattern = BYTE_LEVEL_SPLIT;
      break;
    case 'WhitespaceSplit':
      instance.pre_tokenize_text = (text) => text.match(WHITESPACE_SPLIT) ?? [];
      break;
    case 'Whitespace':
      instance.pre_tokenize_text = (text) => text.match(WHITESPACE) ?? [];
      break;
    case 'Digits': {
      // The crate's digits are Unicode numbers (`char::is_numeric`: ², ¾, ٣ too); the library's `\d` is ASCII.
      const digits = config as { individual_digits?: unknown };
      instance.pre_tokenize_text = (text) => splitWhere(text, (ch) => NUMERIC.test(ch), digits.individual_digits === true ? 'Isolated' : 'Contiguous');
      break;
    }
    case 'Punctuation': {
      // The library always keeps runs together; the crate follows `behavior` (default Isolated).
      const behavior = (config as { behavior?: unknown }).behavior;
      instance.pre_tokenize_text = (text) => splitWhere(text, (ch) => PUNCTUATION.test(ch), isSplitBehavior(behavior) ? behavior : 'Isolated');
      break;
    }
    case 'Metaspace': {
      const metaspace = config as { split?: unknown; replacement?: unknown };
      const own = instance.pre_tokenize_text?.bind(instance);
      if (metaspace.split === false || own === undefined) break;
      const replacement = typeof metaspace.replacement === 'string' ? metaspace.replacement : '\u2581';
      instance.pre_tokenize_text = (text, options) => own(text, options).flatMap((piece) => splitMergedWithNext(piece, replacement));
      break;
    }
    case 'Sequence':
      if (Array.isArray(instance.tokenizers) && Array.isArray(config.pretokenizers)) {
        instance.tokenizers.forEach((child, i) => useCratePreTokenizers(child, (config.pretokenizers as unknown[])[i]));
      }
      break;
  }
}

const NUMERIC = /^\p{N}$/u;
// The crate's `is_punc`: ASCII punctuation or a Unicode punctuation category.
const PUNCTUATION = /^[\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]$/u;

type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

function isSplitBehavior(value: unknown): value is SplitBehavior {
  return value === 'Removed' || value === 'Isolated' || value === 'MergedWithPrevious' || value === 'MergedWithNext' || value === 'Contiguous';
}

/** The crate's `split(|c| matches(c), behavior)`: each matching character is a match, the text between them a gap. */
export function splitWhere(text: string, matches: (ch: string) => boolean, behavior: SplitBehavior): string[] {
  const spans: [string, boolean][] = [];
  for (const ch of text) {
    const matched = matches(ch);
    const last = spans[spans.length - 1];
    if (!matched && last !== undefined && !last[1]) last[0] += ch;
    else spans.push([ch, matched]);
  }
  const out: string[] = [];
  let previousMatch = false;
  const ordered = behavior === 'MergedWithNext' ? spans.reverse() : spans;
  for (const [piece, isMatch] of ordered) {
    const merge =
      behavior === 'Contiguous' ? isMatch === previousMatch : (behavior === 'MergedWithPrevious' || behavior === 'MergedWithNext') && isMatch && !previousMatch;
    if (behavior === 'Removed' && isMatch) continue;
    if (merge && out.length > 0)
      out[out.length - 1] = behavior === 'MergedWithNext' ? piece + (out[out.length - 1] as string) : (out[out.length - 1] as string) + piece;
    else out.push(piece);
    previousMatch = isMatch;
  }
  return behavior === 'MergedWithNext' ? out.reverse() : out;
}

/** The crate's `split(delimiter, MergedWithNext)`: each delimiter starts a new piece ("a▁b▁▁c" → "a", "▁b", "▁", "▁c"). */
export function splitMergedWithNext(text: string, delimiter: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (let at = text.indexOf(delimiter); at !== -1; at = text.indexOf(delimiter, at + delimiter.length)) {
    if (at > start) pieces.push(text.slice(start, at));
    start = at;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}
