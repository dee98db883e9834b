// The trainers' own readers (Megatron-Core, litdata, OLMo, MosaicML streaming) in the virtualenv that scripts/trainer-readers.cjs
// makes. Under CI its absence is an error (.ci/run makes it first); elsewhere the tests that need it
// skip with a printed reason.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readersPython, readersVenv } = require('../../scripts/trainer-readers.cjs') as { readersPython(): string | null; readersVenv(): string };

export function trainerReaders(): string | null {
  const python = readersPython();
  if (python !== null) return python;
  const why = `the trainers' readers are not installed in ${readersVenv()} (run: node scripts/trainer-readers.cjs)`;
  if (process.env.CI) throw new Error(`${why}: CI must install them`);
  console.warn(`[tokenshift tests] skipping tests that need ${why}`);
  return null;
}

/** JSON lines a reader script under __test__/readers printed, parsed. */
export function runReader<T>(python: string, script: string, args: string[]): T[] {
  const result = spawnSync(python, [join(__dirname, '..', 'readers', script), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, PYTHONWARNINGS: 'ignore' },
  });
  if (result.status !== 0) throw new Error(`${script} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);
}
