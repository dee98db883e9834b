// Reading a prepared dataset back, in any format tokenshift writes, as a stream of rows for `lint`.
// These readers follow each format's description (README "Output formats"), not the writers' code.

import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, readdirSync, statSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { TokenshiftError, errorMessage } from '../errors.js';

export interface DatasetRow {
  input_ids: ArrayLike<number>;
  /** Absent in lit-gpt .bin chunks: the trainer derives targets from the token stream. */
  labels: ArrayLike<number> | null;
  position_ids?: ArrayLike<number>;
  /** Example lengths of a packed row. */
  seq_lens?: ArrayLike<number>;
  attention_mask?: ArrayLike<number>;
}

export type DatasetKind = 'jsonl' | 'parquet' | 'npy' | 'bin';

export function datasetKind(path: string): DatasetKind {
  if (/\.(jsonl|ndjson)$/.test(path)) return 'jsonl';
  if (path.endsWith('.parquet')) return 'parquet';
  if (existsSync(path) && statSync(path).isDirectory()) {
    const files = readdirSync(path);
    if (files.includes('input_ids.npy')) return 'npy';
    if (files.some((f) => f.endsWith('.bin'))) return 'bin';
  }
  throw new TokenshiftError(
    'INPUT',
    `${path}: not a dataset tokenshift can read (a .jsonl or .parquet file, or a directory of .npy columns or lit-gpt .bin chunks)`,
  );
}

async function* jsonlRows(path: string): AsyncGenerator<DatasetRow> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    let row: DatasetRow;
    try {
      row = JSON.parse(line) as DatasetRow;
    } catch (error) {
      throw new TokenshiftError('INPUT', `${path} line ${number}: not valid JSON: ${errorMessage(error)}`, { cause: error });
    }
    if (!Array.isArray(row.input_ids)) throw new TokenshiftError('INPUT', `${path} line ${number}: field \`input_ids\` must be an array`);
    yield { ...row, labels: Array.isArray(row.labels) ? row.labels : null };
  }
}

// hyparquet is an ES module; this package is CommonJS, whose `import()` TypeScript would turn into require().
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/** The part of hyparquet's Node entry point used here. */
interface Hyparquet {
  asyncBufferFromFile(path: string): Promise<unknown>;
  parquetMetadataAsync(file: unknown): Promise<{ num_rows: bigint | number }>;
  parquetReadObjects(options: { file: unknown; metadata: unknown; rowStart: number; rowEnd: number }): Promise<Record<string, unknown>[]>;
}

async function* parquetRows(path: string): AsyncGenerator<DatasetRow> {
  const hyparquet = (await importEsm('hyparquet')) as Hyparquet;
  const file = await hyparquet.asyncBufferFromFile(path);
  const metadata = await hyparquet.parquetMetadataAsync(file);
  const rows = Number(metadata.num_rows);
  for (let start = 0; start < rows; start += 4096) {
    const slice = (await hyparquet.parquetReadObjects({ file, metadata, rowStart: start, rowEnd: Math.min(rows, start + 4096) })) as unknown as DatasetRow[];
    for (const row of slice) yield { ...row, labels: row.labels ?? null };
  }
}

/** An NPY 1.0/2.0 array's header: dtype, shape and where the data starts. A header that does not match
 * the file's size (truncated or doctored) is refused, never read on into nothing. */
export function npyHeader(path: string): { dtype: '<i4' | '<i8'; shape: number[]; dataOffset: number } {
  const bad = (why: string) => new TokenshiftError('INPUT', `${path}: not a usable .npy file: ${why}`);
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(12);
    if (readSync(fd, head, 0, 12, 0) < 10 || head.toString('latin1', 0, 6) !== '\x93NUMPY') throw new TokenshiftError('INPUT', `${path}: not an .npy file`);
    const major = head[6] as number;
    if (major < 1 || major > 3) throw bad(`format version ${major} is unknown`);
    const headerLength = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
    const start = major === 1 ? 10 : 12;
    if (start + headerLength > size || headerLength > 1 << 20) throw bad(`its header claims ${headerLength} bytes, the file has ${size}`);
    const text = Buffer.alloc(headerLength);
    readSync(fd, text, 0, headerLength, start);
    const dict = text.toString('latin1');
    const descr = /'descr':\s*'([^']+)'/.exec(dict)?.[1];
    const shapeText = /'shape':\s*\(([^)]*)\)/.exec(dict)?.[1];
    if (/'fortran_order':\s*True/.test(dict)) throw new TokenshiftError('INPUT', `${path}: Fortran-order arrays are not supported`);
    if ((descr !== '<i4' && descr !== '<i8') || shapeText === undefined)
      throw new TokenshiftError('INPUT', `${path}: expected a little-endian int32 or int64 array, got ${descr}`);
    const shape = shapeText
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(Number);
    if (shape.length !== 2 || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) throw bad(`shape (${shapeText}) is not [rows, length]`);
    const dataBytes = (shape[0] as number) * (shape[1] as number) * (descr === '<i4' ? 4 : 8);
    if (start + headerLength + dataBytes !== size)
      throw bad(`shape (${shapeText}) needs ${dataBytes} bytes of data, the file holds ${size - start - headerLength}`);
    return { dtype: descr, shape, dataOffset: start + headerLength };
  } finally {
    closeSync(fd);
  }
}

function npyRowReader(path: string): { rows: number; length: number; row: (r: number) => Int32Array; close: () => void } | null {
  if (!existsSync(path)) return null;
  const { dtype, shape, dataOffset } = npyHeader(path);
  const [rows = 0, length = 0] = shape;
  const width = dtype === '<i4' ? 4 : 8;
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(length * width);
  return {
    rows,
    length,
    row: (r) => {
      readSync(fd, buffer, 0, buffer.length, dataOffset + r * length * width);
      if (width === 4) return new Int32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length));
      const out = new Int32Array(length);
      for (let i = 0; i < length; i++) out[i] = Number(buffer.readBigInt64LE(i * 8));
      return out;
    },
    close: () => closeSync(fd),
  };
}

async function* npyRows(dir: string): AsyncGenerator<DatasetRow> {
  const ids = npyRowReader(join(dir, 'input_ids.npy'));
  if (ids === null) throw new TokenshiftError('INPUT', `${dir}: no input_ids.npy`);
  const labels = npyRowReader(join(dir, 'labels.npy'));
  const mask = npyRowReader(join(dir, 'attention_mask.npy'));
  const positions = npyRowReader(join(dir, 'position_ids.npy'));
  try {
    yield* npyColumns(ids, labels, mask, positions);
  } finally {
    for (const reader of [ids, labels, mask, positions]) reader?.close();
  }
}

type NpyReader = NonNullable<ReturnType<typeof npyRowReader>>;

function* npyColumns(ids: NpyReader, labels: NpyReader | null, mask: NpyReader | null, positions: NpyReader | null): Generator<DatasetRow> {
  for (let r = 0; r < ids.rows; r++) {
    // Padding (attention 0) is not part of a row's content.
    const m = mask?.row(r);
    const keep = (a: Int32Array) => (m === undefined ? a : a.filter((_, i) => m[i] === 1));
    const row: DatasetRow = { input_ids: keep(ids.row(r)), labels: labels === null ? null : keep(labels.row(r)) };
    if (positions !== null) row.position_ids = keep(positions.row(r));
    if (m !== undefined) row.attention_mask = m;
    yield row;
  }
}

/** lit-gpt LITPKDS chunk: magic, u64 version, u8 dtype code, u64 chunk size, tokens. */
export function readLitChunk(path: string): { version: number; dtype: 'uint16' | 'int32'; chunkSize: number; tokens: Uint16Array | Int32Array } {
  const bytes = readFileSync(path);
  if (bytes.toString('latin1', 0, 7) !== 'LITPKDS') throw new TokenshiftError('INPUT', `${path}: no LITPKDS header`);
  const version = Number(bytes.readBigUInt64LE(7));
  const code = bytes.readUInt8(15);
  const chunkSize = Number(bytes.readBigUInt64LE(16));
  const dtypes: Record<number, 'uint16' | 'int32'> = { 8: 'uint16', 4: 'int32' };
  const dtype = dtypes[code];
  if (dtype === undefined) throw new TokenshiftError('INPUT', `${path}: dtype code ${code} is not a token type (8 uint16, 4 int32)`);
  const width = dtype === 'uint16' ? 2 : 4;
  if (bytes.length !== 24 + chunkSize * width) throw new TokenshiftError('INPUT', `${path}: ${bytes.length} bytes, expected 24 + ${chunkSize} x ${width}`);
  const body = bytes.buffer.slice(bytes.byteOffset + 24, bytes.byteOffset + bytes.length);
  return { version, dtype, chunkSize, tokens: dtype === 'uint16' ? new Uint16Array(body) : new Int32Array(body) };
}

async function* binRows(dir: string): AsyncGenerator<DatasetRow> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort();
  for (const f of files) yield { input_ids: readLitChunk(join(dir, f)).tokens, labels: null };
}

export function readDataset(path: string): { kind: DatasetKind; rows: AsyncGenerator<DatasetRow> } {
  const kind = datasetKind(path);
  const rows = { jsonl: jsonlRows, parquet: parquetRows, npy: npyRows, bin: binRows }[kind](path);
  return { kind, rows };
}
