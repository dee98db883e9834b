// Issue #24: stdout that cannot take what is written. For `prepare --output -` stdout is the dataset, so
// a reader that stops early means lost rows: exit 1 and no stats file that would call the run complete.
// A full device (/dev/full) is one line on stderr, never a stack trace, for every command.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { PACKAGED_TOKENIZERS } from './support/shared';

const bin = join(__dirname, '..', 'bin', 'tokenshift.cjs');
const sample = join(__dirname, '..', 'examples', 'alpaca-sample.jsonl');
const tokenizer = PACKAGED_TOKENIZERS.qwen3;
const shell = (command: string) => spawnSync('bash', ['-c', command], { encoding: 'utf8' });

describe('stdout that stops taking rows', () => {
  it('prepare --output - | head: exit 1, said on stderr, no stats file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-stdout-'));
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, readFileSync(sample, 'utf8').repeat(80));
    const stats = join(dir, 'stats.json');
    const run = shell(
      `"${process.execPath}" "${bin}" prepare --tokenizer "${tokenizer}" --input "${input}" --output - --shift model --stats "${stats}" | head -c 1000 > /dev/null; exit \${PIPESTATUS[0]}`,
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cannot write to stdout \(EPIPE\): the reader closed it early: the rows written are incomplete/);
    expect(existsSync(stats)).toBe(false);
  });

  it('inspect | head is still a normal end', () => {
    const run = shell(
      `"${process.execPath}" "${bin}" inspect --tokenizer "${tokenizer}" --input "${sample}" --shift model --n 8 | head -c 10 > /dev/null; exit \${PIPESTATUS[0]}`,
    );
    expect(run.status).toBe(0);
  });

  const rows = join(mkdtempSync(join(tmpdir(), 'tokenshift-lint-')), 'rows.jsonl');
  spawnSync(process.execPath, [bin, 'prepare', '--tokenizer', tokenizer, '--input', sample, '--output', rows, '--shift', 'model']);
  it.each([
    ['doctor', ''],
    ['inspect', `--tokenizer "${tokenizer}" --input "${sample}" --shift model --n 1`],
    ['lint', `"${rows}"`],
    ['prepare', `--tokenizer "${tokenizer}" --input "${sample}" --output - --shift model`],
  ])('%s > /dev/full: one line on stderr, exit 1, no stack trace', (command, args) => {
    const run = shell(`"${process.execPath}" "${bin}" ${command} ${args} > /dev/full`);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/ENOSPC|no space left/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('abort while the source stalls', () => {
  it('prepareIter ends at abort instead of waiting for a source that sends nothing more', async () => {
    const { prepareIter, Tokenizer } = await import('../dist/esm/index.mjs');
    const tokenizer = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3);
    async function* stalled(): AsyncGenerator<string> {
      yield '{"prompt": "Q: ", "completion": "A"}\n';
      await new Promise(() => undefined); // never resolves: a socket that went quiet
    }
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopped by the test')), 200);
    const started = Date.now();
    const consume = async () => {
      for await (const batch of prepareIter(stalled(), { tokenizer, shift: 'model', signal: controller.signal })) void batch;
    };
    await expect(consume()).rejects.toThrow('stopped by the test');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
