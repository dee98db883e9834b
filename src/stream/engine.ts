// The streaming core shared by `prepareIter`, `prepareStream` and the CLI: a source of JSON-lines bytes
// (or record objects) becomes prepared batches, in order, with a bounded number of chunks in flight.
// The JS thread only finds line ends and moves buffers; parsing, tokenization and labels run natively.

import type { PreparedBatch, Preparer } from '../prepare/preparer.js';
import { describe } from '../validate.js';
import { LineChunker, type LineChunk } from './line-chunker.js';

export interface ChunkingOptions {
  /** Bytes of JSON lines per natively prepared chunk (default 1 MiB: measured fastest; larger chunks touch more fresh memory). */
  chunkBytes?: number;
  /** Longest accepted line in bytes (default 16 MiB: tokenizing takes ~120 bytes per input byte); longer ones follow `onError`. */
  maxLineBytes?: number;
  /** Chunks in flight (default 3): prepared on the native thread pool while the next are read. */
  inflight?: number;
  signal?: AbortSignal;
}

export const DEFAULT_CHUNK_BYTES = 1 << 20;
export const DEFAULT_MAX_LINE_BYTES = 16 << 20;

/** JSON-lines bytes (Buffer, Uint8Array, string) or record objects, one record per object. */
export type RecordSource = AsyncIterable<unknown> | Iterable<unknown>;

export interface ChunkProgress {
  /** Input bytes consumed so far (of the bytes given, before any decompression you did). */
  bytes: number;
  /** Lines (records) read so far, blank lines included. */
  lines?: number;
}

function toBuffer(item: unknown): { buffer: Buffer; bytes: boolean } {
  if (item instanceof Uint8Array) return { buffer: Buffer.from(item.buffer, item.byteOffset, item.byteLength), bytes: true };
  if (typeof item === 'string') return { buffer: Buffer.from(item, 'utf8'), bytes: true };
  if (item !== null && typeof item === 'object') {
    // One record object is one line, so record numbers stay line numbers.
    return { buffer: Buffer.from(`${JSON.stringify(item)}\n`, 'utf8'), bytes: false };
  }
  throw new TypeError(`a source item must be a Buffer, Uint8Array, string or record object, got ${describe(item)}`);
}

export function checkChunking(options: ChunkingOptions): Required<Omit<ChunkingOptions, 'signal'>> {
  const positive = (name: string, v: number | undefined, fallback: number) => {
    if (v === undefined) return fallback;
    if (!Number.isSafeInteger(v) || v < 1) throw new TypeError(`${name} must be a positive whole number, got ${describe(v)}`);
    return v;
  };
  return {
    chunkBytes: positive('chunkBytes', options.chunkBytes, DEFAULT_CHUNK_BYTES),
    maxLineBytes: positive('maxLineBytes', options.maxLineBytes, DEFAULT_MAX_LINE_BYTES),
    inflight: positive('inflight', options.inflight, 3),
  };
}

/**
 * The items of `source` until `signal` aborts: an abort ends the wait for a source that has stalled (a
 * socket that sends nothing) instead of waiting for its next item, and asks the source to close.
 */
async function* untilAborted<T>(source: AsyncIterable<T> | Iterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  if (signal === undefined) {
    yield* source;
    return;
  }
  const iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
  let stop: (reason: unknown) => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    stop = reject;
  });
  aborted.catch(() => undefined);
  const onAbort = () => stop(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let done = false;
  try {
    for (;;) {
      signal.throwIfAborted();
      const next = await Promise.race([Promise.resolve(iterator.next()), aborted]);
      if (next.done === true) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Closes the source when it was left early; not awaited, as a stalled source may never answer.
    if (!done) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

/** Line chunks of a source, with the bytes consumed. */
async function* lineChunks(
  source: RecordSource,
  chunkBytes: number,
  maxLineBytes: number,
  progress: ChunkProgress,
  stopAtOversized: boolean,
  signal?: AbortSignal,
): AsyncGenerator<LineChunk> {
  const chunker = new LineChunker(chunkBytes, maxLineBytes, stopAtOversized);
  let bytes: boolean | null = null;
  for await (const item of untilAborted(source as AsyncIterable<unknown>, signal)) {
    const converted = toBuffer(item);
    if (bytes !== null && bytes !== converted.bytes) throw new TypeError('a source must hold either JSON-lines bytes/strings or record objects, not both');
    bytes = converted.bytes;
    progress.bytes += converted.buffer.length;
    yield* chunker.push(converted.buffer);
    // Leaving the loop ends the source (a file stream is closed): nothing after that line is read.
    if (chunker.stopped) return;
  }
  yield* chunker.end();
}

/**
 * Prepared batches of `source`, in input order. Record numbers are line numbers (one object = one line).
 * At most `inflight` chunks are held at once, so memory is bounded when the consumer is slow.
 */
export async function* preparedBatches(
  preparer: Preparer,
  source: RecordSource,
  options: ChunkingOptions = {},
  progress: ChunkProgress = { bytes: 0 },
  /** Records before this source (earlier files of one input): its line n is record `recordOffset + n`. */
  recordOffset = 0,
): AsyncGenerator<PreparedBatch> {
  const { chunkBytes, maxLineBytes, inflight } = checkChunking(options);
  const signal = options.signal;
  const queue: Promise<PreparedBatch>[] = [];
  for await (const chunk of lineChunks(source, chunkBytes, maxLineBytes, progress, preparer.options.onError === 'fail', signal)) {
    signal?.throwIfAborted();
    progress.lines = chunk.firstLine + chunk.lines - 1;
    const pending = preparer.prepareJsonLinesBytes(chunk.bytes, {
      firstRecordNumber: chunk.firstLine + recordOffset,
      oversized: { lines: recordOffset === 0 ? chunk.oversized : chunk.oversized.map(([line, bytes]) => [line + recordOffset, bytes]), limit: maxLineBytes },
      ...(signal ? { signal } : {}),
    });
    // Handled when its turn comes; this only keeps a later chunk's failure from being reported as unhandled.
    pending.catch(() => undefined);
    queue.push(pending);
    if (queue.length >= inflight) yield await (queue.shift() as Promise<PreparedBatch>);
  }
  while (queue.length > 0) yield await (queue.shift() as Promise<PreparedBatch>);
}
