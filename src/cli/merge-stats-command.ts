// `tokenshift merge-stats <stats.json ...>`: sums the stats (or .meta.json sidecars) of the shards of
// one job, checks they belong together (same tokenizer, shift and options) and that no shard is missing.

import { readFileSync, statSync, writeFileSync } from 'node:fs';

import { OptionError, TokenshiftError, errorMessage } from '../errors.js';
import { mergeTotals, type StreamTotals } from '../stream/totals.js';
import type { PackTotals } from '../stream/window-packer.js';
import { MAX_SHARDS } from './output-names.js';
import type { Command } from './command.js';
import { parseCommandArgs } from './parse-args.js';
import { checkNoOverlap } from './path-safety.js';
import { table } from './progress.js';

interface ShardStats extends StreamTotals {
  tokenizer?: { sha256?: string };
  shift?: string;
  options?: Record<string, unknown>;
  shard?: { index: number; count: number; by?: string } | null;
  packing?: PackTotals | null;
}

/** A stats file is read whole: one larger than this is not one tokenshift wrote (the record lists are capped). */
const MAX_STATS_BYTES = 64 * 1024 * 1024;

function read(file: string): ShardStats {
  try {
    const size = statSync(file).size;
    if (!statSync(file).isFile() || size > MAX_STATS_BYTES) throw new Error(`not a tokenshift stats file (a regular file of at most ${MAX_STATS_BYTES} bytes)`);
    const stats = JSON.parse(readFileSync(file, 'utf8')) as ShardStats | null;
    if (stats === null || typeof stats !== 'object' || typeof stats.records !== 'number' || typeof stats.skipped !== 'object' || stats.skipped === null)
      throw new Error('not a tokenshift prepare stats file');
    checkCounters(stats);
    return stats;
  } catch (error) {
    throw new TokenshiftError('INPUT', `${file}: ${errorMessage(error)}`, { cause: error });
  }
}

/** Every counter a whole number of at least 0, and the counters adding up as a run writes them. */
function checkCounters(stats: ShardStats): void {
  const count = (value: unknown, field: string): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Error(`\`${field}\` is ${JSON.stringify(value)}, not a count`);
    return value;
  };
  const records = count(stats.records, 'records');
  const rows = count(stats.rows, 'rows');
  count(stats.tokens, 'tokens');
  const kinds = ['tooLong', 'noTrainableLabels', 'emptyCompletion', 'chatTurnNotFound', 'invalid'] as const;
  let skipped = 0;
  for (const kind of kinds) {
    const list = stats.skipped[kind] as { count?: unknown } | undefined;
    // Stats written before empty completions were counted apart have none.
    if (list === undefined && kind === 'emptyCompletion') continue;
    skipped += count(list?.count, `skipped.${kind}.count`);
  }
  if (count(stats.skipped.count, 'skipped.count') !== skipped)
    throw new Error(`\`skipped.count\` is ${stats.skipped.count}, but its kinds add up to ${skipped}`);
  if (records !== rows + skipped) throw new Error(`records (${records}) are not rows (${rows}) + skipped (${skipped})`);
}

export function mergeStats(files: string[]): Record<string, unknown> {
  const parts = files.map(read);
  const first = parts[0] as ShardStats;
  const sameJob = (s: ShardStats) => JSON.stringify({ ...s.options, shard: null }) === JSON.stringify({ ...first.options, shard: null });
  parts.forEach((s, i) => {
    if (s.tokenizer?.sha256 !== first.tokenizer?.sha256) throw new TokenshiftError('INPUT', `${files[i]} was made with another tokenizer than ${files[0]}`);
    if (s.shift !== first.shift || !sameJob(s)) throw new TokenshiftError('INPUT', `${files[i]} was made with other options than ${files[0]}`);
  });
  const count = first.shard?.count ?? 1;
  const seen = new Map<number, string>();
  parts.forEach((s, i) => {
    const index = s.shard?.index ?? 0;
    const shards = s.shard?.count ?? 1;
    if (!Number.isSafeInteger(shards) || shards < 1 || shards > MAX_SHARDS || !Number.isSafeInteger(index) || index < 0 || index >= shards) {
      throw new TokenshiftError('INPUT', `${files[i]}: shard ${JSON.stringify(s.shard)} is not a valid shard (0 <= index < count <= ${MAX_SHARDS})`);
    }
    if ((s.shard?.count ?? 1) !== count) throw new TokenshiftError('INPUT', `${files[i]} is a shard of ${s.shard?.count ?? 1}, ${files[0]} of ${count}`);
    if (seen.has(index)) throw new TokenshiftError('INPUT', `${files[i]} and ${seen.get(index)} are both shard ${index}`);
    seen.set(index, files[i] as string);
  });
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  const byUnits = parts.map((p) => p.shard?.by === 'units');
  if (byUnits.some((u) => u !== byUnits[0])) throw new TokenshiftError('INPUT', `${files[0]} and the other shards were split differently (--shard-by)`);
  // Shards by work units number their records from 1 each; in shard order they are the input in order, so
  // a record's number in the whole input is its number in its shard plus the records of the shards before.
  const ordered = parts.map((part, i) => ({ part, index: part.shard?.index ?? 0, file: files[i] as string })).sort((a, b) => a.index - b.index);
  let before = 0;
  const firstRecords: { shard: number; firstRecord: number; records: number }[] = [];
  const numbered = ordered.map(({ part, index }) => {
    const renumbered = byUnits[0] === true && missing.length === 0 ? renumber(part, before) : part;
    firstRecords.push({ shard: index, firstRecord: before + 1, records: part.records });
    before += part.records;
    return renumbered;
  });
  const totals = mergeTotals(numbered);
  const packs = parts.map((p) => p.packing).filter((p): p is PackTotals => p !== null && p !== undefined);
  let packing: PackTotals | null = null;
  if (packs.length > 0) {
    const sum = (k: keyof PackTotals) => packs.reduce((n, p) => n + (p[k] ?? 0), 0); // stats from before a counter existed lack it
    const tokens = sum('tokens');
    const pad = sum('padTokens');
    packing = {
      examples: sum('examples'),
      rows: sum('rows'),
      tokens,
      padTokens: pad,
      truncatedExamples: sum('truncatedExamples'),
      droppedExamples: sum('droppedExamples'),
      fullyMaskedExamples: sum('fullyMaskedExamples'),
      droppedTailTokens: sum('droppedTailTokens'),
      efficiency: tokens + pad === 0 ? 0 : tokens / (tokens + pad),
    };
  }
  return {
    tool: 'tokenshift',
    merged: files,
    shards: {
      count,
      present: [...seen.keys()].sort((a, b) => a - b),
      missing,
      by: byUnits[0] === true ? 'units' : 'records',
      ...(byUnits[0] === true ? { records: firstRecords } : {}),
    },
    tokenizer: first.tokenizer,
    shift: first.shift,
    options: { ...first.options, shard: null },
    ...totals,
    packing,
  };
}

/** `part` with every listed record number moved on by `offset` (and the `record N` its reasons start with). */
function renumber(part: ShardStats, offset: number): ShardStats {
  if (offset === 0) return part;
  const list = <T extends { records: number[] }>(l: T): T => ({ ...l, records: l.records.map((r) => r + offset) });
  const reasons = <T extends { records: { record: number; reason: string }[] }>(l: T): T => ({
    ...l,
    records: l.records.map(({ record, reason }) => ({ record: record + offset, reason: reason.replace(/^record \d+/, `record ${record + offset}`) })),
  });
  const skipped = part.skipped;
  return {
    ...part,
    truncated: list(part.truncated),
    skipped: {
      ...skipped,
      tooLong: list(skipped.tooLong),
      noTrainableLabels: list(skipped.noTrainableLabels),
      ...(skipped.emptyCompletion === undefined ? {} : { emptyCompletion: list(skipped.emptyCompletion) }),
      chatTurnNotFound: reasons(skipped.chatTurnNotFound),
      invalid: reasons(skipped.invalid),
    },
  };
}

export const MERGE_STATS_USAGE = `Usage: tokenshift merge-stats <stats.json|output.meta.json ...> [--output merged.json]

Sums the stats of the shards of one job (tokenshift prepare --shard I/N --stats ...), checks that they were made
with the same tokenizer, shift and options, and names missing shards. Exit 1 when a shard is missing or the
counters do not balance.
`;

interface MergeStatsArgs {
  files: string[];
  output: string | undefined;
}

function parseMergeStatsArgs(argv: string[]): MergeStatsArgs | 'help' {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { output: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return 'help';
  if (values.output !== undefined)
    checkNoOverlap(
      positionals.map((path) => ({ flag: 'stats file', path })),
      [{ flag: '--output', path: values.output }],
    );
  if (positionals.length === 0)
    throw new OptionError('merge-stats needs the stats files of the shards: tokenshift merge-stats a.json b.json ... [--output merged.json]');
  return { files: positionals, output: values.output };
}

function runMergeStats({ files: positionals, output }: MergeStatsArgs): number {
  const merged = mergeStats(positionals) as ReturnType<typeof mergeStats> & StreamTotals & { shards: { missing: number[] } };
  const text = `${JSON.stringify(merged, null, 2)}\n`;
  if (output !== undefined) writeFileSync(output, text);
  else process.stdout.write(text);
  process.stderr.write(
    `tokenshift merge-stats: ${positionals.length} shards\n${table([
      ['records', merged.records],
      ['rows', merged.rows],
      ['skipped', merged.skipped.count],
      ['tokens', merged.tokens],
      ['balanced', merged.balanced ? 'yes' : 'NO'],
      ['missing shards', merged.shards.missing.length === 0 ? 'none' : merged.shards.missing.join(', ')],
    ])}\n`,
  );
  return merged.balanced && merged.shards.missing.length === 0 ? 0 : 1;
}

export const mergeStatsCommand: Command<MergeStatsArgs> = { name: 'merge-stats', usage: MERGE_STATS_USAGE, parse: parseMergeStatsArgs, run: runMergeStats };
