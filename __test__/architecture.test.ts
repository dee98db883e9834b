// House rules a maintainer can rely on (issue #13): the TS twin mirrors the Rust core path for path, no
// import cycles (at run time in the TS package, or between the Rust core's modules), and one place that
// picks the backend.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, ext) : path.endsWith(ext) ? [path] : [];
  });
}

/** A cycle in `graph` (node → nodes it uses), as the path that closes it, or null. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle !== null) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle !== null) return cycle;
  }
  return null;
}

describe('no import cycles', () => {
  it('TS: the compiled package requires no module that requires it back (type-only imports are erased)', () => {
    const dist = join(root, 'dist', 'cjs');
    const graph = new Map<string, string[]>();
    for (const file of files(dist, '.js')) {
      const source = readFileSync(file, 'utf8');
      const deps = [...source.matchAll(/require\("(\.[^"]+)"\)/g)].map((m) => relative(dist, resolve(dirname(file), m[1] as string)));
      graph.set(relative(dist, file), deps);
    }
    expect(graph.size).toBeGreaterThan(40);
    expect(findCycle(graph)).toBeNull();
  });

  it("Rust: the core's top-level modules depend on each other without cycles", () => {
    const src = join(root, 'crates', 'tokenshift-core', 'src');
    const graph = new Map<string, string[]>();
    for (const file of files(src, '.rs')) {
      const module = relative(src, file).split(/[\\/]/)[0]?.replace(/\.rs$/, '') as string;
      const uses = [...readFileSync(file, 'utf8').matchAll(/crate::([a-z_]+)/g)].map((m) => m[1] as string).filter((m) => m !== module);
      graph.set(module, [...new Set([...(graph.get(module) ?? []), ...uses])]);
    }
    expect(graph.get('prepare')).toContain('chat');
    expect(findCycle(graph)).toBeNull();
  });
});

describe('one backend dispatcher', () => {
  it('only backend/dispatch.ts decides between the addon and the TS twin', () => {
    const deciding = files(join(root, 'src'), '.ts').filter((file) => /loadNativeAddon\(\)|backend === 'ts'/.test(readFileSync(file, 'utf8')));
    expect(deciding.map((f) => relative(join(root, 'src'), f)).sort()).toEqual([
      'backend/dispatch.ts',
      'backend/native-addon.ts',
      'backend/select.ts',
      'cli/doctor-command.ts',
    ]);
  });
});

describe('the TS twin mirrors the core path for path', () => {
  const core = join(root, 'crates', 'tokenshift-core', 'src');
  const twin = join(root, 'src', 'twin');
  // The stages whose output depends on tokenization get a twin; readers (read/), writers, the tokenizer wrapper and the
  // helpers below have one implementation each.
  const TWINNED = ['align', 'chat', 'collate', 'pack', 'prepare', 'tokenizer'];
  const TWINNED_FILES = ['rows.rs'];
  const CORE_ONLY: Record<string, string> = {
    'align/mod.rs': 'declares the module',
    'chat/mod.rs': 'declares the modules',
    'chat/tojson.rs': "@huggingface/jinja's own `tojson` already writes like Python's json.dumps",
    'prepare/outcome.rs': "one record's contribution to a batch; the TS twin assembles it inline (src/twin/prepare/mod.ts)",
    'prepare/memory_gate.rs': 'bounds native memory of batches in flight across threads; the TS twin runs on the JS thread',
    'tokenizer/mod.rs': 'the TS backend wraps @huggingface/tokenizers instead (src/backend/ts.ts)',
    'tokenizer/cleanup.rs': "@huggingface/tokenizers' decode does its own clean-up",
    'tokenizer/engine.rs': 'chooses between native engines (tokenizers 1.0 and 0.23)',
    'tokenizer/bulk.rs': "the native bulk paths choose between engines; the TS backend's bulk paths are in src/backend/ts.ts",
    'tokenizer/admission.rs': 'decides whether the native 1.0 engine may serve a tokenizer; the TS backend has one engine',
    'tokenizer/verify.rs': 'cross-checks the native 1.0 engine against 0.23 while running; the TS backend has one engine',
    'tokenizer/quiet_stderr.rs': "captures a native dependency's prints while the 1.0 engine loads",
    'tokenizer/surface_kind.rs': "decides which configs let the native 1.0 engine's spans be rebuilt; the TS backend's spans follow the crate's offsets",
    'tokenizer/surface.rs': "rebuilds spans for the 1.0 engine; the TS backend's spans follow the crate's offsets (src/backend/ts-spans.ts)",
    'tokenizer/space_cuts.rs': 'cuts texts into words for the native 1.0 engine, a speed path with the same ids; the TS backend encodes texts whole',
    'tokenizer/admission_cache.rs': 'keeps the native 1.0 engine admission verdicts between processes; the TS backend has one engine',
    'tokenizer/cache_budget.rs': 'keeps the native admission cache within its size budget; the TS backend keeps no cache',
    'tokenizer/canonical_cache.rs': "keeps the native 1.0 engine's canonical config between processes; the TS backend has one engine",
    'tokenizer/warm_up.rs': 'decides when the native 1.0 engine takes over from 0.23 after a start; the TS backend has one engine',
    'tokenizer/start.rs': 'builds and admits the native 1.0 engine (in parallel with 0.23 when the verdict is cached); the TS backend has one engine',
  };
  const TWIN_ONLY: Record<string, string> = {};

  it('every core file of a twinned module has a twin of the same name, and every twin a core file', () => {
    const coreFiles = [...TWINNED_FILES, ...TWINNED.flatMap((dir) => files(join(core, dir), '.rs').map((f) => relative(core, f)))];
    const twinFiles = files(twin, '.ts').map((f) => relative(twin, f));
    const missingTwins = coreFiles.filter((f) => !(f in CORE_ONLY) && !twinFiles.includes(f.replace(/\.rs$/, '.ts')));
    const orphanTwins = twinFiles.filter((f) => !(f in TWIN_ONLY) && !coreFiles.includes(f.replace(/\.ts$/, '.rs')));
    expect(missingTwins, 'core files without a twin in src/twin').toEqual([]);
    expect(orphanTwins, 'twins without a core file').toEqual([]);
    for (const f of [...Object.keys(CORE_ONLY).filter((k) => !coreFiles.includes(k)), ...Object.keys(TWIN_ONLY).filter((k) => !twinFiles.includes(k))]) {
      throw new Error(`stale exception ${f}: the file is gone`);
    }
  });

  it('no twin outside src/twin: facades dispatch, they do not reimplement', () => {
    const elsewhere = files(join(root, 'src'), '.ts').filter((f) => !f.startsWith(twin) && /^\/\/ Twin of/m.test(readFileSync(f, 'utf8')));
    expect(elsewhere.map((f) => relative(root, f))).toEqual([]);
  });
});

describe('file size', () => {
  it('no source file over 400 lines', () => {
    const sources = [...files(join(root, 'src'), '.ts'), ...files(join(root, 'crates'), '.rs')];
    const long = sources.map((f) => [relative(root, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });
});
