// Issue #24: a flood of skipped records keeps exact counts in bounded memory (the listed record numbers
// stop at MAX_LISTED_RECORDS and say how many were left out), and merge-stats refuses counters that
// cannot come from a run instead of calling them balanced. (The 2M- and 10M-line floods: benchmark/probe.cjs.)

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createPreparer, RecordError, Tokenizer, TokenizerLoadError } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { cli } from './support/cli';
import { PACKAGED_TOKENIZERS } from './support/shared';

const scratch = () => mkdtempSync(join(tmpdir(), 'tokenshift-floods-'));

describe('skip floods', () => {
  it('200,000 unreadable records: every one counted, the first 1,000 listed, the rest said', () => {
    const dir = scratch();
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, `${'{}\n'.repeat(199_999)}{"prompt": "Q", "completion": " A"}\n`);
    const stats = join(dir, 'stats.json');
    const run = cli([
      'prepare',
      '--tokenizer',
      PACKAGED_TOKENIZERS.qwen3,
      '--input',
      input,
      '--output',
      join(dir, 'out.jsonl'),
      '--shift',
      'model',
      '--on-error',
      'skip',
      '--stats',
      stats,
    ]);
    expect(run.status, run.stderr).toBe(0);
    const written = JSON.parse(readFileSync(stats, 'utf8'));
    expect(written.records).toBe(200_000);
    expect(written.rows).toBe(1);
    expect(written.skipped.invalid.count).toBe(199_999);
    expect(written.skipped.invalid.records).toHaveLength(1000);
    expect(written.skipped.invalid.notListed).toBe(198_999);
    expect(written.skipped.invalid.records[999].record).toBe(1000);
    expect(written.balanced).toBe(true);
    // Merged, the counts stay exact and the list stays capped.
    const merged = cli(['merge-stats', stats]);
    expect(merged.status, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout).skipped.invalid).toMatchObject({ count: 199_999, notListed: 198_999 });
  });
});

describe('merge-stats checks what it sums', () => {
  const good = {
    tool: 'tokenshift',
    records: 3,
    rows: 2,
    tokens: 10,
    trainedLabels: 4,
    truncated: { count: 0, records: [] },
    skipped: {
      count: 1,
      tooLong: { count: 0, records: [] },
      noTrainableLabels: { count: 0, records: [] },
      emptyCompletion: { count: 0, records: [] },
      chatTurnNotFound: { count: 0, records: [] },
      invalid: { count: 1, records: [{ record: 2, reason: 'x' }] },
    },
    lint: { bosRepeated: 0, eotUntrained: 0 },
    tokenizer: { sha256: 'abc' },
    shift: 'model',
    options: {},
    shard: null,
  };

  it('sums a well-formed file', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(good));
    const run = cli(['merge-stats', join(dir, 'ok.json')]);
    expect(run.status, run.stderr).toBe(0);
  });

  it.each([
    ['negative rows', { ...good, rows: -5 }, /`rows` is -5, not a count/],
    ['1e300 records', { ...good, records: 1e300 }, /`records` is 1e\+300, not a count/],
    ['kinds that do not add up', { ...good, skipped: { ...good.skipped, count: 7 } }, /`skipped.count` is 7, but its kinds add up to 1/],
    ['records that are not rows + skipped', { ...good, records: 9 }, /records \(9\) are not rows \(2\) \+ skipped \(1\)/],
    ['null', null, /not a tokenshift prepare stats file/],
  ])('refuses %s, naming the file, without a stack trace', (_, content, message) => {
    const dir = scratch();
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(content));
    const run = cli(['merge-stats', file]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('bad.json');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('every file read whole is read to a limit', () => {
  const sample = join(__dirname, '..', 'examples', 'alpaca-sample.jsonl');

  it('an endless file as tokenizer.json or tokenizer_config.json is an error naming it', () => {
    expect(() => Tokenizer.fromFile('/dev/zero')).toThrow(TokenizerLoadError);
    expect(() => Tokenizer.fromFile('/dev/zero')).toThrow(/\/dev\/zero holds more than the limit/);
    const dir = scratch();
    copyFileSync(join(PACKAGED_TOKENIZERS.qwen3, 'tokenizer.json'), join(dir, 'tokenizer.json'));
    symlinkSync('/dev/zero', join(dir, 'tokenizer_config.json'));
    expect(() => Tokenizer.fromDir(dir)).toThrow(/tokenizer_config\.json holds more than the limit/);
  });

  it.each(['--chat-template', '--prompt-template'])('%s /dev/zero is a usage error, not an abort', (flag) => {
    const run = cli(['prepare', '--tokenizer', PACKAGED_TOKENIZERS.qwen3, '--input', sample, '--shift', 'model', flag, '/dev/zero']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`${flag} /dev/zero holds more than the limit`));
  });

  it('merge-stats of /dev/zero or a folder is an error naming it', () => {
    const dir = scratch();
    mkdirSync(join(dir, 'folder'));
    for (const file of ['/dev/zero', join(dir, 'folder')]) {
      const run = cli(['merge-stats', file]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/not a tokenshift stats file/);
    }
  });
});

describe.each(testBackends())('one record has the same size limit on every path (%s backend)', (backend) => {
  it('a record of more than 16 MiB of text is an error naming it, or a counted skip', () => {
    const tokenizer = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend });
    const huge = { prompt: 'Q: ', completion: 'a'.repeat(16 * 1024 * 1024) };
    const records = [{ prompt: 'Q: ', completion: ' ok' }, huge];
    expect(() => createPreparer(tokenizer, { shift: 'model' }).prepare(records)).toThrow(RecordError);
    expect(() => createPreparer(tokenizer, { shift: 'model' }).prepare(records)).toThrow(/record 2: .*over the limit of 16777216 per record/);
    const skipped = createPreparer(tokenizer, { shift: 'model', onError: 'skip' }).prepare(records);
    expect(skipped.stats.rows).toBe(1);
    expect(skipped.stats.skipped.invalid.map((s) => s.record)).toEqual([2]);
  });
});
