// What every TypeScript format writer implements (twin of the Rust `DatasetWriter` trait).

import type { PackedColumns, RowColumns } from '../../twin/rows.js';

export interface WriteSummary {
  format: string;
  rows: number;
  tokens: number;
  /** Files relative to the output path (a directory for npy and bin). */
  files: string[];
  /** Format details a reader needs (dtype, shape, chunk size, columns). */
  layout: Record<string, unknown>;
}

export interface FormatWriter {
  write(rows: RowColumns, packed: PackedColumns | null): void;
  finish(): WriteSummary;
  abort(): void;
}
