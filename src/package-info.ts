// Where the installed tokenshift package is, and its version (for the sidecar, `doctor` and the addon loader).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder of tokenshift's package.json, found upward from this module (dist/cjs or dist/esm). */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tokenshift') {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no tokenshift package.json above ${__dirname}`);
    dir = parent;
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
