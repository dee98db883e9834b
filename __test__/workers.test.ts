// Issue #16: a worker pool that recycles its workers loads the addon again and again, in threads the main
// thread never shared it with. Every life cycle — load, exit, load again; terminate with native async
// work in flight; many workers at once — must work. Run in a child process, so that a crash of the addon
// (it used to segfault in mimalloc on the second load) fails this test instead of the test runner.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { testBackends } from './support/backends';
import { PACKAGED_TOKENIZERS } from './support/shared';

describe('worker_threads', () => {
  it.runIf(testBackends().includes('native'))('load, exit, reload, terminate mid-task, many at once: no crash, native every time', () => {
    const script = join(__dirname, 'support', 'worker-lifecycles.cjs');
    const entry = join(__dirname, '..', 'dist', 'cjs', 'index.js');
    const run = spawnSync(process.execPath, [script, entry, PACKAGED_TOKENIZERS.qwen3], { encoding: 'utf8', timeout: 300_000 });
    expect(run.signal, run.stderr).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    const steps = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { step: string; backend?: string; code?: number; tokens?: number; backends?: string[] });
    expect(steps.map((s) => s.step)).toEqual([
      'sequential-0',
      'sequential-1',
      'sequential-2',
      'terminated-0',
      'terminated-1',
      'terminated-2',
      'parallel-0',
      'parallel-1',
      'done',
    ]);
    const sequential = steps.filter((s) => s.step.startsWith('sequential'));
    expect(sequential.every((s) => s.backend === 'native' && s.code === 0 && s.tokens === sequential[0]?.tokens)).toBe(true);
    for (const parallel of steps.filter((s) => s.step.startsWith('parallel'))) expect(parallel.backends).toEqual(Array(6).fill('native'));
  });
});
