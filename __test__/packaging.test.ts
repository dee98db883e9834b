// The package as consumers load it: `require('tokenshift')` and `import 'tokenshift'` from a separate
// Node process, resolved through package.json "exports".

import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createDatasetWriter } from '../dist/esm/index.mjs';
import { PACKAGED_TOKENIZERS } from './support/shared';

const root = join(__dirname, '..');

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env } }).trim();
}

const program = (loader: string): string =>
  `${loader}
   const t = Tokenizer.fromDir(${JSON.stringify(PACKAGED_TOKENIZERS.qwen3)});
   console.log(JSON.stringify({ backend: t.backend, ids: t.encode('Hello world').ids, isError: new TokenizerLoadError('x') instanceof Error }));`;

describe('package entry points', () => {
  it('CommonJS and ESM consumers get the same API and results', () => {
    const cjs = JSON.parse(run(['-e', program("const { Tokenizer, TokenizerLoadError } = require('tokenshift');")])) as unknown;
    const esm = JSON.parse(run(['--input-type=module', '-e', program("import { Tokenizer, TokenizerLoadError } from 'tokenshift';")])) as unknown;
    expect(esm).toEqual(cjs);
    expect(cjs).toMatchObject({ ids: [9707, 1879], isError: true });
  });

  it('ESM exports exactly what the CommonJS build exports', () => {
    const cjsKeys = run(['-e', "console.log(Object.keys(require('tokenshift')).filter((k) => k !== '__esModule').sort().join(','))"]);
    const esmKeys = run(['--input-type=module', '-e', "import * as m from 'tokenshift'; console.log(Object.keys(m).sort().join(','))"]);
    expect(esmKeys).toBe(cjsKeys);
    expect(cjsKeys.split(',')).toContain('Tokenizer');
  });

  it('a process on the native addon never loads the TypeScript backend, yet AddedToken is theirs', () => {
    // Those modules were a third of `require('tokenshift')`: the start a short job pays in every process.
    const probe = `const loaded = () => Object.keys(require.cache).filter((p) => /@huggingface[\\\\/](tokenizers|jinja)|backend[\\\\/]ts\\.js|tinyglobby|picomatch/.test(p)).length;
      const { Tokenizer, createPreparer } = require('tokenshift');
      const t = Tokenizer.fromDir(${JSON.stringify(PACKAGED_TOKENIZERS.qwen3)});
      createPreparer(t, { shift: 'model' }).prepare([{ text: 'Hello world' }]);
      const before = loaded();
      const added = [...t.get_added_tokens_decoder().values()][0];
      const same = added instanceof require('@huggingface/tokenizers').AddedToken && require('tokenshift').AddedToken === require('@huggingface/tokenizers').AddedToken;
      new Tokenizer(require('node:fs').readFileSync(${JSON.stringify(join(PACKAGED_TOKENIZERS.qwen3, 'tokenizer.json'))}, 'utf8'), {}, { backend: 'ts' });
      const tsBackend = Object.keys(require.cache).some((p) => /backend[\\\\/]ts\\.js$/.test(p));
      console.log(JSON.stringify({ backend: t.backend, before, same, tsBackend }));`;
    const out = JSON.parse(run(['-e', probe])) as unknown;
    // Loaded, and working, once a tokenizer asks for the TypeScript backend.
    expect(out).toEqual({ backend: 'native', before: 0, same: true, tsBackend: true });
  });

  it('TOKENSHIFT_BACKEND=ts selects the TypeScript backend for every new tokenizer', () => {
    const out = execFileSync(process.execPath, ['-e', program("const { Tokenizer, TokenizerLoadError } = require('tokenshift');")], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TOKENSHIFT_BACKEND: 'ts' },
    });
    expect(JSON.parse(out)).toMatchObject({ backend: 'ts', ids: [9707, 1879] });
  });
});

describe('building from source', () => {
  it('says plainly when cargo is missing and exits 0 so the TS backend is used', () => {
    const script = join(root, 'scripts', 'build-native.cjs');
    const result = spawnSync(process.execPath, [script], { cwd: root, encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('cargo was not found, so the native addon was not built');
    expect(result.stderr).toContain('TypeScript backend');
    const strict = spawnSync(process.execPath, [script, '--strict'], { cwd: root, encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
    expect(strict.status).toBe(1);
  });
});

describe('an install without a native binary for the platform', () => {
  // The package as npm lays it out, minus every .node file: what a user gets on a platform with no prebuilt
  // binary and no cargo.
  function installWithoutBinary(): string {
    const project = mkdtempSync(join(tmpdir(), 'tokenshift-nobinary-'));
    const pkg = join(project, 'node_modules', 'tokenshift');
    mkdirSync(join(pkg, 'native'), { recursive: true });
    for (const entry of ['package.json', 'dist', 'bin']) cpSync(join(root, entry), join(pkg, entry), { recursive: true });
    for (const entry of ['index.js', 'index.d.ts']) cpSync(join(root, 'native', entry), join(pkg, 'native', entry));
    // Every runtime dependency, as npm would install it (a scoped package links its scope folder).
    const dependencies = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
    for (const dep of new Set(dependencies.map((d) => d.split('/')[0] as string)))
      symlinkSync(join(root, 'node_modules', dep), join(project, 'node_modules', dep));
    return project;
  }

  it('warns exactly once, on stderr, and works on the TypeScript backend', () => {
    const project = installWithoutBinary();
    const script = `const { Tokenizer, nativeStatus } = require('tokenshift');
      const a = Tokenizer.fromDir(${JSON.stringify(PACKAGED_TOKENIZERS.qwen3)});
      const b = Tokenizer.fromDir(${JSON.stringify(PACKAGED_TOKENIZERS.qwen3)});
      console.log(JSON.stringify({ backends: [a.backend, b.backend], ids: b.encode('Hello world').ids, native: nativeStatus().available }));`;
    const env = { ...process.env };
    delete env.TOKENSHIFT_BACKEND;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8', env });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ backends: ['ts', 'ts'], ids: [9707, 1879], native: false });
    expect(result.stderr.match(/TOKENSHIFT_TS_FALLBACK/g)).toHaveLength(1);
    expect(result.stderr).toContain('npm run build:native');
    const silenced = spawnSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8', env: { ...env, TOKENSHIFT_BACKEND: 'ts' } });
    expect(silenced.stderr).not.toContain('TOKENSHIFT_TS_FALLBACK');
    const doctor = spawnSync(process.execPath, [join(project, 'node_modules', 'tokenshift', 'bin', 'tokenshift.cjs'), 'doctor'], {
      cwd: project,
      encoding: 'utf8',
      env,
    });
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toMatch(/backend\s+ts \(fallback: the addon does not load\)/);
  });

  it('says that reading Parquet needs the addon, and still reads JSON lines', () => {
    const project = installWithoutBinary();
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-nobinary-parquet-'));
    // A Parquet file from this checkout's own writer (the addon is loaded here, not in the project).
    const writer = createDatasetWriter(join(dir, 'records.parquet'), { format: 'parquet' });
    writer.write({ inputIds: Int32Array.of(1, 2), labels: Int32Array.of(1, 2), offsets: Uint32Array.of(0, 2) });
    writer.finish();
    writeFileSync(join(dir, 'records.jsonl'), '{"text":"Hello world"}\n');
    const env = { ...process.env };
    delete env.TOKENSHIFT_BACKEND;
    const prepare = (input: string) =>
      spawnSync(
        process.execPath,
        [
          join(project, 'node_modules', 'tokenshift', 'bin', 'tokenshift.cjs'),
          'prepare',
          '--tokenizer',
          PACKAGED_TOKENIZERS.qwen3,
          '--input',
          input,
          '--output',
          '-',
          '--shift',
          'model',
        ],
        { cwd: project, encoding: 'utf8', env },
      );
    const parquet = prepare(join(dir, 'records.parquet'));
    expect(parquet.status).toBe(1);
    expect(parquet.stderr).toContain('needs the native addon, and it did not load');
    expect(parquet.stderr).toContain('The TypeScript fallback reads JSON lines, JSON arrays and gzip');
    const jsonl = prepare(join(dir, 'records.jsonl'));
    expect(jsonl.status, jsonl.stderr).toBe(0);
    expect(JSON.parse(jsonl.stdout)).toMatchObject({ input_ids: [9707, 1879, 151645] });
  });
});
