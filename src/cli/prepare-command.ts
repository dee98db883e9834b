// `tokenshift prepare`: records in, JSON-lines rows {input_ids, labels, attention_mask} out, in input
// order, with counters (and the record numbers of every skipped or truncated record) in --stats.

import { once } from 'node:events';
import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

import { pack, type PackedBatch } from '../pack/pack.js';
import { createPreparer, type PreparedBatch } from '../prepare/preparer.js';
import type { PrepareOptions } from '../prepare/options.js';
import type { CliArgs } from './args.js';
import { lineChunks, loadTokenizer, readInput } from './input.js';
import { Progress } from './progress.js';

const CHUNK_LINES = 2000;

export interface RunTotals {
  records: number;
  rows: number;
  tokens: number;
  trainedLabels: number;
  truncated: number[];
  skipped: { tooLong: number[]; noTrainableLabels: number[] };
}

/** Runs the preparer over the input in chunks, handing each batch to `sink` in order. */
export async function prepareInput(args: CliArgs, options: PrepareOptions, sink: (batch: PreparedBatch) => Promise<void> | void, limit = Infinity): Promise<{ totals: RunTotals; tokenizerFile: string; tokenizerSha256: string; backend: string; eosId: number | null; padId: number | null }> {
  const loaded = loadTokenizer(args.tokenizer, args.backend === undefined ? {} : { backend: args.backend });
  const input = readInput(args.input);
  const totals: RunTotals = { records: 0, rows: 0, tokens: 0, trainedLabels: 0, truncated: [], skipped: { tooLong: [], noTrainableLabels: [] } };
  const add = (batch: PreparedBatch) => {
    totals.records += batch.stats.records;
    totals.rows += batch.stats.rows;
    totals.tokens += batch.stats.tokens;
    totals.trainedLabels += batch.stats.trainedLabels;
    totals.truncated.push(...batch.stats.truncated);
    totals.skipped.tooLong.push(...batch.stats.skipped.tooLong);
    totals.skipped.noTrainableLabels.push(...batch.stats.skipped.noTrainableLabels);
  };
  let eosId: number | null = createPreparer(loaded.tokenizer, options).eosId;
  if (input.kind === 'array') {
    let records = JSON.parse(input.text) as unknown;
    if (!Array.isArray(records)) throw new TypeError(`${input.name} must hold a JSON array of records`);
    if (limit < records.length) records = records.slice(0, limit);
    const batch = createPreparer(loaded.tokenizer, options).prepare(records as unknown[]);
    add(batch);
    await sink(batch);
  } else {
    const total = input.text.split('\n').filter((l) => l.trim() !== '').length;
    const progress = new Progress('tokenshift prepare', Number.isFinite(limit) ? Math.min(limit, total) : total);
    for (const chunk of lineChunks(input.text, Number.isFinite(limit) ? Math.max(1, limit) : CHUNK_LINES)) {
      const preparer = createPreparer(loaded.tokenizer, { ...options, firstRecordNumber: chunk.firstLine });
      eosId = preparer.eosId;
      const batch = preparer.prepareJsonLines(chunk.text);
      add(batch);
      await sink(batch);
      progress.update(totals.records, totals.tokens);
      if (totals.records >= limit) break;
    }
    progress.update(totals.records, totals.tokens, true);
    progress.finish();
  }
  return { totals, tokenizerFile: loaded.file, tokenizerSha256: loaded.sha256, backend: loaded.tokenizer.backend, eosId, padId: loaded.tokenizer.special_tokens.padId };
}

function rowsAsJsonLines(batch: PreparedBatch): string {
  let out = '';
  for (let r = 0; r < batch.rowCount; r++) {
    const start = batch.offsets[r] as number;
    const end = batch.offsets[r + 1] as number;
    const n = end - start;
    out += `{"input_ids":[${batch.inputIds.subarray(start, end).join(',')}],"labels":[${batch.labels.subarray(start, end).join(',')}],"attention_mask":[${n > 0 ? '1,'.repeat(n - 1) + '1' : ''}]}\n`;
  }
  return out;
}

function packedAsJsonLines(packed: PackedBatch): string {
  let out = '';
  for (let r = 0; r < packed.rowCount; r++) out += `${JSON.stringify(packed.row(r))}\n`;
  return out;
}

/** All chunks' rows as one CSR batch, so packing sees every example. */
function concatBatches(batches: PreparedBatch[]): { inputIds: Int32Array; labels: Int32Array; offsets: Uint32Array } {
  const rows = batches.reduce((n, b) => n + b.rowCount, 0);
  const tokens = batches.reduce((n, b) => n + b.inputIds.length, 0);
  const out = { inputIds: new Int32Array(tokens), labels: new Int32Array(tokens), offsets: new Uint32Array(rows + 1) };
  let row = 0;
  let at = 0;
  for (const b of batches) {
    out.inputIds.set(b.inputIds, at);
    out.labels.set(b.labels, at);
    for (let r = 1; r <= b.rowCount; r++) out.offsets[row + r] = at + (b.offsets[r] as number);
    row += b.rowCount;
    at += b.inputIds.length;
  }
  return out;
}

async function write(stream: WriteStream | NodeJS.WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export async function runPrepare(args: CliArgs, options: PrepareOptions, version: string): Promise<void> {
  const started = Date.now();
  const toStdout = args.output === '-';
  // Files are written under a temporary name and renamed when complete, so a failed run leaves no partial output.
  const temporary = toStdout ? null : `${args.output}.tmp-${process.pid}`;
  for (const file of [toStdout ? null : args.output, args.stats]) if (file !== null) mkdirSync(dirname(file), { recursive: true });
  const stream = toStdout ? process.stdout : createWriteStream(temporary as string);
  let result;
  let packStats: Record<string, unknown> | null = null;
  try {
    const kept: PreparedBatch[] = [];
    result = await prepareInput(args, options, (batch) => (args.pack === null ? write(stream, rowsAsJsonLines(batch)) : void kept.push(batch)));
    if (args.pack !== null) {
      const packed = pack(concatBatches(kept), { ...args.pack, shift: options.shift, ignoreIndex: options.ignoreIndex ?? -100, truncation: options.truncation ?? 'right', padId: result.padId ?? 0 });
      packStats = { ...args.pack, ...packed.stats };
      await write(stream, packedAsJsonLines(packed));
    }
    if (!toStdout) {
      (stream as WriteStream).end();
      await once(stream, 'finish');
      renameSync(temporary as string, args.output as string);
    }
  } catch (error) {
    if (!toStdout) {
      (stream as WriteStream).destroy();
      rmSync(temporary as string, { force: true });
    }
    throw error;
  }
  const { totals } = result;
  const stats = {
    tool: 'tokenshift',
    version,
    input: args.input,
    output: args.output,
    tokenizer: { file: result.tokenizerFile, sha256: result.tokenizerSha256, eosId: result.eosId },
    backend: result.backend,
    options,
    shift: options.shift,
    ignoreIndex: options.ignoreIndex ?? -100,
    records: totals.records,
    rows: totals.rows,
    tokens: totals.tokens,
    trainedLabels: totals.trainedLabels,
    truncated: { count: totals.truncated.length, records: totals.truncated },
    packing: packStats,
    skipped: {
      count: totals.skipped.tooLong.length + totals.skipped.noTrainableLabels.length,
      tooLong: { count: totals.skipped.tooLong.length, records: totals.skipped.tooLong },
      noTrainableLabels: { count: totals.skipped.noTrainableLabels.length, records: totals.skipped.noTrainableLabels },
    },
    seconds: (Date.now() - started) / 1000,
  };
  if (args.stats !== null) writeFileSync(args.stats, `${JSON.stringify(stats, null, 2)}\n`);
  process.stderr.write(
    `tokenshift prepare: ${totals.records} records -> ${totals.rows} rows, ${totals.tokens} tokens (${totals.trainedLabels} trained labels, shift=${options.shift}); ` +
      `truncated ${totals.truncated.length}, skipped ${stats.skipped.count} (too long ${totals.skipped.tooLong.length}, no trainable labels ${totals.skipped.noTrainableLabels.length}) in ${stats.seconds.toFixed(2)} s\n`,
  );
}
