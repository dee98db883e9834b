// capMallocArenas: applied where glibc and the addon are (the CLI relies on it for peak RSS), a no-op that says
// so elsewhere, and never over a MALLOC_ARENA_MAX the user set. Run in child processes: it changes the
// allocator of the process that calls it.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime !== undefined;

function capIn(env: Record<string, string | undefined>, count = ''): string {
  const script = `console.log(require(${JSON.stringify(join(root, 'dist', 'cjs', 'index.js'))}).capMallocArenas(${count}))`;
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env })) if (value !== undefined) childEnv[key] = value;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: childEnv });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
}

describe('capMallocArenas', () => {
  it.skipIf(!glibc)('caps the arenas on glibc', () => {
    expect(capIn({ MALLOC_ARENA_MAX: undefined })).toBe('true');
    expect(capIn({ MALLOC_ARENA_MAX: undefined }, '3')).toBe('true');
  });

  it('leaves a MALLOC_ARENA_MAX the user set alone', () => {
    expect(capIn({ MALLOC_ARENA_MAX: '4' })).toBe('false');
  });
});
