// Readers for the written formats, written for the tests from each format's published description
// (NumPy's NEP 1 .npy format; lit-gpt's packed_dataset.py header) and hyparquet for Parquet — none of
// them calls tokenshift's writers or lint readers.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** NPY: "\x93NUMPY", major, minor, header length (u16 LE for v1), a Python dict literal, then C-order data. */
export function readNpy(path: string): { descr: string; shape: number[]; values: number[] } {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0x93 || bytes.subarray(1, 6).toString('ascii') !== 'NUMPY') throw new Error(`${path}: bad magic`);
  if (bytes[6] !== 1) throw new Error(`${path}: expected format version 1.x`);
  const headerLength = view.getUint16(8, true);
  const header = bytes.subarray(10, 10 + headerLength).toString('ascii');
  if ((10 + headerLength) % 64 !== 0) throw new Error(`${path}: header not aligned to 64 bytes`);
  if (!header.endsWith('\n')) throw new Error(`${path}: header must end with a newline`);
  // The dict is a Python literal; turn it into JSON to read it.
  const json = header
    .trim()
    .replace(/'/g, '"')
    .replace(/False/g, 'false')
    .replace(/True/g, 'true')
    .replace(
      /\(([^)]*)\)/,
      (_, inner: string) =>
        `[${inner
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .join(',')}]`,
    )
    .replace(/,\s*}/, '}');
  const dict = JSON.parse(json) as { descr: string; fortran_order: boolean; shape: number[] };
  if (dict.fortran_order) throw new Error('fortran order');
  const width = dict.descr === '<i4' ? 4 : dict.descr === '<i8' ? 8 : 0;
  if (width === 0) throw new Error(`${path}: unexpected dtype ${dict.descr}`);
  const count = dict.shape.reduce((a, b) => a * b, 1);
  const start = 10 + headerLength;
  if (bytes.length !== start + count * width) throw new Error(`${path}: ${bytes.length} bytes, expected ${start + count * width}`);
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(width === 4 ? view.getInt32(start + 4 * i, true) : Number(view.getBigInt64(start + 8 * i, true)));
  return { descr: dict.descr, shape: dict.shape, values };
}

/**
 * lit-gpt PackedDatasetBuilder._write_chunk: HDR_MAGIC b"LITPKDS", struct.pack("<Q", version),
 * struct.pack("<B", code(dtype)), struct.pack("<Q", chunk_size), then arr.tobytes(order="C").
 * dtypes: {1: uint8, 2: int8, 3: int16, 4: int32, 5: int64, 6: float32, 7: float64, 8: uint16}.
 */
export function readLitGptChunk(path: string): { version: number; code: number; chunkSize: number; tokens: number[] } {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.subarray(0, 7).toString('ascii') !== 'LITPKDS') throw new Error(`${path}: bad magic`);
  const version = Number(view.getBigUint64(7, true));
  const code = view.getUint8(15);
  const chunkSize = Number(view.getBigUint64(16, true));
  const width = { 4: 4, 8: 2 }[code];
  if (width === undefined) throw new Error(`${path}: unexpected dtype code ${code}`);
  if (bytes.length !== 24 + chunkSize * width) throw new Error(`${path}: size ${bytes.length} does not match chunk size ${chunkSize}`);
  const tokens: number[] = [];
  for (let i = 0; i < chunkSize; i++) tokens.push(width === 2 ? view.getUint16(24 + 2 * i, true) : view.getInt32(24 + 4 * i, true));
  return { version, code, chunkSize, tokens };
}

/** All chunks of a lit-gpt dataset directory, in file-name order (as PackedDataset globs and sorts them). */
export function readLitGptDir(dir: string): { files: string[]; chunks: ReturnType<typeof readLitGptChunk>[] } {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort();
  return { files, chunks: files.map((f) => readLitGptChunk(join(dir, f))) };
}

/** Every row of a Parquet file as a plain object, read with hyparquet. */
export async function readParquet(path: string): Promise<Record<string, number[]>[]> {
  const { asyncBufferFromFile, parquetReadObjects } = (await import('hyparquet')) as unknown as {
    asyncBufferFromFile(path: string): Promise<unknown>;
    parquetReadObjects(options: { file: unknown }): Promise<Record<string, number[]>[]>;
  };
  return parquetReadObjects({ file: await asyncBufferFromFile(path) });
}

/** The parquet schema (column name, physical type, repetition) as hyparquet reports it. */
export async function parquetSchema(path: string): Promise<{ name: string; type?: string; repetition_type?: string; converted_type?: string }[]> {
  const { asyncBufferFromFile, parquetMetadataAsync } = (await import('hyparquet')) as unknown as {
    asyncBufferFromFile(path: string): Promise<unknown>;
    parquetMetadataAsync(file: unknown): Promise<{ schema: { name: string; type?: string; repetition_type?: string; converted_type?: string }[] }>;
  };
  return (await parquetMetadataAsync(await asyncBufferFromFile(path))).schema;
}

/** Every record of a Parquet file as hyparquet reads it (zstd and gzip through hyparquet-compressors), int64 as numbers. */
export async function readParquetRecords(path: string): Promise<Record<string, unknown>[]> {
  const { asyncBufferFromFile, parquetReadObjects } = (await import('hyparquet')) as unknown as {
    asyncBufferFromFile(path: string): Promise<unknown>;
    parquetReadObjects(options: { file: unknown; compressors: unknown }): Promise<Record<string, unknown>[]>;
  };
  const { compressors } = (await import('hyparquet-compressors')) as unknown as { compressors: unknown };
  const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path), compressors });
  return JSON.parse(JSON.stringify(rows, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as Record<string, unknown>[];
}

/**
 * Megatron `_IndexReader` (megatron/core/datasets/indexed_dataset.py): b"MMIDIDX\x00\x00", "<Q" version,
 * "<B" dtype code, "<Q" sequence count, "<Q" document count, then int32 sequence lengths, int64 sequence
 * pointers and int64 document indices; the `.bin` holds the sequences at their pointers.
 */
export function readMegatron(prefix: string): { code: number; sequences: number[][]; pointers: number[]; documents: number[] } {
  const idx = readFileSync(`${prefix}.idx`);
  const bin = readFileSync(`${prefix}.bin`);
  const view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
  if (idx.subarray(0, 9).toString('latin1') !== 'MMIDIDX\x00\x00') throw new Error(`${prefix}.idx: bad magic`);
  if (view.getBigUint64(9, true) !== 1n) throw new Error(`${prefix}.idx: version`);
  const code = view.getUint8(17);
  const n = Number(view.getBigUint64(18, true));
  const docs = Number(view.getBigUint64(26, true));
  if (idx.length !== 34 + n * 12 + docs * 8) throw new Error(`${prefix}.idx: ${idx.length} bytes for ${n} sequences and ${docs} documents`);
  const lengths = Array.from({ length: n }, (_, i) => view.getInt32(34 + 4 * i, true));
  const pointers = Array.from({ length: n }, (_, i) => Number(view.getBigInt64(34 + 4 * n + 8 * i, true)));
  const documents = Array.from({ length: docs }, (_, i) => Number(view.getBigInt64(34 + 12 * n + 8 * i, true)));
  const width = { 1: 1, 4: 4, 8: 2 }[code];
  if (width === undefined) throw new Error(`${prefix}.idx: unexpected dtype code ${code}`);
  const data = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const at = (p: number) => (width === 1 ? data.getUint8(p) : width === 2 ? data.getUint16(p, true) : data.getInt32(p, true));
  const sequences = lengths.map((len, s) => Array.from({ length: len }, (_, i) => at((pointers[s] as number) + i * width)));
  return { code, sequences, pointers, documents };
}

/** An OLMo memmap: the raw little-endian array, as `np.memmap(path, dtype)` reads it. */
export function readMemmap(path: string, dtype: 'uint16' | 'uint32' | 'bool'): number[] {
  const bytes = new Uint8Array(readFileSync(path));
  return Array.from(dtype === 'uint16' ? new Uint16Array(bytes.buffer) : dtype === 'uint32' ? new Uint32Array(bytes.buffer) : bytes);
}

/**
 * litdata (writer.py `_create_chunk`, `write_chunks_index`): index.json `{chunks: [{chunk_bytes, chunk_size,
 * dim, filename}], config}`; each chunk `uint32 num_items`, `uint32 offsets[num_items + 1]` (absolute), items.
 */
export function readLitdata(dir: string): { config: Record<string, unknown>; chunks: { items: number[][]; dim: number }[] } {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
    chunks: { chunk_bytes: number; chunk_size: number; dim: number; filename: string }[];
    config: Record<string, unknown>;
  };
  const width = { 'no_header_numpy:5': 2, 'no_header_numpy:2': 4, 'no_header_numpy:6': 4 }[(index.config.data_format as string[])[0] as string];
  if (width === undefined) throw new Error(`${dir}: unexpected data_format ${JSON.stringify(index.config.data_format)}`);
  const chunks = index.chunks.map((c) => {
    const bytes = readFileSync(join(dir, c.filename));
    if (bytes.length !== c.chunk_bytes) throw new Error(`${c.filename}: ${bytes.length} bytes, index says ${c.chunk_bytes}`);
    const n = bytes.readUInt32LE(0);
    if (n !== c.chunk_size) throw new Error(`${c.filename}: ${n} items, index says ${c.chunk_size}`);
    const offsets = Array.from({ length: n + 1 }, (_, i) => bytes.readUInt32LE(4 + 4 * i));
    const items = offsets
      .slice(0, -1)
      .map((start, i) =>
        Array.from({ length: ((offsets[i + 1] as number) - start) / width }, (_, k) =>
          width === 2 ? bytes.readUInt16LE(start + 2 * k) : bytes.readInt32LE(start + 4 * k),
        ),
      );
    return { items, dim: c.dim };
  });
  return { config: index.config, chunks };
}
