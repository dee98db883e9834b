// Streaming: prepareIter / prepareStream give the in-memory result whatever the chunking, hold memory
// bounded for a slow consumer, apply the onError policy to every kind of bad record (and count them),
// abort promptly, and split work into shards deterministically; the CLI streams gzip and stdin.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { createPreparer, prepareIter, prepareStream, RecordError, Tokenizer, type PreparedBatch } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { PACKAGED_TOKENIZERS } from './support/shared';

const bin = join(__dirname, '..', 'bin', 'tokenshift.cjs');
const backends = testBackends();
const records = Array.from({ length: 300 }, (_, i) =>
  i % 3 === 0
    ? { text: `Document ${i} — ${'naïve café 東京 '.repeat(i % 5)}end.` }
    : { prompt: `Q${i}: ${'why '.repeat(i % 9)}?\n`, completion: ` A${i}. ${'Because. '.repeat((i * 5) % 11)}` },
);
// CRLF line ends and a blank line in the middle, as real files have.
const jsonl = records
  .map((r, i) => JSON.stringify(r) + (i % 7 === 0 ? '\r\n' : '\n'))
  .join('')
  .replace('\n', '\n\n');

interface Flat {
  inputIds: number[];
  labels: number[];
  lengths: number[];
  rowRecords: number[];
  records: number;
  skipped: unknown;
}

function flatten(batches: PreparedBatch[]): Flat {
  const out: Flat = {
    inputIds: [],
    labels: [],
    lengths: [],
    rowRecords: [],
    records: 0,
    skipped: { tooLong: [], noTrainableLabels: [], emptyCompletion: [], chatTurnNotFound: [], invalid: [] },
  };
  const skipped = out.skipped as Record<string, unknown[]>;
  for (const b of batches) {
    out.inputIds.push(...b.inputIds);
    out.labels.push(...b.labels);
    for (let r = 0; r < b.rowCount; r++) out.lengths.push((b.offsets[r + 1] as number) - (b.offsets[r] as number));
    out.rowRecords.push(...b.rowRecords);
    out.records += b.stats.records;
    for (const [k, v] of Object.entries(b.stats.skipped)) (skipped[k] as unknown[]).push(...v);
  }
  return out;
}

/** Splits bytes into pieces of varying size (cutting through lines and multi-byte characters). */
function* pieces(bytes: Buffer, seed: number): Generator<Buffer> {
  let at = 0;
  let k = seed;
  while (at < bytes.length) {
    k = (k * 1103515245 + 12345) % 2147483648;
    const n = 1 + (k % 97);
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

async function collect(source: AsyncIterable<unknown>): Promise<PreparedBatch[]> {
  const out: PreparedBatch[] = [];
  for await (const batch of source) out.push(batch as PreparedBatch);
  return out;
}

describe.each(backends)('%s backend', (backend) => {
  const tokenizer = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend });
  const inMemory = flatten([createPreparer(tokenizer, { shift: 'data' }).prepareJsonLines(jsonl)]);

  it('prepareIter gives the in-memory rows and record numbers for any chunking of the bytes', async () => {
    for (const [seed, chunkBytes] of [
      [1, 64],
      [2, 1000],
      [3, 1 << 20],
    ] as const) {
      const batches = await collect(prepareIter(pieces(Buffer.from(jsonl), seed), { tokenizer, shift: 'data', chunkBytes }));
      expect(flatten(batches), `chunkBytes ${chunkBytes}`).toEqual(inMemory);
      if (chunkBytes === 64) expect(batches.length).toBeGreaterThan(50);
    }
  });

  it('reads gzip through zlib, strings, and record objects the same way', async () => {
    const { createGunzip } = await import('node:zlib');
    const gunzip = Readable.from([gzipSync(jsonl)]).pipe(createGunzip());
    expect(flatten(await collect(prepareIter(gunzip, { tokenizer, shift: 'data', chunkBytes: 2000 })))).toEqual(inMemory);
    expect(flatten(await collect(prepareIter([jsonl.slice(0, 5000), jsonl.slice(5000)], { tokenizer, shift: 'data' })))).toEqual(inMemory);
    const fromObjects = flatten(await collect(prepareIter(records, { tokenizer, shift: 'data', chunkBytes: 3000 })));
    expect(fromObjects).toEqual(flatten([createPreparer(tokenizer, { shift: 'data' }).prepare(records)]));
  });

  describe('bad records', () => {
    const lines = [
      '{"text": "fine"}',
      '{"text": "broken',
      '{"prompt": "p", "completion": 5}',
      '{"text": ""}',
      `{"text": "${'x'.repeat(400)}"}`,
      '{"text": "fine again"}',
    ];
    const invalidUtf8 = Buffer.concat([Buffer.from('{"text": "bad \xff byte"}'.slice(0, 14), 'latin1'), Buffer.from([0xff, 0xfe]), Buffer.from(' byte"}')]);
    const bytes = Buffer.concat([Buffer.from(lines.join('\n') + '\n'), invalidUtf8, Buffer.from('\n{"text": "last"}\n')]);

    it("onError 'skip' counts each kind with its line number; records = rows + skipped", async () => {
      const run = prepareIter([bytes], { tokenizer, shift: 'model', onError: 'skip', maxLineBytes: 200, chunkBytes: 50 });
      const batches = await collect(run);
      const flat = flatten(batches);
      const invalid = (flat.skipped as { invalid: { record: number; reason: string }[] }).invalid;
      expect(invalid.map((s) => s.record)).toEqual([2, 3, 5, 7]);
      // An empty text is content, not malformed input: its own counted skip.
      expect((flat.skipped as { emptyCompletion: number[] }).emptyCompletion).toEqual([4]);
      expect(invalid[0]!.reason).toMatch(/^record 2: field `\(json\)` is not valid JSON/);
      expect(invalid[1]!.reason).toContain('record 3: field `completion` must be a string, got a number');
      expect(invalid[2]!.reason).toContain(`record 5: field \`(line)\` is ${Buffer.byteLength(lines[4]!)} bytes, over the limit of 200 bytes`);
      expect(invalid[3]!.reason).toContain('record 7: field `(json)` is not valid UTF-8');
      expect(flat.rowRecords).toEqual([1, 6, 8]);
      expect(flat.records).toBe(flat.rowRecords.length + invalid.length + 1);
    });

    it("onError 'fail' stops at the first bad line, naming it", async () => {
      await expect(collect(prepareIter([bytes], { tokenizer, shift: 'model', maxLineBytes: 200 }))).rejects.toMatchObject({ record: 2, field: '(json)' });
      const oversizedFirst = Buffer.from(`{"text": "${'y'.repeat(300)}"}\n{"text": "broken\n`);
      await expect(collect(prepareIter([oversizedFirst], { tokenizer, shift: 'model', maxLineBytes: 200 }))).rejects.toMatchObject({
        record: 1,
        field: '(line)',
      });
    });
  });

  it('prepareStream: a slow consumer keeps memory bounded; order and counts hold', async () => {
    const stream = prepareStream(tokenizer, { shift: 'data', chunkBytes: 512, inflight: 2 });
    let consumed = 0;
    let maxAhead = 0;
    const seen: number[] = [];
    await pipeline(
      Readable.from(pieces(Buffer.from(jsonl), 9)),
      stream,
      new Writable({
        objectMode: true,
        highWaterMark: 1,
        write(batch: PreparedBatch, _enc, done) {
          consumed += batch.stats.records;
          seen.push(...batch.rowRecords);
          maxAhead = Math.max(maxAhead, stream.report.totals.records - consumed);
          setTimeout(done, 5);
        },
      }),
    );
    expect(seen).toEqual(inMemory.rowRecords);
    expect(stream.report.totals.records).toBe(consumed);
    expect(stream.report.totals.balanced).toBe(true);
    // Prepared but unconsumed records stay within a few 512-byte chunks, never the whole input.
    const perChunk = Math.ceil(512 / (jsonl.length / records.length)) + 1;
    expect(maxAhead).toBeLessThanOrEqual(6 * perChunk);
    expect(maxAhead).toBeLessThan(records.length / 3);
  });

  it("a bad record reaches the stream's error event with its line number", async () => {
    const stream = prepareStream(tokenizer, { shift: 'data' });
    const failure = pipeline(Readable.from(['{"text": "ok"}\n{"text": 1}\n']), stream, new Writable({ objectMode: true, write: (_b, _e, done) => done() }));
    await expect(failure).rejects.toBeInstanceOf(RecordError);
    await expect(failure).rejects.toMatchObject({ record: 2, field: 'text' });
  });

  it('AbortSignal stops the work promptly', async () => {
    const controller = new AbortController();
    const endless = (async function* () {
      for (let i = 0; ; i++) yield `{"text": "line ${i} ${'word '.repeat(20)}"}\n`;
    })();
    let batches = 0;
    const started = Date.now();
    await expect(
      (async () => {
        for await (const _ of prepareIter(endless, { tokenizer, shift: 'model', chunkBytes: 4096, signal: controller.signal })) {
          if (++batches === 3) controller.abort();
        }
      })(),
    ).rejects.toThrow(/abort/i);
    expect(batches).toBe(3);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('shards are disjoint, cover every line, and do not depend on chunking', async () => {
    const all: number[] = [];
    for (let index = 0; index < 3; index++) {
      const flat = flatten(await collect(prepareIter([jsonl], { tokenizer, shift: 'data', shard: { index, count: 3 }, chunkBytes: 700 })));
      expect(flat.rowRecords.every((n) => (n - 1) % 3 === index)).toBe(true);
      all.push(...flat.rowRecords);
    }
    expect(all.sort((a, b) => a - b)).toEqual(inMemory.rowRecords);
  });
});

describe('the same stream on 1 and 2 threads', () => {
  it('gives identical rows', async () => {
    const runs = await Promise.all(
      [1, 2].map(async (threads) =>
        flatten(
          await collect(prepareIter([jsonl], { tokenizer: Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { threads }), shift: 'model', chunkBytes: 4000 })),
        ),
      ),
    );
    expect(runs[0]).toEqual(runs[1]);
  });
});

describe('tokenshift prepare, streaming', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenshift-stream-cli-'));
  const tokenizerDir = PACKAGED_TOKENIZERS.qwen3;
  const plain = join(dir, 'records.jsonl');
  writeFileSync(plain, jsonl);
  const gz = join(dir, 'records.jsonl.gz');
  writeFileSync(gz, gzipSync(jsonl));
  const cli = (args: string[], input?: Buffer) => spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8' });

  it('reads gzip files and gzip on stdin, with progress and a balanced summary', () => {
    const fromFile = cli(['prepare', '--tokenizer', tokenizerDir, '--input', gz, '--output', join(dir, 'gz.jsonl'), '--shift', 'data', '--progress']);
    expect(fromFile.status, fromFile.stderr).toBe(0);
    expect(fromFile.stderr).toMatch(/100\.0% .* ETA .* rec\/s .* tok\/s/);
    expect(fromFile.stderr).toContain('balanced');
    const fromPlain = cli(['prepare', '--tokenizer', tokenizerDir, '--input', plain, '--output', '-', '--shift', 'data']);
    const fromStdin = cli(['prepare', '--tokenizer', tokenizerDir, '--input', '-', '--output', '-', '--shift', 'data'], gzipSync(jsonl));
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout).toBe(fromPlain.stdout);
    expect(readFileSync(join(dir, 'gz.jsonl'), 'utf8')).toBe(fromPlain.stdout);
  });

  it('--on-error skip lists skipped lines in the stats; fail exits 1 naming the line', () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"text": "a"}\nnot json\n{"text": "b"}\n');
    const stats = join(dir, 'bad-stats.json');
    expect(
      cli([
        'prepare',
        '--tokenizer',
        tokenizerDir,
        '--input',
        bad,
        '--output',
        join(dir, 'bad-out.jsonl'),
        '--shift',
        'model',
        '--on-error',
        'skip',
        '--stats',
        stats,
      ]).status,
    ).toBe(0);
    const written = JSON.parse(readFileSync(stats, 'utf8')) as {
      records: number;
      rows: number;
      skipped: { count: number; invalid: { records: { record: number }[] } };
      balanced: boolean;
    };
    expect(written).toMatchObject({ records: 3, rows: 2, balanced: true, skipped: { count: 1 } });
    expect(written.skipped.invalid.records.map((r) => r.record)).toEqual([2]);
    const failed = cli(['prepare', '--tokenizer', tokenizerDir, '--input', bad, '--output', join(dir, 'fail.jsonl'), '--shift', 'model']);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('record 2: field `(json)` is not valid JSON');
  });

  it('--shard names outputs by shard, and merge-stats sums the shards to the unsharded run', () => {
    const whole = join(dir, 'whole-stats.json');
    expect(
      cli(['prepare', '--tokenizer', tokenizerDir, '--input', plain, '--output', join(dir, 'whole.jsonl'), '--shift', 'data', '--stats', whole]).status,
    ).toBe(0);
    const statsFiles: string[] = [];
    let lines = 0;
    for (let i = 0; i < 3; i++) {
      const run = cli([
        'prepare',
        '--tokenizer',
        tokenizerDir,
        '--input',
        gz,
        '--output',
        join(dir, 'shards', 'rows.jsonl'),
        '--shift',
        'data',
        '--shard',
        `${i}/3`,
        '--stats',
        join(dir, 'shards', 'stats.json'),
      ]);
      expect(run.status, run.stderr).toBe(0);
      // A gzip file is one work unit: one shard reads it, the others say they have no work.
      expect(run.stderr.includes('has no work: the input is fewer units than shards'), run.stderr).toBe(i !== 1);
      statsFiles.push(join(dir, 'shards', `stats-0000${i}-of-00003.json`));
      lines += readFileSync(join(dir, 'shards', `rows-0000${i}-of-00003.jsonl`), 'utf8')
        .split('\n')
        .filter((line) => line !== '').length;
    }
    const merged = cli(['merge-stats', ...statsFiles]);
    expect(merged.status, merged.stderr).toBe(0);
    const sum = JSON.parse(merged.stdout) as Record<string, unknown>;
    const single = JSON.parse(readFileSync(whole, 'utf8')) as Record<string, unknown>;
    for (const key of ['records', 'rows', 'tokens', 'trainedLabels', 'skipped', 'truncated', 'balanced']) expect(sum[key], key).toEqual(single[key]);
    expect(lines).toBe(single.rows);
    const missing = cli(['merge-stats', ...statsFiles.slice(1)]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/missing shards\s+0/);
  });
});
