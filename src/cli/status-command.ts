// `tokenshift status --output PATH --shards N`: which shards of a job are done (a completion record that
// matches the others and whose outputs exist), missing, or inconsistent (made from other inputs, options or
// tokenizer than the rest). When all are done: the merged stats (record numbers of the whole input) and,
// for litdata, MDS and Megatron, the combined index at PATH. Exit 0 only when every shard is done.

import { existsSync, writeFileSync } from 'node:fs';

import { OptionError } from '../errors.js';
import { withoutTrailingSeparators } from '../write/writer.js';
import { isIndexedFormat, writeCombinedIndex } from './combined-index.js';
import type { Command } from './command.js';
import { completionPath, readCompletion, type CompletionRecord } from './completion.js';
import { mergeStats } from './merge-stats-command.js';
import { MAX_SHARDS, shardName } from './output-names.js';
import { intOption, parseCommandArgs } from './parse-args.js';
import { checkNoOverlap } from './path-safety.js';
import { table } from './progress.js';

export const STATUS_USAGE = `Usage: tokenshift status --output PATH --shards N [--stats merged.json] [--no-index]

The shards of one job (tokenshift prepare --output PATH --shard I/N or --shard auto): lists each as done,
missing or inconsistent (from its completion record PATH-0000I-of-0000N….done.json). When every shard is
done it writes the merged stats to --stats (records numbered across the whole input) and, for litdata, mds
and megatron, a combined index at PATH that reads the shards as one dataset (--no-index: skip it).
Exit 0 when every shard is done, 1 otherwise.
`;

interface StatusArgs {
  output: string;
  shards: number;
  stats: string | null;
  index: boolean;
}

type ShardState = { index: number; state: 'done' | 'missing' | 'inconsistent'; why: string; record: CompletionRecord | null; path: string };

function parseStatusArgs(argv: string[]): StatusArgs | 'help' {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      output: { type: 'string' },
      shards: { type: 'string' },
      stats: { type: 'string' },
      'no-index': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new OptionError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.output === undefined) throw new OptionError('--output is required: the --output the shards were prepared with');
  const shards = intOption('--shards', values.shards, [1, MAX_SHARDS]);
  if (shards === undefined) throw new OptionError('--shards N is required: the number of shards of the job');
  const output = withoutTrailingSeparators(values.output);
  if (values.stats !== undefined) checkNoOverlap([{ flag: '--output', path: output }], [{ flag: '--stats', path: values.stats }]);
  return { output, shards, stats: values.stats ?? null, index: values['no-index'] !== true };
}

/** The parts of a job every shard must agree on (all of it but the shard index and its output names). */
function jobKey(record: CompletionRecord): string {
  const { shard, output, ...rest } = record.job;
  return JSON.stringify({ ...rest, count: shard.count, by: shard.by, format: output.format, writer: output.writer });
}

export function shardStates(output: string, count: number): ShardState[] {
  const states: ShardState[] = [];
  for (let index = 0; index < count; index++) {
    const path = completionPath(shardName(output, { index, count }));
    const record = readCompletion(path);
    if (record === null) {
      states.push({ index, state: 'missing', why: existsSync(path) ? `${path} is not a completion record` : 'no completion record', record: null, path });
      continue;
    }
    const missingOutput = record.outputs.find((file) => !existsSync(file));
    if (record.job.shard.index !== index || record.job.shard.count !== count)
      states.push({ index, state: 'inconsistent', why: `its record is of shard ${record.job.shard.index}/${record.job.shard.count}`, record, path });
    else if (missingOutput !== undefined) states.push({ index, state: 'inconsistent', why: `${missingOutput} is missing`, record, path });
    else states.push({ index, state: 'done', why: '', record, path });
  }
  // The job as most done shards describe it; a done shard made otherwise is inconsistent.
  const keys = new Map<string, number>();
  for (const s of states) if (s.state === 'done' && s.record !== null) keys.set(jobKey(s.record), (keys.get(jobKey(s.record)) ?? 0) + 1);
  const majority = [...keys.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  for (const s of states) {
    if (s.state !== 'done' || s.record === null || jobKey(s.record) === majority) continue;
    s.state = 'inconsistent';
    s.why = 'made from other inputs, options or tokenizer than the other shards (rerun it)';
  }
  return states;
}

function runStatus(args: StatusArgs): number {
  const states = shardStates(args.output, args.shards);
  const done = states.filter((s) => s.state === 'done');
  const rows: [string, string | number][] = states.map((s) => {
    const totals = s.record?.totals;
    const detail = s.state === 'done' && totals !== undefined ? `${totals.records} records, ${totals.rows} rows, ${totals.tokens} tokens` : s.why;
    return [`shard ${s.index}`, `${s.state}${detail === '' ? '' : `: ${detail}`}`];
  });
  process.stderr.write(`tokenshift status: ${done.length} of ${args.shards} shards done (${args.output})\n${table(rows)}\n`);
  if (done.length !== args.shards) return 1;
  const first = done[0]?.record as CompletionRecord;
  const format = first.job.output.format;
  const shardOutputs = done.map((s) => (s.record as CompletionRecord).job.output.path);
  const merged = mergeStats(shardOutputs.map((path) => `${path}.meta.json`));
  const text = `${JSON.stringify({ ...merged, outputs: shardOutputs }, null, 2)}\n`;
  if (args.stats !== null) writeFileSync(args.stats, text);
  else process.stdout.write(text);
  if (args.index && isIndexedFormat(format)) {
    const written = writeCombinedIndex(format, args.output, shardOutputs);
    process.stderr.write(`tokenshift status: combined ${format} index: ${written.join(', ')}\n`);
  }
  return 0;
}

export const statusCommand: Command<StatusArgs> = { name: 'status', usage: STATUS_USAGE, parse: parseStatusArgs, run: runStatus };
