// `tokenshift prepare`: records in (JSON lines, optionally gzip, streamed; or one JSON array), training
// rows out in any output format, in input order and in constant memory, with a metadata sidecar and
// counters that always balance (records = rows + skipped).

import { once } from 'node:events';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { EngineCheck, EngineRecords, VerifyEngineMode } from '../backend/types.js';
import { OptionError, TokenshiftError } from '../errors.js';
import { PackedBatch } from '../pack/pack.js';
import type { NormalizedPrepareOptions } from '../twin/prepare/options.js';
import type { PreparedBatch } from '../prepare/preparer.js';
import { prepareBatches, type StreamReport } from '../stream/prepare-stream.js';
import { capMallocArenas } from '../memory.js';
import { InputFiles, regularFileSize } from '../input/files.js';
import { resolveThreads } from '../threads.js';
import { formatFromPath, OUTPUT_FORMATS, TOKEN_ARRAY_FORMATS, type OutputFormat, type WriterOptions } from '../write/options.js';
import { rowJson } from '../write/ts/jsonl.js';
import { PendingPath } from '../write/ts/pending.js';
import { createDatasetWriter, withoutTrailingSeparators, type DatasetWriter } from '../write/writer.js';
import { parsePrepareArgs, USAGE, type PrepareArgs } from './args.js';
import { packageVersion } from '../package-info.js';
import type { Command } from './command.js';
import { loadTokenizer, vocabSize, type LoadedTokenizer } from './input.js';
import { completionMismatch, completionPath, fileIdentity, readCompletion, removeCompletion, writeCompletion } from './completion.js';
import { shardName } from './output-names.js';
import { checkNoOverlap, checkWritableFile, type NamedPath } from './path-safety.js';
import { Progress, table } from './progress.js';

/** TinyLlama's pretraining chunk: (block_size 2048 + 1) * 1024 tokens. */
const DEFAULT_BIN_CHUNK = 2049 * 1024;

function writerOptions(args: PrepareArgs, format: OutputFormat, options: NormalizedPrepareOptions, loaded: LoadedTokenizer): WriterOptions {
  const special = loaded.tokenizer.special_tokens;
  const base: WriterOptions = {
    format,
    ignoreIndex: options.ignoreIndex,
    overwrite: args.overwrite,
    ...(args.backend === undefined ? {} : { backend: args.backend }),
    ...(args.tokenDtype === null ? {} : { tokenDtype: args.tokenDtype }),
  };
  if (format === 'npy') {
    const length = args.length ?? args.pack?.blockSize ?? options.maxLength;
    if (length === null)
      throw new OptionError('--output-format npy writes [rows, length] arrays: give --length N (or --pack with --block-size, or --max-length)');
    return { ...base, length, padId: args.padId ?? special.padId ?? special.eosId ?? 0, side: args.padSide, dtype: args.dtype };
  }
  if (format === 'bin') {
    if (args.pack !== null) throw new OptionError('--output-format bin holds the token stream and lit-gpt cuts the windows itself: drop --pack');
    return {
      ...base,
      shift: options.shift,
      vocabSize: vocabSize(loaded.tokenizer),
      chunkSize: args.chunkSize ?? DEFAULT_BIN_CHUNK,
      sepId: special.bosId ?? special.eosId ?? 0,
    };
  }
  if (format === 'litdata') {
    if (args.pack !== null)
      throw new OptionError("--output-format litdata holds the token stream and litdata's TokensLoader cuts the blocks itself: drop --pack");
    return { ...base, shift: options.shift, vocabSize: vocabSize(loaded.tokenizer), chunkSize: args.chunkSize ?? DEFAULT_BIN_CHUNK };
  }
  if (format === 'megatron') {
    if (args.pack !== null) throw new OptionError('--output-format megatron stores documents and Megatron samples its windows itself: drop --pack');
    return { ...base, shift: options.shift, vocabSize: vocabSize(loaded.tokenizer) };
  }
  if (format === 'memmap') {
    const length = args.length ?? args.pack?.blockSize ?? options.maxLength;
    return {
      ...base,
      shift: options.shift,
      vocabSize: vocabSize(loaded.tokenizer),
      ...(length === null ? {} : { length, padId: args.padId ?? special.padId ?? special.eosId ?? 0, side: args.padSide }),
    };
  }
  return base;
}

/** Where rows go: a dataset writer, or JSON lines on stdout. */
interface RowSink {
  write(batch: PreparedBatch | PackedBatch): Promise<void>;
  finish(metadata: Record<string, unknown>): Record<string, unknown>;
  abort(): void;
}

function stdoutSink(): RowSink {
  return {
    async write(batch) {
      const packed = batch instanceof PackedBatch ? batch : null;
      let text = '';
      for (let r = 0; r < batch.offsets.length - 1; r++) text += rowJson(batch, packed, r);
      if (!process.stdout.write(text)) await once(process.stdout, 'drain');
    },
    finish: (metadata) => metadata,
    abort: () => undefined,
  };
}

function writerSink(writer: DatasetWriter): RowSink {
  return {
    write: (batch) => writer.writeAsync(batch),
    finish: (metadata) => writer.finish(metadata),
    abort: () => writer.abort(),
  };
}

/** What `prepare` reads and writes, named as the user named them, for the overlap check. */
function plannedPaths(args: PrepareArgs, files: InputFiles, output: string | null, statsPath: string | null): { inputs: NamedPath[]; outputs: NamedPath[] } {
  const inputs: NamedPath[] = files.paths.filter((p) => p !== '-').map((path) => ({ flag: '--input', path }));
  let tokenizerIsDir = false;
  try {
    tokenizerIsDir = statSync(args.tokenizer).isDirectory();
  } catch {
    // Reported by loadTokenizer.
  }
  const tokenizerFiles = tokenizerIsDir
    ? ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'].map((f) => join(args.tokenizer, f))
    : [args.tokenizer];
  inputs.push(...tokenizerFiles.map((path) => ({ flag: '--tokenizer', path })));
  if (args.chatTemplateFile !== null) inputs.push({ flag: '--chat-template', path: args.chatTemplateFile });
  if (args.promptTemplateFile !== null) inputs.push({ flag: '--prompt-template', path: args.promptTemplateFile });
  const outputs: NamedPath[] = [];
  if (output !== null) outputs.push({ flag: '--output', path: output }, { flag: '--output (its .meta.json sidecar)', path: `${output}.meta.json` });
  if (output !== null && args.shard !== null) outputs.push({ flag: '--output (its completion record)', path: completionPath(output) });
  if (statsPath !== null) outputs.push({ flag: '--stats', path: statsPath });
  return { inputs, outputs };
}

async function runPrepare(args: PrepareArgs): Promise<number> {
  const rawOptions = args.prepare;
  const options = args.normalized;
  const toStdout = args.output === '-';
  const shard = args.shard;
  const output = shardName(withoutTrailingSeparators(args.output), shard);
  const statsPath = args.stats === null ? null : shardName(args.stats, shard);
  // Refused before the tokenizer is even read: no run may destroy its own inputs, and a stats path that
  // cannot be written must fail now, not after the dataset was committed.
  const files = new InputFiles(args.inputs, shard?.by === 'units' ? { shard } : {});
  if (files.plan !== null && files.plan.units.length === 0 && files.plan.totalBytes > 0)
    // Not an error (the shard's output is rightly empty), but likely not what was meant.
    process.stderr.write(
      `tokenshift prepare: shard ${files.plan.shard.index}/${files.plan.shard.count} has no work: the input is fewer units than shards (a gzip or JSON-array file, or a Parquet row group, is one unit); to spread one such file over all shards, use --shard-by records\n`,
    );
  const planned = plannedPaths(args, files, toStdout ? null : output, statsPath);
  checkNoOverlap(planned.inputs, planned.outputs);
  if (statsPath !== null) checkWritableFile('--stats', statsPath);
  const loaded = loadTokenizer(args.tokenizer, {
    engine: args.engine,
    verifyEngine: args.verifyEngine,
    ...(args.backend === undefined ? {} : { backend: args.backend }),
  });
  // One malloc arena per worker thread keeps a long run's peak RSS near what it uses (see memory.rs); a
  // MALLOC_ARENA_MAX the user set wins. Capped only once the tokenizer has started: its 1.0 engine builds on a
  // thread of its own while this one loads 0.23, and two builders sharing an arena took twice as long.
  const threads = resolveThreads(rawOptions.threads);
  capMallocArenas(threads === 0 ? undefined : Math.max(2, threads));
  const format = args.outputFormat ?? (toStdout ? 'jsonl' : formatFromPath(output));
  if (format === null)
    throw new OptionError(
      `cannot tell the output format from ${JSON.stringify(output)}: name it .jsonl or .parquet, or pass --output-format ${OUTPUT_FORMATS.join('|')}`,
    );
  if (toStdout && format !== 'jsonl') throw new OptionError('only JSON lines can go to stdout (--output -)');
  if (options.keep.length > 0 && TOKEN_ARRAY_FORMATS.includes(format))
    throw new OptionError(`--keep copies columns into rows: --output-format ${format} holds token arrays only (use jsonl or parquet)`);
  if (options.keep.length > 0 && args.pack !== null)
    throw new OptionError('--keep needs one row per record: a packed row holds several; drop --pack or --keep');
  const writeOptions = toStdout ? null : writerOptions(args, format, options, loaded);
  const { threads: _threads, ...recorded } = rawOptions;
  // A sharded run to a file keeps a completion record: a rerun of a completed shard is a no-op.
  const completion =
    shard === null || toStdout
      ? null
      : {
          path: completionPath(output),
          job: {
            tool: 'tokenshift' as const,
            version: packageVersion(),
            shard: { index: shard.index, count: shard.count, by: shard.by },
            inputs: files.paths.map(fileIdentity),
            tokenizerSha256: loaded.sha256,
            options: { ...recorded, pack: args.pack, engine: args.engine, maxLineBytes: args.maxLineBytes },
            output: { path: output, format, writer: writeOptions === null ? null : { ...writeOptions, overwrite: undefined }, stats: statsPath },
          },
        };
  if (completion !== null) {
    const done = readCompletion(completion.path);
    const mismatch = done === null || args.overwrite ? null : completionMismatch(done, completion.job);
    if (done !== null && !args.overwrite && mismatch === null) {
      process.stderr.write(
        `tokenshift prepare: shard ${shard?.index}/${shard?.count} is already complete (${completion.path}, ${done.completedAt}): same inputs and options, nothing to do\n`,
      );
      return 0;
    }
    if (done !== null) {
      process.stderr.write(`tokenshift prepare: redoing shard ${shard?.index}/${shard?.count}: ${args.overwrite ? '--overwrite' : mismatch}\n`);
      removeCompletion(completion.path);
    }
  }
  const sizes = files.paths.map(regularFileSize);
  const totalBytes = files.plan !== null ? files.plan.shardBytes : sizes.includes(null) ? null : sizes.reduce((sum: number, size) => sum + (size ?? 0), 0);
  const sink = writeOptions === null ? stdoutSink() : writerSink(createDatasetWriter(output, writeOptions));
  const progress = new Progress('tokenshift prepare', args.progress ?? process.stderr.isTTY === true);
  let report: StreamReport;
  try {
    const run = prepareBatches(loaded.tokenizer, files, {
      ...rawOptions,
      ...(args.maxLineBytes !== null ? { maxLineBytes: args.maxLineBytes } : {}),
      ...(args.pack !== null
        ? {
            pack: {
              mode: args.pack.mode,
              blockSize: args.pack.blockSize,
              tail: args.pack.tail,
              truncation: options.truncation,
              padId: loaded.tokenizer.special_tokens.padId ?? 0,
              window: args.pack.window,
            },
          }
        : {}),
    });
    report = run.report;
    for await (const batch of run.batches) {
      await sink.write(batch);
      progress.update({ bytes: report.bytes, totalBytes, records: report.totals.records, tokens: report.totals.tokens });
    }
    progress.update({ bytes: report.bytes, totalBytes, records: report.totals.records, tokens: report.totals.tokens }, true);
    progress.finish();
  } catch (error) {
    progress.finish();
    sink.abort();
    throw error;
  }
  const { totals, packing } = report;
  if (!totals.balanced)
    throw new TokenshiftError(
      'INTERNAL',
      `counters do not balance: ${totals.records} records, ${totals.rows} rows, ${totals.skipped.count} skipped (please report)`,
    );
  const metadata = {
    tool: 'tokenshift',
    version: packageVersion(),
    input: files.paths.length === 1 ? displayName(files.paths[0] as string) : files.paths,
    // Every file read, in order: size, SHA-256 and the record numbers it holds.
    inputs: report.inputs.map((i) => ({ ...i, path: displayName(i.path) })),
    tokenizer: { file: loaded.file, sha256: loaded.sha256, ...loaded.tokenizer.special_tokens, chat_template: undefined },
    backend: loaded.tokenizer.backend,
    engine: loaded.tokenizer.engine,
    engineNote: loaded.tokenizer.engineNote ?? undefined,
    verifyEngine: loaded.tokenizer.backend === 'native' ? args.verifyEngine : undefined,
    shift: options.shift,
    ignoreIndex: options.ignoreIndex,
    options: recorded,
    shard: shard === null ? null : { index: shard.index, count: shard.count, by: shard.by },
    // Sharded by work units: the bytes of the whole input and of this shard's units (each unit is in `inputs`).
    split:
      files.plan === null
        ? undefined
        : {
            totalBytes: files.plan.totalBytes,
            shardBytes: files.plan.shardBytes,
            bytesRead: report.inputs.reduce((n, i) => n + (i.bytesRead ?? 0), 0),
            planningFooterBytes: files.plan.footerBytes,
          },
    pack: args.pack,
    writer: writeOptions,
    ...totals,
    packing,
  };
  const written = sink.finish(metadata);
  const seconds = progress.elapsed();
  if (statsPath !== null) {
    // Peak RSS of this process, so memory goals can be checked from the stats of a real run.
    const peakRssBytes = process.resourceUsage().maxRSS * 1024;
    const stats = new PendingPath(statsPath, false);
    writeFileSync(stats.temporary, `${JSON.stringify({ ...written, outputPath: toStdout ? '-' : output, seconds, peakRssBytes }, null, 2)}\n`);
    stats.commit();
  }
  if (completion !== null)
    writeCompletion(completion.path, {
      job: completion.job,
      completedAt: new Date().toISOString(),
      outputs: [output, `${output}.meta.json`, ...(statsPath === null ? [] : [statsPath])],
      totals: { records: totals.records, rows: totals.rows, skipped: totals.skipped.count, tokens: totals.tokens },
      read: report.inputs,
    });
  const rows: [string, string | number][] = [
    ['records', totals.records],
    ['rows', totals.rows],
    ['tokens', totals.tokens],
    ['trained labels', `${totals.trainedLabels.toLocaleString('en-US')} (shift=${options.shift})`],
    ['truncated', totals.truncated.count],
    ['skipped', totals.skipped.count],
    ['  too long', totals.skipped.tooLong.count],
    ['  no trainable labels', totals.skipped.noTrainableLabels.count],
    ['  empty completion', totals.skipped.emptyCompletion.count],
    ['  chat turn not found', totals.skipped.chatTurnNotFound.count],
    ['  invalid', totals.skipped.invalid.count],
    ['engine', engineSummary(totals.engines)],
  ];
  if (loaded.tokenizer.backend === 'native') rows.push(['engine check', engineCheckSummary(args.verifyEngine, totals.engineCheck)]);
  if (packing !== null) {
    rows.push(['packed rows', packing.rows], ['pack efficiency', `${(100 * packing.efficiency).toFixed(2)}%`]);
    if (packing.fullyMaskedExamples > 0) rows.push(['  fully masked, left out', packing.fullyMaskedExamples]);
  }
  if (shard !== null)
    rows.push(['shard', `${shard.index}/${shard.count} by ${shard.by}${shard.scheduler === undefined ? '' : ` (from the ${shard.scheduler})`}`]);
  if (files.plan !== null) {
    const read = report.inputs.reduce((n, i) => n + (i.bytesRead ?? 0), 0);
    rows.push([
      '  read',
      `${read.toLocaleString('en-US')} bytes: ${files.plan.units.length} ${files.plan.units.length === 1 ? 'unit' : 'units'} of ${files.plan.shardBytes.toLocaleString('en-US')} of the input's ${files.plan.totalBytes.toLocaleString('en-US')} bytes, and Parquet footers`,
    ]);
  }
  rows.push(
    ['output', toStdout ? 'stdout' : `${output} (${format})`],
    ['time', `${seconds.toFixed(2)} s, ${Math.round(totals.tokens / Math.max(seconds, 1e-9)).toLocaleString('en-US')} tok/s`],
  );
  process.stderr.write(
    `tokenshift prepare: ${totals.records} records -> ${totals.rows} rows (records = rows + skipped: ${totals.balanced ? 'balanced' : 'NOT balanced'})\n${table(rows)}\n`,
  );
  return 0;
}

function displayName(path: string): string {
  return path === '-' ? 'stdin' : path;
}

/** "tokenizers-1.0: 1,443 records, tokenizers-0.23: 4 records": which engines tokenized the input. */
function engineSummary(engines: EngineRecords): string {
  const used = (Object.entries(engines) as [string, number][]).filter(([, n]) => n > 0);
  if (used.length === 0) return 'none (nothing was tokenized)';
  return used.map(([name, n]) => `${name}: ${n.toLocaleString('en-US')} records`).join(', ');
}

/** "sample: 68 records re-encoded by tokenizers 0.23, all equal", or what a mismatch found. */
function engineCheckSummary(mode: VerifyEngineMode, check: EngineCheck): string {
  if (check.demotion !== null) return `MISMATCH (${check.mismatches}): ${check.demotion}; the batch was redone by tokenizers 0.23`;
  if (mode === 'off') return 'off';
  return `${mode}: ${check.checked.toLocaleString('en-US')} records re-encoded by tokenizers 0.23, all equal`;
}

export const prepareCommand: Command<PrepareArgs> = { name: 'prepare', usage: USAGE, parse: parsePrepareArgs, run: runPrepare };
