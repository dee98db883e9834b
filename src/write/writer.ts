// The public `createDatasetWriter(path, options)`: rows in (PreparedBatch or PackedBatch, in order),
// training-ready files out, with a metadata sidecar `<path>.meta.json`. Native writers live in
// crates/tokenshift-core/src/write; ./ts holds the TypeScript twins (Parquet is native only).

import { writeFileSync } from 'node:fs';

import { nativeAddonFor } from '../backend/dispatch.js';
import type { NativeAddon } from '../backend/native-addon.js';
import { typedNativeError } from '../backend/native-errors.js';
import { NativeUnavailableError, OptionError, TokenshiftError, WriteError } from '../errors.js';
import { normalizeWriterOptions, TOKEN_ARRAY_FORMATS, type NormalizedWriterOptions, type WriterOptions } from './options.js';
import { checkRowColumns, validateRows, type RowColumns } from '../twin/rows.js';
import type { FormatWriter, WriteSummary } from './ts/format-writer.js';
import { JsonlWriter } from './ts/jsonl.js';
import { LitBinWriter } from './ts/litbin.js';
import { LitdataWriter } from './ts/litdata.js';
import { MdsWriter } from './ts/mds.js';
import { MegatronWriter } from './ts/megatron.js';
import { MemmapWriter } from './ts/memmap.js';
import { NpyWriter } from './ts/npy.js';
import { abortOnSignal } from './signal-cleanup.js';
import { PendingPath } from './ts/pending.js';

export type { WriteSummary } from './ts/format-writer.js';

/** What `finish` wrote to the sidecar: the caller's metadata plus `output` (what was written). */
export type DatasetMetadata = Record<string, unknown> & { output: WriteSummary };

export interface DatasetWriter {
  readonly path: string;
  readonly options: Readonly<NormalizedWriterOptions>;
  readonly backend: 'native' | 'ts';
  /** Appends rows in order. */
  write(rows: RowColumns): void;
  /** Same as `write`, off the JS thread on the native backend; await each call before the next. */
  writeAsync(rows: RowColumns): Promise<void>;
  /** Completes and renames the files, then writes `<path>.meta.json` = `metadata` + `output`. */
  finish(metadata?: Record<string, unknown>): DatasetMetadata;
  /** Removes the temporary files; nothing appears at `path`. */
  abort(): void;
}

class NativeDatasetWriter implements DatasetWriter {
  readonly backend = 'native';
  private readonly inner: InstanceType<NativeAddon['NativeDatasetWriter']>;

  constructor(
    readonly path: string,
    readonly options: NormalizedWriterOptions,
    addon: NativeAddon,
  ) {
    this.inner = wrap(() => new addon.NativeDatasetWriter(path, JSON.stringify(options)));
    this.release = abortOnSignal(() => this.inner.abort());
  }

  private readonly release: () => void;

  write(rows: RowColumns): void {
    const packed = checkRowColumns(rows);
    wrap(() => this.inner.write(rows.inputIds, rows.labels, rows.offsets, packed?.positionIds, packed?.seqLens, packed?.seqOffsets, rows.kept?.slice()));
  }

  async writeAsync(rows: RowColumns): Promise<void> {
    const packed = checkRowColumns(rows);
    try {
      await this.inner.writeAsync(rows.inputIds, rows.labels, rows.offsets, packed?.positionIds, packed?.seqLens, packed?.seqOffsets, rows.kept?.slice());
    } catch (error) {
      wrap(() => {
        throw error;
      });
    }
  }

  finish(metadata: Record<string, unknown> = {}): DatasetMetadata {
    try {
      return JSON.parse(wrap(() => this.inner.finish(JSON.stringify(metadata)))) as DatasetMetadata;
    } finally {
      this.release();
    }
  }

  abort(): void {
    this.inner.abort();
    this.release();
  }
}

class TsDatasetWriter implements DatasetWriter {
  readonly backend = 'ts';
  private writer: FormatWriter | null;
  private readonly release: () => void;

  constructor(
    readonly path: string,
    readonly options: NormalizedWriterOptions,
  ) {
    this.writer = wrap(() => {
      switch (options.format) {
        case 'jsonl':
          return new JsonlWriter(path);
        case 'npy':
          return new NpyWriter(path, options);
        case 'bin':
          return new LitBinWriter(path, options);
        case 'megatron':
          return new MegatronWriter(path, options);
        case 'litdata':
          return new LitdataWriter(path, options);
        case 'mds':
          return new MdsWriter(path, options);
        case 'memmap':
          return new MemmapWriter(path, options);
        case 'parquet':
          throw new NativeUnavailableError(
            'the Parquet writer is native only: build the addon (npm run build:native) or choose jsonl, npy, bin, megatron, litdata, mds or memmap',
          );
      }
    });
    this.release = abortOnSignal(() => this.abort());
  }

  private open(): FormatWriter {
    if (this.writer === null) throw new WriteError('this writer was already finished or aborted');
    return this.writer;
  }

  write(rows: RowColumns): void {
    const packed = checkRowColumns(rows);
    const writer = this.open();
    wrap(() => {
      validateRows(rows, packed);
      // Twin of write/kept.rs `refuse_for`: these hold token arrays only.
      if (TOKEN_ARRAY_FORMATS.includes(this.options.format) && rows.kept?.some((k) => k !== '{}'))
        throw new OptionError(`invalid option \`keep\`: ${this.options.format} output holds token arrays only; kept columns need jsonl or parquet`);
      writer.write(rows, packed);
    });
  }

  async writeAsync(rows: RowColumns): Promise<void> {
    this.write(rows);
  }

  finish(metadata: Record<string, unknown> = {}): DatasetMetadata {
    const writer = this.open();
    this.writer = null;
    this.release();
    try {
      return wrap(() => {
        const out = { ...metadata, output: writer.finish() };
        const sidecar = new PendingPath(`${this.path}.meta.json`, false);
        writeFileSync(sidecar.temporary, `${JSON.stringify(out, null, 2)}\n`);
        sidecar.commit();
        return out;
      });
    } catch (error) {
      // Finishing writes the last data (a full disk can fail it): nothing half-written may stay behind.
      writer.abort();
      throw error;
    }
  }

  abort(): void {
    this.writer?.abort();
    this.writer = null;
    this.release();
  }
}

function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof TokenshiftError || error instanceof TypeError) throw error;
    throw typedNativeError(error, WriteError);
  }
}

export function withoutTrailingSeparators(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  return trimmed === '' ? path : trimmed;
}

/**
 * A writer for one output. `path` is a file for jsonl and parquet, a directory for npy (one `.npy` per
 * column), bin (lit-gpt chunks), megatron (indexed datasets), litdata (TokensLoader chunks), mds (MosaicML shards) and memmap (OLMo token arrays). Nothing
 * appears at `path` until `finish`.
 */
export function createDatasetWriter(path: string, options: WriterOptions = {}): DatasetWriter {
  if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string');
  // `out/` and `out` are the same output, and its sidecar is `out.meta.json` beside it, not inside it.
  path = withoutTrailingSeparators(path);
  const normalized = normalizeWriterOptions(path, options);
  const addon = nativeAddonFor(options.backend, 'createDatasetWriter');
  return addon === null ? new TsDatasetWriter(path, normalized) : new NativeDatasetWriter(path, normalized, addon);
}
