// The one-command-per-trainer block of README.md and docs/formats.md: the same lines in both, each run
// as written (npx tokenshift = bin/tokenshift.cjs) from the project root, its output read back by `lint`
// and, where the trainers' readers are installed, by Megatron-Core's IndexedDataset, litdata's
// StreamingDataset, MosaicML streaming's StreamingDataset and OLMo's MemMapDataset, row for row against the same command writing JSON lines.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { trainerReaders, runReader } from './support/trainer-readers';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'tokenshift.cjs');

/** The `npx tokenshift prepare` lines after `heading` in `file`'s first sh block there, as argv. */
function trainerCommands(file: string, heading: string): string[][] {
  const text = readFileSync(join(root, file), 'utf8');
  const section = text.slice(text.indexOf(heading));
  const block = section.slice(section.indexOf('```sh'), section.indexOf('```', section.indexOf('```sh') + 5));
  return block
    .split('\n')
    .filter((line) => line.startsWith('npx tokenshift prepare'))
    .map((line) => line.split(/\s+/).slice(2));
}

function tokenshift(args: string[]) {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run;
}

function option(args: string[], name: string): string {
  return args[args.indexOf(name) + 1] as string;
}

describe('README and docs/formats.md: one command per trainer', () => {
  const commands = trainerCommands('README.md', '## Output for your trainer');
  const python = trainerReaders();

  it('both show the same commands, one per directory format', () => {
    expect(trainerCommands('docs/formats.md', '## For your trainer')).toEqual(commands);
    expect(commands.map((args) => option(args, '--output-format'))).toEqual(['megatron', 'litdata', 'mds', 'memmap', 'bin']);
  });

  it.each(commands.map((args) => [option(args, '--output-format'), args] as const))('%s: runs as written; lint reads it back', (_format, args) => {
    tokenshift(args);
    const lint = tokenshift(['lint', option(args, '--output'), '--json']);
    expect((JSON.parse(lint.stdout) as { ok: boolean }).ok).toBe(true);
  });

  it.runIf(python !== null)("the trainers' own readers return the rows the same command writes as JSON lines", () => {
    for (const args of commands.filter((a) => ['megatron', 'litdata', 'mds', 'memmap'].includes(option(a, '--output-format')))) {
      const format = option(args, '--output-format');
      const out = join(root, option(args, '--output'));
      tokenshift(args);
      const jsonl = `${out}-rows.jsonl`;
      const asJson = [...args];
      asJson.splice(asJson.indexOf('--output-format'), 2);
      asJson[asJson.indexOf('--output') + 1] = jsonl;
      tokenshift(asJson);
      const rows = readFileSync(jsonl, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { input_ids: number[]; labels: number[] });
      const masks = rows.map((r) => r.labels.map((l, i) => (i > 0 && l !== -100 ? 1 : 0)));
      if (format === 'megatron') {
        const read = runReader<{ input_ids: number[]; loss_mask: number[] }>(python as string, 'megatron_io.py', ['read', out]);
        expect(read).toEqual(rows.map((r, k) => ({ input_ids: r.input_ids, loss_mask: masks[k] })));
      } else if (format === 'mds') {
        const read = runReader<{ input_ids: number[]; labels: number[] }>(python as string, 'mds_io.py', ['read', out]);
        expect(read).toEqual(rows.map((r) => ({ input_ids: r.input_ids, labels: r.labels })));
      } else if (format === 'litdata') {
        // The sample is short: blocks of 64 tokens (the command's comment shows litgpt's 2049).
        const read = runReader<{ input_ids: number[] }>(python as string, 'litdata_io.py', ['read', '64', out]);
        const stream = rows.flatMap((r) => r.input_ids);
        expect(read.map((b) => b.input_ids)).toEqual(Array.from({ length: Math.floor(stream.length / 64) }, (_, b) => stream.slice(b * 64, (b + 1) * 64)));
      } else {
        const read = runReader<{ input_ids: number[]; label_mask: number[] }>(python as string, 'olmo_memmap.py', ['read', '1024', 'uint32', out]);
        expect(read.map((w, k) => w.input_ids.slice(0, rows[k]?.input_ids.length))).toEqual(rows.map((r) => r.input_ids));
        expect(read.map((w, k) => w.label_mask.slice(0, rows[k]?.input_ids.length))).toEqual(masks);
        expect(read.every((w, k) => w.label_mask.slice(rows[k]?.input_ids.length).every((m) => m === 0))).toBe(true);
      }
    }
  });
});
