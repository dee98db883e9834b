// The package as consumers load it: `require('tokenshift')` and `import 'tokenshift'` from a separate
// Node process, resolved through package.json "exports".

import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

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
