// Several record files prepared as one stream: files in order, record numbers running on across them (so
// `shard` and the stats name every record once), errors and skip reasons naming the file and its line or
// row, and a summary of each file (size, SHA-256, record range) for the sidecar.

import { RecordError } from '../errors.js';
import type { PreparedBatch, Preparer } from '../prepare/preparer.js';
import { checkColumns, neededColumns } from '../input/check-columns.js';
import { openUnit } from '../input/open-unit.js';
import { openInput, inputFormat, regularFileSize, sha256File, type InputFiles, type InputSummary, type OpenedInput } from '../input/files.js';
import { preparedBatches, type ChunkingOptions, type ChunkProgress } from './engine.js';

const RECORD_PREFIX = /^record (\d+): /;

/** `record 1017: field …` → `record 1017 (data/b.parquet row 17, row group 1 of 2): field …`. */
function named(reason: string, file: OpenedInput, offset: number): string {
  const match = RECORD_PREFIX.exec(reason);
  if (match === null) return reason;
  const record = Number(match[1]);
  return `record ${record} (${file.label(record - offset)}): ${reason.slice(match[0].length)}`;
}

function nameBatch(batch: PreparedBatch, file: OpenedInput, offset: number): void {
  for (const entry of batch.stats.skipped.invalid) entry.reason = named(entry.reason, file, offset);
}

function nameError(error: unknown, file: OpenedInput, offset: number): unknown {
  if (!(error instanceof RecordError) || error.source !== undefined) return error;
  return new RecordError(error.record, error.field, error.detail, { cause: error, source: file.label(error.record - offset) });
}

/** The batches of one opened file or unit, its records numbered from `offset` + 1; returns how many it held. */
async function* openedBatches(
  preparer: Preparer,
  file: OpenedInput,
  chunking: ChunkingOptions,
  progress: ChunkProgress,
  at: { offset: number; bytesBefore: number; nameRecords: boolean },
): AsyncGenerator<PreparedBatch, number> {
  const own: ChunkProgress = { bytes: 0 };
  try {
    for await (const batch of preparedBatches(preparer, file.source, chunking, own, at.offset)) {
      if (at.nameRecords) nameBatch(batch, file, at.offset);
      progress.bytes = at.bytesBefore + file.bytesRead();
      yield batch;
    }
  } catch (error) {
    throw at.nameRecords ? nameError(error, file, at.offset) : error;
  }
  return file.slots() ?? own.lines ?? 0;
}

/** Prepared batches of every file of `files`, in order; `summaries` receives each file as it completes. */
export async function* inputBatches(
  preparer: Preparer,
  files: InputFiles,
  chunking: ChunkingOptions,
  progress: ChunkProgress,
  summaries: InputSummary[],
): AsyncGenerator<PreparedBatch> {
  if (files.plan !== null) {
    yield* unitBatches(preparer, files, chunking, progress, summaries);
    return;
  }
  // A misspelt column fails before any file is read.
  await checkColumns(files.paths, preparer.options);
  const nameRecords = files.namesFiles;
  let offset = 0;
  let bytesBefore = 0;
  for (const path of files.paths) {
    // Hashed in a pass of its own beside the records' (both from the page cache), not before them: that pass
    // held back the first record by ~0.1 s per 100 MB. Pipes and devices are read once, unhashed.
    const size = regularFileSize(path);
    const stopHashing = new AbortController();
    const hashing = size === null ? null : sha256File(path, stopHashing.signal);
    // Awaited once the records are done; this only keeps a failure meanwhile from counting as unhandled.
    hashing?.catch(() => undefined);
    let records: number;
    let file: OpenedInput;
    let completed = false;
    try {
      file = await openInput(path, neededColumns(preparer.options));
      records = yield* openedBatches(preparer, file, chunking, progress, { offset, bytesBefore, nameRecords });
      completed = true;
    } finally {
      // A run stopped early (an error, a consumer that left) reads no further for a hash nobody takes.
      if (!completed) stopHashing.abort();
    }
    const sha256 = hashing === null ? null : await hashing;
    const bytes = file.bytesRead();
    summaries.push({ path, format: inputFormat(path), bytes: size, sha256, firstRecord: offset + 1, records });
    offset += records;
    bytesBefore += bytes;
    progress.bytes = bytesBefore;
  }
}

/**
 * A shard's work units, in order: records numbered on across its units (the shard's own numbers; the
 * stats of all shards, merged, give the single run's), each named by its file and line or row.
 */
async function* unitBatches(
  preparer: Preparer,
  files: InputFiles,
  chunking: ChunkingOptions,
  progress: ChunkProgress,
  summaries: InputSummary[],
): AsyncGenerator<PreparedBatch> {
  const units = files.plan?.units ?? [];
  await checkColumns([...new Set(units.map((u) => u.path))], preparer.options);
  let offset = 0;
  let bytesBefore = 0;
  for (const unit of units) {
    const file = await openUnit(unit, neededColumns(preparer.options));
    const records = yield* openedBatches(preparer, file, chunking, progress, { offset, bytesBefore, nameRecords: true });
    const bytesRead = file.bytesRead();
    summaries.push({
      path: unit.path,
      format: unit.format,
      bytes: regularFileSize(unit.path),
      sha256: null,
      firstRecord: offset + 1,
      records,
      unit: {
        kind: unit.kind,
        start: unit.start,
        end: unit.end,
        ...(unit.rowGroups === undefined ? {} : { rowGroups: [unit.rowGroups.first, unit.rowGroups.end] as [number, number] }),
      },
      bytesRead,
      readSha256: file.readSha256?.() ?? '',
    });
    offset += records;
    bytesBefore += bytesRead;
    progress.bytes = bytesBefore;
  }
}
