// The public streaming API: `prepareIter(source, options)` (async iterable) and
// `prepareStream(tokenizer, options)` (a Node Duplex). Both yield PreparedBatch objects (many rows
// as flat typed arrays), or PackedBatch objects with `pack`, in input order.

import { Duplex } from 'node:stream';

import type { PackedBatch, PackOptions } from '../pack/pack.js';
import type { PrepareOptions } from '../twin/prepare/options.js';
import { OptionError } from '../errors.js';
import { InputFiles, type InputSummary } from '../input/files.js';
import { createPreparer, type PreparedBatch } from '../prepare/preparer.js';
import { inputBatches } from './inputs.js';
import type { Tokenizer } from '../tokenizer.js';
import { checkChunking, preparedBatches, type ChunkingOptions, type ChunkProgress, type RecordSource } from './engine.js';
import { addBatch, emptyTotals, type StreamTotals } from './totals.js';
import { WindowPacker, type PackTotals } from './window-packer.js';

export interface StreamPrepareOptions extends PrepareOptions, ChunkingOptions {
  /** Pack rows as they stream: `window` examples are packed at a time (default 20,000). */
  pack?: Omit<PackOptions, 'shift'> & { window?: number };
}

export interface PrepareIterOptions extends StreamPrepareOptions {
  tokenizer: Tokenizer;
}

/** Counters of a finished (or running) stream. */
export interface StreamReport {
  totals: StreamTotals;
  packing: PackTotals | null;
  bytes: number;
  /** Files of an `inputFiles(...)` source as each completes: path, size, SHA-256 and record range. */
  inputs: InputSummary[];
}

function split(options: StreamPrepareOptions): { prepare: PrepareOptions; chunking: ChunkingOptions; pack: StreamPrepareOptions['pack'] } {
  const { chunkBytes, maxLineBytes, inflight, signal, pack, ...prepare } = options;
  const chunking: ChunkingOptions = { ...checkChunking({ chunkBytes, maxLineBytes, inflight }), ...(signal ? { signal } : {}) };
  // Best-fit packing keeps at most blockSize tokens of an example: cut in prepare, so that the records it
  // leaves with nothing to learn are skipped and counted by record number, exactly as without packing.
  const block = pack?.mode === 'bfd' ? pack.blockSize : undefined;
  if (typeof block === 'number' && Number.isSafeInteger(block) && block >= 2) {
    const limit = typeof prepare.maxLength === 'number' ? Math.min(prepare.maxLength, block) : block;
    return { prepare: { ...prepare, maxLength: limit, ...(pack?.truncation !== undefined ? { truncation: pack.truncation } : {}) }, chunking, pack };
  }
  return { prepare, chunking, pack };
}

/** Batches of `source` (JSON-lines bytes/strings, record objects, or `inputFiles(...)`) with a live report. */
export function prepareBatches(
  tokenizer: Tokenizer,
  source: RecordSource | InputFiles,
  options: StreamPrepareOptions,
): { batches: AsyncGenerator<PreparedBatch | PackedBatch>; report: StreamReport } {
  const { prepare, chunking, pack } = split(options);
  const preparer = createPreparer(tokenizer, prepare);
  if (pack !== undefined && preparer.options.keep.length > 0)
    throw new OptionError('invalid option `keep`: a packed row holds several records, so their columns cannot be kept; drop `pack` or `keep`');
  const progress: ChunkProgress = { bytes: 0 };
  const packer =
    pack === undefined
      ? null
      : new WindowPacker({ ...pack, shift: preparer.options.shift, ignoreIndex: pack.ignoreIndex ?? preparer.options.ignoreIndex }, pack.window);
  const report: StreamReport = { totals: emptyTotals(), packing: packer?.totals ?? null, bytes: 0, inputs: [] };
  const batches =
    source instanceof InputFiles ? inputBatches(preparer, source, chunking, progress, report.inputs) : preparedBatches(preparer, source, chunking, progress);
  async function* run(): AsyncGenerator<PreparedBatch | PackedBatch> {
    for await (const batch of batches) {
      addBatch(report.totals, batch);
      report.bytes = progress.bytes;
      if (packer === null) yield batch;
      else yield* packer.push(batch);
    }
    if (packer !== null) yield* packer.end();
  }
  return { batches: run(), report };
}

/**
 * `for await (const batch of prepareIter(source, { tokenizer, shift: 'model' }))`: `source` is any
 * (async) iterable of JSON-lines bytes or strings (e.g. `fs.createReadStream(path)`, piped through
 * `zlib.createGunzip()` for .gz) or of record objects, or files: `inputFiles('data/')` (Parquet, JSON
 * lines, gzip, JSON arrays; a folder, a glob or a list). Work runs natively, chunk by chunk. `report`
 * fills in as batches are taken: totals, and for files each file's records and bytes read.
 */
export function prepareIter(
  source: RecordSource | InputFiles,
  options: PrepareIterOptions,
): AsyncGenerator<PreparedBatch | PackedBatch> & { report: StreamReport } {
  const { tokenizer, ...rest } = options;
  const { batches, report } = prepareBatches(tokenizer, source, rest);
  return Object.assign(batches, { report });
}

/**
 * A Duplex (`Duplex.from` over an async generator): write JSON-lines bytes/strings or record objects, read
 * PreparedBatch (or PackedBatch) objects in order. Backpressure is Node's own: a written item is taken only
 * when the generator asks for the next one, so at most `inflight` chunks are prepared ahead of a slow reader.
 * Errors (naming the record's line number) reach the `error` event; `signal` aborts. `report` holds the
 * counters; it is complete when the stream ends.
 */
export function prepareStream(tokenizer: Tokenizer, options: StreamPrepareOptions): Duplex & { report: StreamReport } {
  let written: AsyncIterable<unknown> | null = null;
  // The engine starts iterating its source on the first read, by which time Duplex.from has handed us the writable side.
  const source: AsyncIterable<unknown> = { [Symbol.asyncIterator]: () => (written as AsyncIterable<unknown>)[Symbol.asyncIterator]() };
  const { batches, report } = prepareBatches(tokenizer, source, options);
  const stream = Duplex.from(async function* (input: AsyncIterable<unknown>) {
    written = input;
    try {
      yield* batches;
    } finally {
      await batches.return(undefined);
    }
  });
  options.signal?.addEventListener('abort', () => stream.destroy(options.signal?.reason as Error), { once: true });
  return Object.assign(stream, { report });
}
