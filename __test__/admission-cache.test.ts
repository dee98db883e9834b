// The admission cache (docs/engine.md): a verdict kept in TOKENSHIFT_CACHE_DIR serves the next process exactly
// as a fresh admission would (engine, note, ids), for an admitted tokenizer and for one 1.0 cannot read; the
// canonical 1.0 config kept beside a verdict builds 1.0 in the next process; a damaged entry or config is a miss
// that is written again; `off` writes nothing. Each run is a new process, as the cache
// is for. Runs anywhere: tokenizers from devDependencies.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { testBackends } from './support/backends';
import { bpeTokenizer } from './support/constructed-tokenizers';
import { BROAD_TOKENIZERS, PACKAGED_TOKENIZERS } from './support/shared';

const root = join(__dirname, '..');
const native = testBackends().includes('native');
const texts = ['Hello world', '  indented  code\n\tfn main() {}', '机器学习 🤔 naïve', ''];

// A vocabulary 1.0 cannot read (it panics): refused, with a note.
const unreadable = bpeTokenizer({}, [], { pre_tokenizer: { type: 'Whitespace' } });

function run(cacheDir: string): { stderr: string; out: unknown } {
  const script = `const { Tokenizer } = require(${JSON.stringify(join(root, 'dist', 'cjs', 'index.js'))});
    const out = [];
    for (const t of [
      Tokenizer.fromDir(${JSON.stringify(PACKAGED_TOKENIZERS.qwen3)}, { backend: 'native' }),
      Tokenizer.fromDir(${JSON.stringify(BROAD_TOKENIZERS.mistral)}, { backend: 'native' }),
      new Tokenizer(${JSON.stringify(JSON.stringify(unreadable))}, null, { backend: 'native' }),
    ]) {
      const batch = t.encodeBatch(${JSON.stringify(texts)});
      out.push({ engine: t.engine, note: t.engineNote, ids: Array.from(batch.ids), offsets: Array.from(batch.offsets) });
    }
    process.stdout.write(JSON.stringify(out));`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, TOKENSHIFT_CACHE_DIR: cacheDir } });
  expect(result.status, result.stderr).toBe(0);
  return { stderr: result.stderr, out: JSON.parse(result.stdout) as unknown };
}

describe.runIf(native)('admission cache (native backend)', () => {
  it('a cached verdict serves like a fresh admission; damaged entries are written again; off writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-admission-'));
    const uncached = run('off');
    const fresh = run(dir);
    const entries = readdirSync(dir).filter((name) => /^admission-[0-9a-f]{64}\.json$/.test(name));
    expect(entries).toHaveLength(3);
    // The canonical 1.0 config of the admitted tokenizer encoded whole (Qwen3; Mistral's word cuts need an engine of their own).
    const configs = readdirSync(dir).filter((name) => /^canonical-[0-9a-f]{64}\.json$/.test(name));
    expect(configs).toHaveLength(1);
    // Admitted builds that printed nothing say so: later processes build them beside JavaScript, uncaptured.
    const verdicts = entries.map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as { unreachable?: unknown; quiet?: boolean });
    expect(verdicts.filter((v) => v.unreachable !== undefined).map((v) => v.quiet)).toEqual([true, true]);
    const kept = [...entries, ...configs].sort();
    expect(readdirSync(dir).sort()).toEqual(kept);
    const cached = run(dir);
    for (const result of [fresh, cached]) {
      expect(result.out).toEqual(uncached.out);
      expect(result.stderr).toBe('');
    }
    const [qwen, llama, refused] = uncached.out as { engine: string; note: string | null }[];
    expect([qwen?.engine, llama?.engine, refused?.engine]).toEqual(['tokenizers-1.0', 'tokenizers-1.0', 'tokenizers-0.23']);
    expect(refused?.note).toMatch(/^tokenizers 1\.0 failed while reading it/);

    // A damaged config alone: the verdict holds, 1.0 is built from the file and its config kept again.
    for (const name of configs) writeFileSync(join(dir, name), '{"format": 1}\n{"model": {}}');
    expect(run(dir).out).toEqual(uncached.out);
    expect(readdirSync(dir).sort()).toEqual(kept);
    for (const name of configs) expect(statSync(join(dir, name)).size).toBeGreaterThan(1_000_000);
    for (const name of kept) writeFileSync(join(dir, name), '{"format": 1, "key": "');
    expect(run(dir).out).toEqual(uncached.out);
    expect(readdirSync(dir).sort()).toEqual(kept);
    expect(run(dir).out).toEqual(uncached.out);

    const off = mkdtempSync(join(tmpdir(), 'tokenshift-admission-off-'));
    const result = spawnSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(join(root, 'dist', 'cjs', 'index.js'))}).Tokenizer.fromDir(${JSON.stringify(PACKAGED_TOKENIZERS.qwen3)}).encodeBatch(['x'])`,
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, TOKENSHIFT_CACHE_DIR: 'off', XDG_CACHE_HOME: off, HOME: off },
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(readdirSync(off)).toEqual([]);
  });
});
