// Property-based tests (issue #24) over the inputs added since the first fuzz round, through the CLI as
// users run it: Parquet inputs (the same records as JSON lines must give the same rows and counts), column
// mappings with hostile names, folders of shards (links included, the same rows as one file; --shard parts
// adding up), and `lint` on damaged datasets. Properties: exit 0, 1 (a named bad record or file) or 2 (a
// named bad option), never a crash or a stack trace; what is written balances. FUZZ_RUNS and FUZZ_SEED as
// in fuzz.test.ts (`npm run fuzz` runs both for ten minutes and more).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import { createDatasetWriter, createPreparer, pack, Tokenizer } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { prepareArgs } from './support/cli';
import { PACKAGED_TOKENIZERS } from './support/shared';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : process.env.CI ? 20_261_202 : undefined;
const CASES = { numRuns: Math.max(4, Math.round(RUNS / 8)), ...(SEED === undefined ? {} : { seed: SEED }) };
const hasNative = testBackends().includes('native');
/** A CLI run takes about a second; a case makes up to five. */
const TIMEOUT_MS = CASES.numRuns * 10_000 + 60_000;
const bin = join(__dirname, '..', 'bin', 'tokenshift.cjs');
const tokenizerDir = PACKAGED_TOKENIZERS.qwen3;

/** Valid UTF-8 text with what breaks naive code (no lone surrogates: Parquet strings are UTF-8). */
const text = fc
  .array(
    fc.oneof(
      fc.constantFrom('a', ' ', '\n', '\r\n', '\t', 'é', 'e\u0301', '🚀', '\u0000', '\ufeff', '中', '"', '<|im_end|>', '▁'),
      fc.string({ maxLength: 5 }),
    ),
    {
      maxLength: 12,
    },
  )
  .map((parts) => parts.join('').replace(/[\ud800-\udfff]/g, 'x'));
const nullableText = fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: fc.constant(null) });
const records = fc.array(fc.record({ prompt: nullableText, completion: nullableText, id: fc.integer({ min: -1000, max: 1000 }) }), {
  minLength: 1,
  maxLength: 12,
});

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  expect([0, 1, 2], run.stderr).toContain(run.status);
  expect(run.stderr).not.toMatch(/internal error|panic|\n\s+at .*:\d+/);
  return run;
}

function prepare(input: string, output: string, ...extra: string[]) {
  return cli(...prepareArgs(tokenizerDir, [input], output, ['--on-error', 'skip', '--threads', '1', ...extra]));
}

const jsonLines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : null);

describe('fuzz the inputs added since round one (CLI)', () => {
  const root = mkdtempSync(join(tmpdir(), 'tokenshift-fuzz-inputs-'));
  let caseNumber = 0;
  const caseDir = () => {
    const dir = join(root, String(caseNumber++));
    mkdirSync(dir);
    return dir;
  };

  it.runIf(hasNative)(
    'Parquet records give the rows and counts the same records as JSON lines give',
    () => {
      fc.assert(
        fc.property(records, (rows) => {
          const dir = caseDir();
          const buffer = parquetWriteBuffer({
            columnData: [
              { name: 'prompt', data: rows.map((r) => r.prompt), type: 'STRING' },
              { name: 'completion', data: rows.map((r) => r.completion), type: 'STRING' },
              { name: 'id', data: rows.map((r) => r.id), type: 'INT32' },
            ],
          });
          writeFileSync(join(dir, 'in.parquet'), Buffer.from(buffer));
          writeFileSync(join(dir, 'in.jsonl'), jsonLines(rows));
          const fromParquet = prepare(join(dir, 'in.parquet'), join(dir, 'p.jsonl'), '--keep', 'id');
          const fromJsonl = prepare(join(dir, 'in.jsonl'), join(dir, 'j.jsonl'), '--keep', 'id');
          expect(fromParquet.status).toBe(fromJsonl.status);
          expect(read(join(dir, 'p.jsonl'))).toEqual(read(join(dir, 'j.jsonl')));
          expect(fromParquet.stderr.match(/records = rows \+ skipped: \w+/)?.[0]).toEqual(fromJsonl.stderr.match(/records = rows \+ skipped: \w+/)?.[0]);
        }),
        CASES,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'column mappings with hostile names are applied or refused by name, never a crash',
    () => {
      const names = fc.constantFrom('prompt', 'completion', 'q', 'a', '__proto__', 'constructor', 'toString', '', 'é', 'a b', 'x=y', 'text', 'messages');
      fc.assert(
        fc.property(records, fc.array(fc.tuple(names, names), { minLength: 1, maxLength: 3 }), (rows, pairs) => {
          const dir = caseDir();
          writeFileSync(join(dir, 'in.jsonl'), jsonLines(rows.map((r) => ({ q: r.prompt, a: r.completion, 'a b': r.prompt, é: r.completion }))));
          const run = prepare(join(dir, 'in.jsonl'), join(dir, 'out.jsonl'), '--columns', pairs.map(([ours, theirs]) => `${ours}=${theirs}`).join(','));
          if (run.status === 2) expect(run.stderr).toMatch(/columns/);
          if (run.status === 0) expect(run.stderr).toMatch(/records = rows \+ skipped: balanced/);
        }),
        CASES,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'a folder of shards (some linked, some empty) gives the rows of one file; --shard parts add up',
    () => {
      fc.assert(
        fc.property(records, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 3 }), (rows, cuts, parts) => {
          const dir = caseDir();
          const shards = join(dir, 'shards');
          mkdirSync(shards);
          const lines = rows.map((r) => JSON.stringify(r));
          const bounds = [...new Set(cuts.map((c) => c % (lines.length + 1)))].sort((x, y) => x - y);
          const pieces = [0, ...bounds, lines.length].slice(1).map((end, i, all) => lines.slice(i === 0 ? 0 : all[i - 1], end));
          pieces.forEach((piece, i) => {
            const name = `part-${String(i).padStart(4, '0')}.jsonl`;
            const body = piece.length === 0 ? '' : piece.join('\n') + '\n';
            // Every other shard lives outside the folder, linked in (a Hugging Face cache snapshot).
            if (i % 2 === 1) {
              writeFileSync(join(dir, name), body);
              symlinkSync(join(dir, name), join(shards, name));
            } else writeFileSync(join(shards, name), body);
          });
          writeFileSync(join(dir, 'all.jsonl'), lines.join('\n') + '\n');
          const whole = prepare(join(dir, 'all.jsonl'), join(dir, 'whole.jsonl'));
          const folder = prepare(shards, join(dir, 'folder.jsonl'));
          expect(folder.status).toBe(whole.status);
          expect(read(join(dir, 'folder.jsonl'))).toEqual(read(join(dir, 'whole.jsonl')));
          let shardedRows = 0;
          for (let i = 0; i < parts; i++) {
            const run = prepare(shards, join(dir, 'sharded.jsonl'), '--shard', `${i}/${parts}`);
            expect(run.status).toBe(whole.status);
            const written = readdirSync(dir).filter((f) => f.startsWith('sharded') && f.endsWith('.jsonl'));
            for (const f of written) shardedRows += (read(join(dir, f)) ?? '').split('\n').filter((l) => l !== '').length;
            for (const f of written) rmSync(join(dir, f));
          }
          expect(shardedRows).toBe((read(join(dir, 'whole.jsonl')) ?? '').split('\n').filter((l) => l !== '').length);
        }),
        CASES,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'lint on damaged datasets: a report or an error naming the file, never a crash or a hang',
    () => {
      const dir = caseDir();
      const tokenizer = Tokenizer.fromDir(tokenizerDir);
      const batch = createPreparer(tokenizer, { shift: 'model' }).prepare(
        Array.from({ length: 30 }, (_, i) => ({ prompt: `q${i} ${'x '.repeat(i % 5)}`, completion: ` a${i}` })),
      );
      const packed = pack(batch, { mode: 'bfd', blockSize: 64 });
      const datasets: [string, string][] = [];
      const formats: ('jsonl' | 'npy' | 'bin' | 'parquet')[] = hasNative ? ['jsonl', 'npy', 'bin', 'parquet'] : ['jsonl', 'npy', 'bin'];
      for (const format of formats) {
        const path = join(dir, format === 'npy' || format === 'bin' ? `ds-${format}` : `ds.${format}`);
        const writer = createDatasetWriter(path, {
          format,
          ...(format === 'npy' ? { length: 64 } : {}),
          ...(format === 'bin' ? { vocabSize: 151_936, sepId: 0, chunkSize: 256 } : {}),
        });
        writer.write(format === 'bin' ? batch : packed);
        writer.finish({ shift: 'model' });
        const file =
          format === 'npy'
            ? join(path, 'input_ids.npy')
            : format === 'bin'
              ? join(path, readdirSync(path).filter((f) => f.endsWith('.bin'))[0] as string)
              : path;
        datasets.push([path, file]);
      }
      fc.assert(
        fc.property(
          fc.nat(datasets.length - 1),
          fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }),
          fc.option(fc.nat(), { nil: undefined }),
          (which, flips, cut) => {
            const [dataset, file] = datasets[which] as [string, string];
            const original = readFileSync(file);
            const damaged = Buffer.from(original);
            for (const [at, byte] of flips) damaged[at % damaged.length] = byte;
            writeFileSync(file, cut === undefined ? damaged : damaged.subarray(0, cut % (damaged.length + 1)));
            try {
              const started = Date.now();
              const run = cli('lint', dataset, '--shift', 'model', '--json');
              expect(Date.now() - started).toBeLessThan(60_000);
              if (run.status === 1 && run.stdout === '') expect(run.stderr).toContain(file.includes('/ds-') ? dataset : file);
            } finally {
              writeFileSync(file, original);
            }
          },
        ),
        CASES,
      );
    },
    TIMEOUT_MS,
  );
});
