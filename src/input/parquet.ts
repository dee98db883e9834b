// Parquet input: read natively (the `parquet` crate), row group after row group, as JSON lines, one line per
// row, so the record pipeline numbers rows as it numbers lines. Rows come in slices of about 4 MiB
// whatever the row group size (memory stays bounded by a slice, not a row group); the next slice is read
// while the current one is prepared. Without the native addon there is no Parquet reader: the error says so.

import { nativeOnlyAddon } from '../backend/dispatch.js';
import type { NativeAddon } from '../backend/native-addon.js';
import { typedNativeError } from '../backend/native-errors.js';

export interface ParquetLayout {
  columns: string[];
  /** Every leaf column as a dotted path (`messages.list.element.role`). */
  leafPaths: string[];
  rowGroupRows: number[];
  /** `[start, end)` bytes of each row group's column chunks. */
  rowGroupByteRanges: [number, number][];
}

type NativeReader = InstanceType<NativeAddon['NativeParquetReader']>;

export class ParquetInput implements ParquetLayout {
  readonly columns: string[];
  readonly leafPaths: string[];
  readonly rowGroupRows: number[];
  readonly rowGroupByteRanges: [number, number][];
  readonly rows: number;
  private readonly reader: NativeReader;

  constructor(readonly path: string) {
    const addon = nativeOnlyAddon(
      `reading Parquet (${path})`,
      'The TypeScript fallback reads JSON lines, JSON arrays and gzip: convert the file first, or install on a platform with a prebuilt binary',
    );
    this.reader = wrapNative(() => new addon.NativeParquetReader(path));
    this.columns = this.reader.columns;
    this.leafPaths = this.reader.leafPaths;
    this.rowGroupRows = this.reader.rowGroupRows;
    this.rowGroupByteRanges = this.reader.rowGroupByteRanges.map(([start, end]) => [start as number, end as number]);
    this.rows = this.rowGroupRows.reduce((a, b) => a + b, 0);
  }

  /** The top-level columns records can use: a file of more than 64 columns decodes only these. Before the first read. */
  selectColumns(columns: readonly string[]): void {
    this.reader.selectColumns([...columns]);
  }

  /** Read only row groups [first, end) (0-based): a shard's work units. Before the first read. */
  selectRowGroups(first: number, end: number): void {
    this.reader.selectRowGroups(first, end);
  }

  /** Bytes the row reader has taken from the file so far (footer included), and their SHA-256 in the order read. */
  get bytesRead(): number {
    return this.reader.bytesRead;
  }

  get readSha256(): string {
    return this.reader.readSha256;
  }

  /** Row group and its 1-based number for 1-based row `row` of the file. */
  rowGroupOf(row: number): { group: number; groups: number } {
    let last = 0;
    for (let g = 0; g < this.rowGroupRows.length; g++) {
      last += this.rowGroupRows[g] as number;
      if (row <= last) return { group: g + 1, groups: this.rowGroupRows.length };
    }
    return { group: this.rowGroupRows.length, groups: this.rowGroupRows.length };
  }

  /** The rows as JSON-lines slices, in order, one slice read ahead; `onRows` counts the rows of each. */
  async *slices(onRows: (rows: number) => void = () => undefined): AsyncGenerator<Buffer> {
    const read = () => this.reader.readRowsAsync().catch((error: unknown) => Promise.reject(typedNativeError(error)));
    let next = read();
    for (;;) {
      const current = await next;
      if (current.length === 0) return;
      next = read();
      // A failed read-ahead is reported when its turn comes, not as an unhandled rejection.
      next.catch(() => undefined);
      onRows(lineCount(current));
      yield current;
    }
  }
}

/** Rows in a slice: one line each (JSON text holds no raw newline). */
function lineCount(lines: Buffer): number {
  let count = 0;
  for (let at = lines.indexOf(0x0a); at >= 0; at = lines.indexOf(0x0a, at + 1)) count++;
  return count;
}

function wrapNative<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    throw typedNativeError(error);
  }
}
