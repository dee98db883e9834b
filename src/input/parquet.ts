// Parquet input: read natively (the `parquet` crate), one row group at a time as JSON lines, one line per
// row, so the record pipeline numbers rows as it numbers lines. The next row group is read while the
// current one is prepared. Without the native addon there is no Parquet reader: the error says so.

import { nativeOnlyAddon } from '../backend/dispatch.js';
import type { NativeAddon } from '../backend/native-addon.js';
import { typedNativeError } from '../backend/native-errors.js';

export interface ParquetLayout {
  columns: string[];
  /** Every leaf column as a dotted path (`messages.list.element.role`). */
  leafPaths: string[];
  rowGroupRows: number[];
}

type NativeReader = InstanceType<NativeAddon['NativeParquetReader']>;

export class ParquetInput implements ParquetLayout {
  readonly columns: string[];
  readonly leafPaths: string[];
  readonly rowGroupRows: number[];
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
    this.rows = this.rowGroupRows.reduce((a, b) => a + b, 0);
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

  /** Row groups as JSON-lines buffers, in order, one read ahead. */
  async *rowGroups(): AsyncGenerator<Buffer> {
    const count = this.rowGroupRows.length;
    const read = (g: number): Promise<Buffer> => this.reader.readRowGroupAsync(g).catch((error: unknown) => Promise.reject(typedNativeError(error)));
    let next: Promise<Buffer> | null = count > 0 ? read(0) : null;
    for (let g = 0; g < count; g++) {
      const current = next as Promise<Buffer>;
      next = g + 1 < count ? read(g + 1) : null;
      // A failed read-ahead is reported when its turn comes, not as an unhandled rejection.
      next?.catch(() => undefined);
      yield await current;
    }
  }
}

function wrapNative<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    throw typedNativeError(error);
  }
}
