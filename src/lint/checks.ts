// `lint`: checks a prepared dataset, in any output format, for the mistakes that silently train a worse
// model: the wrong label convention, labels that make one packed example predict the next, position ids
// that do not restart per example, rows with nothing to learn, and wasted (padding) compute.

import { existsSync, readFileSync } from 'node:fs';

import { checkAlignment, type AlignmentReport } from '../align/check.js';
import type { Shift } from '../twin/prepare/options.js';
import { readDataset, type DatasetKind, type DatasetRow } from './readers.js';

/** Rows given to `checkAlignment` for the convention verdict. */
const CONVENTION_SAMPLE_ROWS = 20_000;
const EXAMPLES_KEPT = 10;

export interface LintOptions {
  /** Expected convention; default: the sidecar's `shift`. */
  shift?: Shift;
  ignoreIndex?: number;
  /** Tokens per packed row, for pack efficiency; default: the sidecar's block size. */
  blockSize?: number;
  /** The tokenizer's vocabulary size: ids outside [0, vocabSize) are flagged. */
  vocabSize?: number;
}

export interface LintIssue {
  /** Rows affected. */
  count: number;
  /** 0-based indices of the first few. */
  rows: number[];
}

export interface LintReport {
  path: string;
  kind: DatasetKind;
  rows: number;
  tokens: number;
  shift: Shift | null;
  ignoreIndex: number;
  /** On the first rows (see `conventionRows`); null for lit-gpt .bin (no labels stored). */
  convention: AlignmentReport | null;
  conventionRows: number;
  crossExampleLabels: LintIssue;
  positionsNotRestarting: LintIssue;
  fullyMasked: LintIssue;
  /** Rows holding an id outside the vocabulary (only with `vocabSize`). */
  idsOutOfVocab: LintIssue;
  /** Non-pad tokens / all tokens of fixed-length rows; null when rows are not fixed-length. */
  packEfficiency: number | null;
  /** lit-gpt chunks: header facts. */
  chunks: { files: number; dtype: string; chunkSize: number; version: number } | null;
  ok: boolean;
  problems: string[];
}

function issue(): LintIssue {
  return { count: 0, rows: [] };
}

function flag(target: LintIssue, row: number): void {
  target.count++;
  if (target.rows.length < EXAMPLES_KEPT) target.rows.push(row);
}

/** Example lengths of a row: its seq_lens, else position-id restarts, else the whole row. */
function examples(row: DatasetRow): number[] {
  if (row.seq_lens !== undefined) return Array.from(row.seq_lens);
  const n = row.input_ids.length;
  if (row.position_ids === undefined) return [n];
  const lens: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i === 0 || row.position_ids[i] === 0) lens.push(0);
    lens[lens.length - 1] = (lens[lens.length - 1] as number) + 1;
  }
  return lens;
}

function readSidecar(path: string): Record<string, unknown> | null {
  const file = `${path}.meta.json`;
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export async function lintDataset(path: string, options: LintOptions = {}): Promise<LintReport> {
  const sidecar = readSidecar(path);
  const layout = (sidecar?.output as { layout?: { rowLength?: number } } | undefined)?.layout;
  const { kind, rows } = readDataset(path, layout?.rowLength ?? null);
  // Their masks are read back as labels in the model convention, whatever the rows were written in.
  const maskOnly = kind === 'megatron' || kind === 'memmap';
  const shift = maskOnly ? 'model' : (options.shift ?? (sidecar?.shift as Shift | undefined) ?? null);
  const ignore = maskOnly ? -100 : (options.ignoreIndex ?? (sidecar?.ignoreIndex as number | undefined) ?? -100);
  const pack = sidecar?.pack as { blockSize?: number } | null | undefined;
  const blockSize = options.blockSize ?? pack?.blockSize ?? null;
  const report: LintReport = {
    path,
    kind,
    rows: 0,
    tokens: 0,
    shift,
    ignoreIndex: ignore,
    convention: null,
    conventionRows: 0,
    crossExampleLabels: issue(),
    positionsNotRestarting: issue(),
    fullyMasked: issue(),
    idsOutOfVocab: issue(),
    packEfficiency: null,
    chunks: null,
    ok: true,
    problems: [],
  };
  const sample: { input_ids: ArrayLike<number>; labels: ArrayLike<number> }[] = [];
  let cells = 0;
  let attended = 0;
  let fixedLength = true;
  let firstLength = -1;
  for await (const row of rows) {
    const r = report.rows++;
    const n = row.input_ids.length;
    report.tokens += n;
    if (row.attention_mask !== undefined) {
      cells += row.attention_mask.length;
      for (let i = 0; i < row.attention_mask.length; i++) attended += row.attention_mask[i] as number;
    }
    if (options.vocabSize !== undefined) {
      let bad = false;
      for (let i = 0; i < n && !bad; i++) bad = (row.input_ids[i] as number) < 0 || (row.input_ids[i] as number) >= (options.vocabSize as number);
      if (bad) flag(report.idsOutOfVocab, r);
    }
    if (firstLength < 0) firstLength = n;
    fixedLength &&= n === firstLength;
    if (row.labels === null) continue;
    const labels = row.labels;
    if (sample.length < CONVENTION_SAMPLE_ROWS) sample.push({ input_ids: row.input_ids, labels });
    let trained = false;
    for (let i = 0; i < labels.length && !trained; i++) trained = labels[i] !== ignore;
    if (!trained) flag(report.fullyMasked, r);
    const lens = examples(row);
    let start = 0;
    let crossing = false;
    let positionsBad = false;
    lens.forEach((len, k) => {
      // At a boundary, the label that would link example k-1 to example k must be ignored:
      // shift 'model' ignores each example's first label, shift 'data' the previous example's last.
      if (k > 0 && shift !== null) crossing ||= labels[shift === 'model' ? start : start - 1] !== ignore;
      if (row.position_ids !== undefined) for (let i = 0; i < len && !positionsBad; i++) positionsBad = row.position_ids[start + i] !== i;
      start += len;
    });
    if (crossing) flag(report.crossExampleLabels, r);
    if (positionsBad || start !== n) flag(report.positionsNotRestarting, r);
  }
  if (kind === 'bin' || kind === 'litdata') {
    const meta = sidecar?.output as { files?: string[]; layout?: { dtype?: string; chunkSize?: number } } | undefined;
    report.chunks = { files: report.rows, dtype: meta?.layout?.dtype ?? 'unknown', chunkSize: meta?.layout?.chunkSize ?? firstLength, version: 1 };
  }
  if (sample.length > 0) {
    report.convention = checkAlignment(sample, { shift: shift ?? 'model', ignoreIndex: ignore });
    report.conventionRows = sample.length;
  }
  if (cells > 0) report.packEfficiency = attended / cells;
  else if (blockSize !== null && report.rows > 0) report.packEfficiency = report.tokens / (report.rows * blockSize);
  else if (kind !== 'bin' && kind !== 'litdata' && fixedLength && report.rows > 0) report.packEfficiency = 1;
  const problems = report.problems;
  if (report.convention !== null) {
    if (shift === null)
      problems.push(`no expected convention (pass --shift, or keep the ${path}.meta.json sidecar); the labels look like shift=${report.convention.detected}`);
    else if (report.convention.detected !== shift) problems.push(`labels follow ${report.convention.detected}, expected shift=${shift}`);
  }
  if (report.crossExampleLabels.count > 0) problems.push(`${report.crossExampleLabels.count} rows have a label that makes one packed example predict the next`);
  if (report.positionsNotRestarting.count > 0)
    problems.push(`${report.positionsNotRestarting.count} rows have position ids that do not restart at 0 for each example`);
  if (report.idsOutOfVocab.count > 0)
    problems.push(`${report.idsOutOfVocab.count} rows hold token ids outside the vocabulary of ${options.vocabSize} (made with another tokenizer?)`);
  if (report.fullyMasked.count > 0) problems.push(`${report.fullyMasked.count} rows have no trained label`);
  report.ok = problems.length === 0;
  return report;
}
