// A work unit opened for reading: its records, where each record number points (file line or row), and
// what was read from disk for it (bytes and their hash, for the shard's completion record).

import { openInput, type OpenedInput } from './files.js';
import { lineRange, ReadTally } from './line-range.js';
import { ParquetInput } from './parquet.js';
import type { WorkUnit } from './work-units.js';

export async function openUnit(unit: WorkUnit, neededColumns?: readonly string[]): Promise<OpenedInput> {
  const tally = new ReadTally();
  const { path } = unit;
  if (unit.kind === 'row-groups' && unit.rowGroups !== undefined) {
    const { first, end, firstRow } = unit.rowGroups;
    const parquet = new ParquetInput(path);
    if (neededColumns !== undefined) parquet.selectColumns(neededColumns);
    parquet.selectRowGroups(first, end);
    const rows = parquet.rowGroupRows.slice(first, end).reduce((a, b) => a + b, 0);
    return {
      source: parquet.slices(),
      label: (n) => {
        const row = firstRow + n - 1;
        const { group, groups } = parquet.rowGroupOf(row);
        return `${path} row ${row}, row group ${group} of ${groups}`;
      },
      slots: () => rows,
      bytesRead: () => parquet.bytesRead,
      readSha256: () => parquet.readSha256,
    };
  }
  if (unit.kind === 'lines') {
    const from = unit.start;
    return {
      source: lineRange(path, unit.start, unit.end, tally),
      // Line numbers of a unit that starts mid-file count from its first line: the lines before it were not read.
      label: (n) => (from === 0 ? `${path} line ${n}` : `${path} line ${n} after byte ${from}`),
      slots: () => null,
      bytesRead: () => tally.bytes,
      readSha256: () => tally.sha256(),
    };
  }
  // A whole file (gzip JSON lines, a JSON array): read as without sharding, its bytes counted.
  return openInput(path, neededColumns, tally);
}
