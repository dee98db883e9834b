// The `tokenshift` command run as a user runs it, and `prepare` into a folder, for the input tests.

import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { expect } from 'vitest';

const bin = join(__dirname, '..', '..', 'bin', 'tokenshift.cjs');

/** The temporary output `<out>.tmp-<pid>-<16 hex>` of process `pid`, if it exists yet. */
export function temporaryOf(out: string, pid: number | undefined): string | null {
  const dir = dirname(out);
  const name = readdirSync(dir).find((f) => f.startsWith(`${basename(out)}.tmp-${pid}-`));
  return name === undefined ? null : join(dir, name);
}

export function cli(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The arguments of `tokenshift prepare --shift model` from `inputs` to `output`, then `extra`. */
export function prepareArgs(tokenizer: string, inputs: string[], output: string, extra: string[] = []): string[] {
  return ['prepare', '--tokenizer', tokenizer, ...inputs.flatMap((i) => ['--input', i]), '--output', output, '--shift', 'model', ...extra];
}

/** `prepare` of `inputs` into `<dir>/<name>.jsonl` (or its shard name); the rows, the summary and the sidecar. */
export function prepareInto(
  dir: string,
  name: string,
  tokenizer: string,
  inputs: string[],
  extra: string[] = [],
): { rows: string; stderr: string; meta: Record<string, unknown> } {
  const run = cli(prepareArgs(tokenizer, inputs, join(dir, `${name}.jsonl`), extra));
  expect(run.status, run.stderr).toBe(0);
  // --shard I/N names the output <name>-0000I-of-0000N.jsonl.
  const out = join(dir, readdirSync(dir).find((f) => f.startsWith(name) && f.endsWith('.jsonl')) as string);
  return { rows: readFileSync(out, 'utf8'), stderr: run.stderr, meta: JSON.parse(readFileSync(`${out}.meta.json`, 'utf8')) as Record<string, unknown> };
}
