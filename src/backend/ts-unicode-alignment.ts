// Which input character each output character of a Unicode normalization is aligned to, as the
// `unicode-normalization-alignments` crate (under tokenizers' NFC/NFD/NFKC/NFKD) decides it. The crate
// decomposes every character (first piece "change 0", the rest "+1"), sorts combining marks by class, and
// recomposes (a mark folded into its base moves the base's change by -1); `NormalizedString::transform`
// then walks the input: an output with change <= 0 takes the next input character (and drops -change
// more), one with change > 0 shares the previous one's. JS has no combining-class API, so classes are
// read from how String.prototype.normalize orders pairs of marks; the result is checked against JS's own
// normalization by the caller.

type Form = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

interface Pending {
  ch: string;
  change: number;
}

// U+0345 has the highest combining class (240): any other mark before it is moved in front by NFD.
const HIGHEST_CLASS_MARK = '\u0345';
const starters = new Map<string, boolean>();
const decompositions = new Map<string, string[]>();
const compositions = new Map<string, string | null>();

function isStarter(ch: string): boolean {
  let known = starters.get(ch);
  if (known === undefined) {
    known = ch !== HIGHEST_CLASS_MARK && (HIGHEST_CLASS_MARK + ch).normalize('NFD') === HIGHEST_CLASS_MARK + ch;
    starters.set(ch, known);
  }
  return known;
}

/** Sign of ccc(a) - ccc(b) for two marks (non-starters). */
function compareClasses(a: string, b: string): number {
  if ((a + b).normalize('NFD') === b + a) return 1;
  if ((b + a).normalize('NFD') === a + b) return -1;
  return 0;
}

function decompose(ch: string, compatible: boolean): string[] {
  const key = (compatible ? 'K' : 'C') + ch;
  let pieces = decompositions.get(key);
  if (pieces === undefined) {
    pieces = [...ch.normalize(compatible ? 'NFKD' : 'NFD')];
    decompositions.set(key, pieces);
  }
  return pieces;
}

function compose(a: string, b: string): string | null {
  const key = a + '\u0000' + b;
  let composed = compositions.get(key);
  if (composed === undefined) {
    const both = (a + b).normalize('NFC');
    composed = [...both].length === 1 && both !== a + b ? both : null;
    compositions.set(key, composed);
  }
  return composed;
}

function decomposed(chars: string[], compatible: boolean): Pending[] {
  const out: Pending[] = [];
  let pendingFrom = 0;
  const sortPending = () => {
    // Only the marks after the run's starter move (class 0 sorts first anyway). Array.prototype.sort is
    // stable, as the crate's sort_by_key is.
    const from = pendingFrom < out.length && isStarter((out[pendingFrom] as Pending).ch) ? pendingFrom + 1 : pendingFrom;
    const marks = out.slice(from);
    marks.sort((x, y) => compareClasses(x.ch, y.ch));
    out.splice(from, marks.length, ...marks);
    pendingFrom = out.length;
  };
  for (const ch of chars) {
    decompose(ch, compatible).forEach((piece, i) => {
      if (isStarter(piece)) sortPending();
      out.push({ ch: piece, change: i === 0 ? 0 : 1 });
    });
  }
  sortPending();
  return out;
}

/** The crate's `Recompositions` iterator. */
function recomposed(input: Pending[]): Pending[] {
  const out: Pending[] = [];
  let composee: Pending | null = null;
  let buffer: Pending[] = [];
  let lastMark: string | null = null;
  for (const item of input) {
    const starter = isStarter(item.ch);
    if (composee === null) {
      if (!starter) out.push(item);
      else composee = item;
      continue;
    }
    const blocked = lastMark !== null && (starter || compareClasses(lastMark, item.ch) >= 0);
    const composed = blocked ? null : compose(composee.ch, item.ch);
    if (composed !== null) {
      composee = { ch: composed, change: composee.change + item.change - 1 };
    } else if (starter) {
      out.push(composee, ...buffer);
      buffer = [];
      lastMark = null;
      composee = item;
    } else {
      buffer.push(item);
      lastMark = item.ch;
    }
  }
  if (composee !== null) out.push(composee);
  out.push(...buffer);
  return out;
}

/**
 * The normalized characters of `chars` and, for each, the index of the input character it is aligned to,
 * or null when this emulation does not give JS's normalization of the same text.
 */
export function crateAlignment(chars: string[], form: Form): { chars: string[]; sources: number[] } | null {
  const compatible = form === 'NFKC' || form === 'NFKD';
  const pieces = form === 'NFC' || form === 'NFKC' ? recomposed(decomposed(chars, compatible)) : decomposed(chars, compatible);
  const out = pieces.map((p) => p.ch);
  if (out.join('') !== chars.join('').normalize(form)) return null;
  const sources: number[] = [];
  let consumed = 0;
  for (const piece of pieces) {
    if (piece.change > 0) {
      sources.push(Math.max(consumed - 1, 0));
    } else {
      sources.push(Math.min(consumed, chars.length - 1));
      consumed += 1 - piece.change;
    }
  }
  return { chars: out, sources };
}
