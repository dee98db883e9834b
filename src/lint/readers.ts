// Reading a prepared dataset back, in any format tokenshift writes, as a stream of rows for `lint`.
// These readers follow each format's description (README "Output formats"), not the writers' code. Every
// row's columns are checked to be lists of int32 whole numbers, and any failure names the file (and the
// line or row), never a bare JS error.

import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';

import { TokenshiftError, errorMessage } from '../errors.js';
import { litChunkRows } from './lit-chunks.js';
import { litdataRows } from './litdata-chunks.js';
import { mdsRows } from './mds-shards.js';
import { npyRows } from './npy-columns.js';
import { megatronRows, memmapRows } from './token-arrays.js';

export interface DatasetRow {
  input_ids: ArrayLike<number>;
  /** Absent in lit-gpt .bin chunks: the trainer derives targets from the token stream. */
  labels: ArrayLike<number> | null;
  position_ids?: ArrayLike<number>;
  /** Example lengths of a packed row. */
  seq_lens?: ArrayLike<number>;
  attention_mask?: ArrayLike<number>;
}

export type DatasetKind = 'jsonl' | 'parquet' | 'npy' | 'bin' | 'megatron' | 'litdata' | 'mds' | 'memmap';

const OPTIONAL_COLUMNS = ['labels', 'position_ids', 'seq_lens', 'attention_mask'] as const;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export function datasetKind(path: string): DatasetKind {
  if (/\.(jsonl|ndjson)$/.test(path)) return 'jsonl';
  if (path.endsWith('.parquet')) return 'parquet';
  if (existsSync(path) && statSync(path).isDirectory()) {
    const files = readdirSync(path);
    if (files.includes('input_ids.idx')) return 'megatron';
    if (files.includes('index.json') && files.some((f) => f.endsWith('.bin'))) return 'litdata';
    if (files.includes('index.json') && files.some((f) => f.endsWith('.mds'))) return 'mds';
    // OLMo's memmap names its headerless arrays .npy too; its mask file tells it apart.
    if (files.includes('label_mask.npy')) return 'memmap';
    if (files.includes('input_ids.npy')) return 'npy';
    if (files.some((f) => f.endsWith('.bin'))) return 'bin';
  }
  throw new TokenshiftError(
    'INPUT',
    `${path}: not a dataset tokenshift can read (a .jsonl or .parquet file, or a directory of .npy columns, lit-gpt .bin chunks, litdata chunks, MDS shards, Megatron indexed datasets or OLMo memmaps)`,
  );
}

/** A list of int32 whole numbers (int64 values from Parquet arrive as bigint), or an error naming `where`. */
function intColumn(value: unknown, where: string, name: string): number[] {
  if (!Array.isArray(value)) throw new TokenshiftError('INPUT', `${where}: field \`${name}\` must be a list of token ids, got ${typeof value}`);
  return value.map((item: unknown, i) => {
    const number = typeof item === 'bigint' ? Number(item) : item;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < INT32_MIN || number > INT32_MAX)
      throw new TokenshiftError(
        'INPUT',
        `${where}: field \`${name}\` item ${i} is ${typeof item === 'object' ? JSON.stringify(item) : String(item)}, not an int32 whole number`,
      );
    return number;
  });
}

function checkedRow(row: unknown, where: string): DatasetRow {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new TokenshiftError('INPUT', `${where}: a row must be an object`);
  const fields = row as Record<string, unknown>;
  const checked: DatasetRow = { input_ids: intColumn(fields.input_ids, where, 'input_ids'), labels: null };
  for (const name of OPTIONAL_COLUMNS) {
    const value = fields[name];
    if (value !== undefined && value !== null) checked[name] = intColumn(value, where, name);
  }
  return checked;
}

async function* jsonlRows(path: string): AsyncGenerator<DatasetRow> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      throw new TokenshiftError('INPUT', `${path} line ${number}: not valid JSON: ${errorMessage(error)}`, { cause: error });
    }
    yield checkedRow(row, `${path} line ${number}`);
  }
}

// hyparquet is an ES module; this package is CommonJS, whose `import()` TypeScript would turn into require().
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/** The part of hyparquet's Node entry point used here. */
interface Hyparquet {
  asyncBufferFromFile(path: string): Promise<unknown>;
  parquetMetadataAsync(file: unknown): Promise<{ num_rows: bigint | number }>;
  parquetReadObjects(options: { file: unknown; metadata: unknown; rowStart: number; rowEnd: number; compressors: unknown }): Promise<Record<string, unknown>[]>;
}

async function* parquetRows(path: string): AsyncGenerator<DatasetRow> {
  const hyparquet = (await importEsm('hyparquet')) as Hyparquet;
  // ZSTD, Brotli, LZ4 and Gzip pages, as pyarrow and Spark write them (hyparquet alone reads Snappy).
  const { compressors } = (await importEsm('hyparquet-compressors')) as { compressors: unknown };
  const file = await hyparquet.asyncBufferFromFile(path);
  const metadata = await hyparquet.parquetMetadataAsync(file);
  const rows = Number(metadata.num_rows);
  for (let start = 0; start < rows; start += 4096) {
    const slice = await hyparquet.parquetReadObjects({ file, metadata, rowStart: start, rowEnd: Math.min(rows, start + 4096), compressors });
    for (const [i, row] of slice.entries()) yield checkedRow(row, `${path} row ${start + i}`);
  }
}

/** Any failure below names the dataset, whatever raised it. */
async function* namingFailures(path: string, kind: DatasetKind, rows: AsyncGenerator<DatasetRow>): AsyncGenerator<DatasetRow> {
  try {
    yield* rows;
  } catch (error) {
    if (error instanceof TokenshiftError) throw error;
    throw new TokenshiftError('INPUT', `${path}: cannot be read as ${kind}: ${errorMessage(error)}`, { cause: error });
  }
}

/** `rowLength`: a memmap's row length from its sidecar (rows are concatenated without one). */
export function readDataset(path: string, rowLength: number | null = null): { kind: DatasetKind; rows: AsyncGenerator<DatasetRow> } {
  const kind = datasetKind(path);
  const rows = {
    jsonl: jsonlRows,
    parquet: parquetRows,
    npy: npyRows,
    bin: litChunkRows,
    litdata: litdataRows,
    mds: mdsRows,
    megatron: megatronRows,
    memmap: (p: string) => memmapRows(p, rowLength),
  }[kind](path);
  return { kind, rows: namingFailures(path, kind, rows) };
}
