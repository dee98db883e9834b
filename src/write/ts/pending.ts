// Output that appears only when complete (twin of crates/tokenshift-core/src/write/atomic.rs):
// written under `<name>.tmp-<pid>`, renamed on commit, removed on abort.

import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

export class PendingPath {
  readonly temporary: string;

  constructor(
    readonly target: string,
    private readonly isDir: boolean,
  ) {
    this.temporary = `${target}.tmp-${process.pid}`;
    mkdirSync(dirname(target), { recursive: true });
    if (isDir) {
      rmSync(this.temporary, { recursive: true, force: true });
      mkdirSync(this.temporary);
    }
  }

  commit(): void {
    // rename(2) cannot replace a non-empty directory.
    if (this.isDir && existsSync(this.target)) rmSync(this.target, { recursive: true, force: true });
    renameSync(this.temporary, this.target);
  }

  abort(): void {
    rmSync(this.temporary, { recursive: true, force: true });
  }
}
