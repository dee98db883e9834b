// The TS backend's BPE for long words. @huggingface/tokenizers merges a word through one JS object per
// character plus a copy per merge: ~500 bytes and ~11 µs per character, so one 10 MB word (a document
// under a tokenizer without a pre-tokenizer, like TinyLlama's, or a blob) ran V8 out of memory. Words from
// LONG_WORD characters on are merged here instead, in typed arrays, with the library's exact order: the
// lowest merge rank first, ties to the leftmost symbol (the crate's order too). Same tokens, tested against
// the library on random and real words; shorter words keep the library's cached path.

/** Words this long or longer are merged here. */
export const LONG_WORD = 2048;

/** The library's BPE model, by the fields this reads. */
interface LibraryBpe {
  bpe(token: string): string[];
  merges: [string, string][];
  end_of_word_suffix?: string | null;
  continuing_subword_suffix?: string | null;
}

/** Interned ids of pairs are packed as `left * PAIR_SPAN + right`, exact in a double below 2^53. */
const PAIR_SPAN = 2 ** 24;

export class MergeTable {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  /** Rank of the merge of a pair of interned ids. */
  readonly rankOf = new Map<number, number>();
  /** Interned id of each merge's result, by rank. */
  readonly result: Int32Array;

  constructor(merges: [string, string][]) {
    this.result = new Int32Array(merges.length);
    merges.forEach(([left, right], rank) => {
      const key = this.intern(left) * PAIR_SPAN + this.intern(right);
      // The library's Map keeps the last rank of a pair listed twice.
      this.rankOf.set(key, rank);
      this.result[rank] = this.intern(left + right);
    });
  }

  intern(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.strings.length;
      if (id >= PAIR_SPAN) throw new RangeError('too many distinct symbols for the long-word merger');
      this.strings.push(text);
      this.ids.set(text, id);
    }
    return id;
  }
}

/** A binary min-heap of candidate merges ordered by (rank, position), with the versions of the two symbols. */
class MergeQueue {
  private size = 0;
  private rank = new Int32Array(1024);
  private pos = new Int32Array(1024);
  private leftVersion = new Int32Array(1024);
  private rightVersion = new Int32Array(1024);

  get length(): number {
    return this.size;
  }

  private before(a: number, b: number): boolean {
    const [ra, rb] = [this.rank[a] as number, this.rank[b] as number];
    return ra < rb || (ra === rb && (this.pos[a] as number) < (this.pos[b] as number));
  }

  private swap(a: number, b: number): void {
    for (const column of [this.rank, this.pos, this.leftVersion, this.rightVersion]) [column[a], column[b]] = [column[b] as number, column[a] as number];
  }

  push(rank: number, pos: number, leftVersion: number, rightVersion: number): void {
    if (this.size === this.rank.length) {
      const grow = (column: Int32Array) => {
        const wider = new Int32Array(column.length * 2);
        wider.set(column);
        return wider;
      };
      [this.rank, this.pos, this.leftVersion, this.rightVersion] = [grow(this.rank), grow(this.pos), grow(this.leftVersion), grow(this.rightVersion)];
    }
    let at = this.size++;
    [this.rank[at], this.pos[at], this.leftVersion[at], this.rightVersion[at]] = [rank, pos, leftVersion, rightVersion];
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.before(at, parent)) break;
      this.swap(at, parent);
      at = parent;
    }
  }

  /** Removes the first entry; returns [rank, position, left version, right version]. */
  pop(): [number, number, number, number] {
    const top: [number, number, number, number] = [
      this.rank[0] as number,
      this.pos[0] as number,
      this.leftVersion[0] as number,
      this.rightVersion[0] as number,
    ];
    const last = --this.size;
    this.swap(0, last);
    let at = 0;
    for (;;) {
      const [left, right] = [2 * at + 1, 2 * at + 2];
      let first = at;
      if (left < last && this.before(left, first)) first = left;
      if (right < last && this.before(right, first)) first = right;
      if (first === at) break;
      this.swap(at, first);
      at = first;
    }
    return top;
  }
}

/** The library's `bpe(token)` for a long word (see the file comment). */
export function mergeLongWord(token: string, table: MergeTable, endOfWordSuffix: string, continuingSuffix: string): string[] {
  const symbols: number[] = [];
  for (const ch of token) symbols.push(table.intern(ch));
  const n = symbols.length;
  if (endOfWordSuffix !== '' && n > 0) symbols[n - 1] = table.intern((table.strings[symbols[n - 1] as number] as string) + endOfWordSuffix);
  const ids = Int32Array.from(symbols);
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  // Bumped whenever a slot's symbol changes, -1 once it is merged into its left neighbour.
  const version = new Int32Array(n);
  for (let i = 0; i < n; i++) [prev[i], next[i]] = [i - 1, i + 1 < n ? i + 1 : -1];
  const queue = new MergeQueue();
  const offer = (left: number) => {
    const right = next[left] as number;
    if (right < 0) return;
    const rank = table.rankOf.get((ids[left] as number) * PAIR_SPAN + (ids[right] as number));
    if (rank !== undefined) queue.push(rank, left, version[left] as number, version[right] as number);
  };
  for (let i = 0; i + 1 < n; i++) offer(i);
  while (queue.length > 0) {
    // A merge queued before either symbol changed (or died) is stale: the library skips it the same way.
    const [rank, left, leftVersion, rightVersion] = queue.pop();
    const right = next[left] as number;
    if (version[left] !== leftVersion || right < 0 || version[right] !== rightVersion) continue;
    ids[left] = table.result[rank] as number;
    version[left] = (version[left] as number) + 1;
    version[right] = -1;
    const after = next[right] as number;
    next[left] = after;
    if (after >= 0) prev[after] = left;
    if ((prev[left] as number) >= 0) offer(prev[left] as number);
    offer(left);
  }
  const result: string[] = [];
  for (let at = 0; at >= 0 && at < n; at = next[at] as number) result.push(table.strings[ids[at] as number] as string);
  if (continuingSuffix !== '') for (let i = 0; i < result.length - 1; i++) result[i] += continuingSuffix;
  return result;
}

/** Routes the library model's long words to `mergeLongWord`; other models are left alone. */
export function mergeLongWordsInTypedArrays(model: unknown): void {
  const bpe = model as Partial<LibraryBpe> | null;
  if (bpe === null || typeof bpe.bpe !== 'function' || !Array.isArray(bpe.merges)) return;
  const library = bpe.bpe.bind(bpe);
  const merges = bpe.merges;
  let table: MergeTable | null = null;
  bpe.bpe = (token: string) => {
    if (token.length < LONG_WORD) return library(token);
    table ??= new MergeTable(merges);
    return mergeLongWord(token, table, bpe.end_of_word_suffix ?? '', bpe.continuing_subword_suffix ?? '');
  };
}
