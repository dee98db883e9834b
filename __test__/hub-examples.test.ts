// The README's one-command-per-shape examples run as written on the bundled Hub-style folders (examples/hub),
// and each gives the rows of the same records read by an independent reader (hyparquet), mapped by hand
// into our field names and prepared from JSON lines.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { readParquetRecords } from './support/formats';
import { PACKAGED_TOKENIZERS } from './support/shared';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'tokenshift.cjs');

/** The `npx tokenshift prepare` lines of the README's "Datasets as the Hub serves them" block, as argv. */
function readmeCommands(): string[][] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Datasets as the Hub serves them'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .filter((line) => line.startsWith('npx tokenshift prepare'))
    .map((line) => (line.match(/'[^']*'|\S+/g) ?? []).slice(2).map((arg) => arg.replace(/^'(.*)'$/, '$1').replace('$T', PACKAGED_TOKENIZERS.qwen3)));
}

async function hubRecords(folder: string): Promise<Record<string, unknown>[]> {
  const data = join(root, 'examples', 'hub', folder, 'data');
  const out: Record<string, unknown>[] = [];
  for (const file of readdirSync(data).sort()) out.push(...(await readParquetRecords(join(data, file))));
  return out;
}

/** The same records under our names, written independently of the mapping code. */
const BY_HAND: Record<string, (r: Record<string, unknown>) => Record<string, unknown>> = {
  qa: (r) => ({ prompt: r.question, completion: r.answer, id: r.id }),
  alpaca: (r) => r,
  text: (r) => ({ text: r.content }),
  messages: (r) => r,
  sharegpt: (r) => ({ conversations: r.conversations, system: r.system_prompt, tools: r.functions }),
};

describe('README: one command per shape from a Hub-style folder', () => {
  const commands = readmeCommands();

  it('has a command for every bundled folder', () => {
    const folders = commands.map((argv) => /examples\/hub\/([a-z]+)/.exec(argv[argv.indexOf('--input') + 1] ?? '')?.[1]);
    expect(folders.sort()).toEqual(
      readdirSync(join(root, 'examples', 'hub'), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort(),
    );
  });

  it.each(commands.map((argv) => [/examples\/hub\/([a-z]+)/.exec(argv.join(' '))?.[1] as string, argv] as const))(
    '%s: runs as written and equals the same records as JSON lines',
    async (folder, argv) => {
      const dir = mkdtempSync(join(tmpdir(), 'tokenshift-hub-'));
      const output = argv[argv.indexOf('--output') + 1] as string;
      const ext = output.slice(output.lastIndexOf('.'));
      const args = [...argv];
      args[args.indexOf('--output') + 1] = join(dir, `from-parquet${ext}`);
      const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toContain('balanced');
      const records = (await hubRecords(folder)).map(BY_HAND[folder] as (r: Record<string, unknown>) => Record<string, unknown>);
      const jsonl = join(dir, 'records.jsonl');
      writeFileSync(jsonl, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      // The same command on the hand-mapped records: no --columns (the names are ours now), same everything else.
      const plain = [...args];
      plain[plain.indexOf('--input') + 1] = jsonl;
      plain[plain.indexOf('--output') + 1] = join(dir, `from-json${ext}`);
      const columns = plain.indexOf('--columns');
      if (columns >= 0) plain.splice(columns, 2);
      const again = spawnSync(process.execPath, [bin, ...plain], { encoding: 'utf8' });
      expect(again.status, again.stderr).toBe(0);
      expect(readFileSync(join(dir, `from-parquet${ext}`)).equals(readFileSync(join(dir, `from-json${ext}`)))).toBe(true);
      const meta = JSON.parse(readFileSync(join(dir, `from-parquet${ext}.meta.json`), 'utf8')) as { records: number; rows: number; trainedLabels: number };
      expect(meta.records).toBe(records.length);
      expect(meta.trainedLabels).toBeGreaterThan(0);
    },
  );
});
