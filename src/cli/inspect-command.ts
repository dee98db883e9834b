// `tokenshift inspect`: the first K prepared examples as a table of position, input token and label token,
// trained positions highlighted — the view that makes a shift bug obvious at a glance.

import { checkAlignment } from '../align/check.js';
import type { PreparedBatch } from '../prepare/preparer.js';
import { Tokenizer } from '../tokenizer.js';
import { parseInspectArgs, USAGE, type InspectArgs } from './args.js';
import type { Command } from './command.js';
import { loadTokenizer } from './input.js';
import { prepareBatches } from '../stream/prepare-stream.js';
import { InputFiles } from '../input/files.js';

const GREEN = '\x1b[32m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

function show(tokenizer: Tokenizer, id: number): string {
  const token = tokenizer.id_to_token(id) ?? `<id ${id}>`;
  // Escape newlines and control characters so each position stays on one line.
  return JSON.stringify(token).slice(1, -1);
}

async function runInspect(args: InspectArgs): Promise<number> {
  const options = args.prepare;
  const { tokenizer } = loadTokenizer(args.tokenizer, {
    engine: args.engine,
    verifyEngine: args.verifyEngine,
    ...(args.backend === undefined ? {} : { backend: args.backend }),
  });
  const color = args.color ?? process.stdout.isTTY === true;
  const ignore = options.ignoreIndex ?? -100;
  const batches: PreparedBatch[] = [];
  // Small chunks: only the first records are needed.
  const run = prepareBatches(tokenizer, new InputFiles(args.inputs), { ...options, chunkBytes: 64 << 10, inflight: 1 });
  let rows = 0;
  for await (const batch of run.batches) {
    batches.push(batch as PreparedBatch);
    rows += batch.offsets.length - 1;
    if (rows >= args.n) break;
  }
  const out: string[] = [];
  const rule =
    options.shift === 'model'
      ? 'labels[i] = input_ids[i] where trained; the model shifts'
      : 'labels[i] = input_ids[i+1] where that token is trained; last label ignored';
  out.push(`shift=${options.shift} (${rule}); ignore index ${ignore}; ${color ? `${GREEN}green${RESET}` : '*'} = trained position`);
  let shown = 0;
  for (const batch of batches) {
    for (let r = 0; r < batch.rowCount && shown < args.n; r++, shown++) {
      const row = batch.row(r);
      const trained = row.labels.filter((l) => l !== ignore).length;
      out.push('', `record ${batch.rowRecords[r]}: ${row.input_ids.length} tokens, ${trained} trained labels`);
      // The trained stretches as text: for chat records, one per trained turn.
      const runs: number[][] = [];
      row.labels.forEach((label, i) => {
        if (label === ignore) return;
        const id = options.shift === 'model' ? (row.input_ids[i] as number) : label;
        if (i > 0 && row.labels[i - 1] !== ignore) (runs.at(-1) as number[]).push(id);
        else runs.push([id]);
      });
      runs.forEach((run, k) => out.push(`  trained ${k + 1}: ${JSON.stringify(tokenizer.decode(run, { clean_up_tokenization_spaces: false }))}`));
      const width = Math.max(12, ...row.input_ids.map((id) => show(tokenizer, id).length)) + 2;
      out.push(`${'pos'.padStart(5)}  ${'input token'.padEnd(width)}  ${'label'.padStart(7)}  label token`);
      row.input_ids.forEach((id, i) => {
        const label = row.labels[i] as number;
        const isTrained = label !== ignore;
        const line = `${String(i).padStart(5)}  ${show(tokenizer, id).padEnd(width)}  ${String(label).padStart(7)}  ${isTrained ? show(tokenizer, label) : '·'}`;
        out.push(color ? (isTrained ? `${GREEN}${line}${RESET}` : `${DIM}${line}${RESET}`) : `${isTrained ? '*' : ' '}${line}`);
      });
    }
  }
  if (shown === 0) out.push('', 'no rows: every inspected record was skipped (see prepare --stats)');
  else {
    const rows = batches.flatMap((b) => b.toRows()).slice(0, shown);
    const report = checkAlignment(rows, { shift: options.shift, ignoreIndex: ignore, eosId: tokenizer.special_tokens.eosId });
    out.push(
      '',
      `alignment of these rows: ${report.samePosition}/${report.labelled} labels equal input_ids[i], ${report.nextPosition}/${report.labelled} equal input_ids[i+1] -> ${report.detected}` +
        (report.ok ? ' (as expected)' : ` (expected ${report.expected}; flagged ${JSON.stringify(report.flagged)})`),
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

export const inspectCommand: Command<InspectArgs> = { name: 'inspect', usage: USAGE, parse: parseInspectArgs, run: runInspect };
