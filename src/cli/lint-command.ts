// `tokenshift lint <dataset>`: the checks of src/lint/checks.ts, as a report on stdout (or --json).
// Exit status 1 when a problem is found.

import { OptionError } from '../errors.js';
import { MAX_ROW_TOKENS } from '../limits.js';
import { lintDataset, type LintIssue } from '../lint/checks.js';
import type { Shift } from '../twin/prepare/options.js';
import { loadTokenizer, vocabSize } from './input.js';
import type { Command } from './command.js';
import { intOption, parseCommandArgs } from './parse-args.js';
import { table } from './progress.js';

function describeIssue(issue: LintIssue): string {
  return issue.count === 0 ? '0' : `${issue.count.toLocaleString('en-US')} (rows ${issue.rows.join(', ')}${issue.count > issue.rows.length ? ', ...' : ''})`;
}

export const LINT_USAGE = `Usage: tokenshift lint <file.jsonl|file.parquet|dir> [options]

Checks a training dataset: which label convention it follows, labels crossing packed examples, positions not
restarting, fully masked rows, pack efficiency and ids outside the vocabulary. Exit 1 when a problem is found.
A directory is any output directory of \`prepare\`: .npy columns, lit-gpt .bin chunks, litdata chunks, MDS shards, a Megatron indexed dataset
(input_ids + loss_mask; the mask is read as labels in the model convention) or an OLMo memmap.

Options:
  --shift model|data     the convention the labels must follow (default: from the .meta.json sidecar; megatron and
                         memmap store a mask, always read as model)
  --ignore-index N       label of untrained positions (default -100)
  --block-size N         fixed row length, to report pack efficiency
  --tokenizer T          a tokenizer folder or tokenizer.json: flags ids outside its vocabulary
  --json                 the report as JSON on stdout
  -h, --help             this help
`;

interface LintArgs {
  dataset: string;
  shift: Shift | undefined;
  ignoreIndex: number | undefined;
  blockSize: number | undefined;
  json: boolean;
  tokenizer: string | undefined;
}

function parseLintArgs(argv: string[]): LintArgs | 'help' {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      shift: { type: 'string' },
      'ignore-index': { type: 'string' },
      'block-size': { type: 'string' },
      json: { type: 'boolean' },
      tokenizer: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new OptionError('lint takes one dataset: tokenshift lint <file.jsonl|file.parquet|dir>');
  const shift = values.shift;
  if (shift !== undefined && shift !== 'model' && shift !== 'data') throw new OptionError(`--shift must be model or data, got ${JSON.stringify(shift)}`);
  return {
    dataset: positionals[0] as string,
    shift,
    ignoreIndex: intOption('--ignore-index', values['ignore-index'], [-(2 ** 31), 2 ** 31 - 1]),
    blockSize: intOption('--block-size', values['block-size'], [1, MAX_ROW_TOKENS]),
    json: values.json === true,
    tokenizer: values.tokenizer,
  };
}

async function runLint(args: LintArgs): Promise<number> {
  const { shift, ignoreIndex, blockSize } = args;
  const vocab = args.tokenizer === undefined ? undefined : vocabSize(loadTokenizer(args.tokenizer, {}).tokenizer);
  const report = await lintDataset(args.dataset, {
    ...(shift !== undefined ? { shift } : {}),
    ...(ignoreIndex !== undefined ? { ignoreIndex } : {}),
    ...(blockSize !== undefined ? { blockSize } : {}),
    ...(vocab !== undefined ? { vocabSize: vocab } : {}),
  });
  if (args.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const c = report.convention;
    const rows: [string, string | number][] = [
      ['format', report.kind],
      ['rows', report.rows],
      ['tokens', report.tokens],
      ['expected shift', report.shift ?? 'unknown'],
      [
        'labels follow',
        c === null
          ? report.kind === 'bin' || report.kind === 'litdata'
            ? 'no labels stored (lit-gpt takes targets = window[1:])'
            : 'no labels'
          : `${c.detected} (${c.samePosition}/${c.labelled} = input_ids[i], ${c.nextPosition}/${c.labelled} = input_ids[i+1]; first ${report.conventionRows} rows)`,
      ],
      ['cross-example labels', describeIssue(report.crossExampleLabels)],
      ['positions not restarting', describeIssue(report.positionsNotRestarting)],
      ['fully masked rows', describeIssue(report.fullyMasked)],
      ['ids outside the vocabulary', vocab === undefined ? 'not checked (pass --tokenizer)' : describeIssue(report.idsOutOfVocab)],
      [
        'pack efficiency',
        report.packEfficiency === null ? 'n/a (rows are not fixed-length; pass --block-size)' : `${(100 * report.packEfficiency).toFixed(2)}%`,
      ],
    ];
    if (report.chunks !== null) rows.push(['chunks', `${report.chunks.files} x ${report.chunks.chunkSize} tokens (${report.chunks.dtype})`]);
    process.stdout.write(`tokenshift lint ${report.path}\n${table(rows)}\n${report.ok ? 'ok' : report.problems.map((p) => `problem: ${p}`).join('\n')}\n`);
  }
  return report.ok ? 0 : 1;
}

export const lintCommand: Command<LintArgs> = { name: 'lint', usage: LINT_USAGE, parse: parseLintArgs, run: runLint };
