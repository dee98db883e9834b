// Timing helpers shared by the benchmarks: median of repeated runs after a warm-up, and ratio tables.
const { existsSync } = require('node:fs');
const { join, resolve } = require('node:path');

const SHARED = resolve(__dirname, '..', '..', '..', 'shared');

// Throughput benchmarks measure the tokenizers 1.0 engine from a tokenizer's first bulk call, as the issue's
// figures do; the warm-up (docs/engine.md) is a start-time matter, measured with the product's defaults by
// end-to-end.cjs (which clears this for its child processes).
process.env.TOKENSHIFT_ENGINE_WARM_UP_BYTES ??= '0';

function requireShared() {
  if (!existsSync(join(SHARED, 'data'))) {
    console.error(`benchmark needs ${SHARED} (the shared fixtures and data beside the project root)`);
    process.exit(2);
  }
  return SHARED;
}

/** Median wall time in seconds of `runs` calls of `fn` (sync or async), after one warm-up call. */
async function median(fn, runs = 5) {
  await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Median wall time of `fn(subject)` over `runs` rounds, each on a new subject from `make()` (not timed):
 * tokenizers cache the words they have seen, and a job meets its data once, so every round starts cold.
 * `dispose()` (when the subject has one) frees it before the next round.
 */
async function medianFresh(make, fn, runs = 3) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const subject = await make();
    const start = process.hrtime.bigint();
    await fn(subject);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
    if (typeof subject?.dispose === 'function') subject.dispose();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * How many times faster `subject` is than `anchor`, as the median of per-round ratios: each round times a new
 * subject and a new anchor back to back (in alternating order), so drift of the machine over the minutes a
 * benchmark takes cancels out of the ratio instead of landing on whichever ran in the slow minute.
 */
async function pairedRatio(subject, anchor, rounds = 9) {
  const ratios = [];
  const timed = async ({ make, run }) => {
    const it = await make();
    const start = process.hrtime.bigint();
    await run(it);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (typeof it?.dispose === 'function') it.dispose();
    return seconds;
  };
  for (let i = 0; i < rounds; i++) {
    const [first, second] = i % 2 === 0 ? [subject, anchor] : [anchor, subject];
    const a = await timed(first);
    const b = await timed(second);
    ratios.push(i % 2 === 0 ? b / a : a / b);
  }
  ratios.sort((x, y) => x - y);
  return { median: ratios[Math.floor(rounds / 2)], min: ratios[0], max: ratios[rounds - 1] };
}

/** Prints rows {name, seconds} with records/s, tokens/s, MB/s and the ratio to `anchorName`. */
function printTable(title, rows, { records, tokens, bytes }, anchors) {
  console.log(`\n${title}`);
  const header = ['variant', 'ms', 'records/s', 'tokens/s', 'MB/s', ...anchors.map((a) => `x ${a}`)];
  const lines = rows.map((row) => [
    row.name,
    (row.seconds * 1e3).toFixed(1),
    (records / row.seconds).toFixed(0),
    (tokens / row.seconds).toFixed(0),
    (bytes / row.seconds / 1e6).toFixed(2),
    ...anchors.map((a) => {
      const anchor = rows.find((r) => r.name === a);
      return anchor ? (anchor.seconds / row.seconds).toFixed(2) : '-';
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  console.log(fmt(header));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const line of lines) console.log(fmt(line));
}

/**
 * Runs `cargo bench --bench <name>` (pure Rust, no N-API) and prints, per thread count, how the
 * ceiling compares with the anchor and how close the N-API row `napiName` comes to it.
 */
function printRustCeiling(name, { all, one }, napiName, anchorName, per = {}) {
  const { spawnSync } = require('node:child_process');
  const { readFileSync } = require('node:fs');
  const root = join(__dirname, '..', '..');
  if (spawnSync('cargo', ['--version']).status !== 0) return;
  const bench = spawnSync('cargo', ['bench', '-q', '-p', 'tokenshift-core', '--bench', name], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, ...(per.env ?? {}) },
  });
  const resultFile = join(root, 'target', `bench-rust-${name}.json`);
  if (bench.status !== 0 || !existsSync(resultFile)) return;
  console.log(`
pure-Rust ceiling (cargo bench --bench ${name}, same corpus, no N-API):`);
  for (const line of bench.stdout.split('\n').filter((l) => l.trim() !== '')) console.log(`  ${line}`);
  for (const r of JSON.parse(readFileSync(resultFile, 'utf8'))) {
    const rows = per.rowsOf ? per.rowsOf(r) : (r.threads === 1 ? one : all).rows;
    if (!rows) continue;
    const napi = rows.find((x) => x.name === napiName).seconds;
    const anchor = rows.find((x) => x.name === anchorName).seconds;
    console.log(
      `  ${per.label ? per.label(r) : `threads=${r.threads}`}: ceiling ${(r.seconds * 1e3).toFixed(1)} ms = ${(anchor / r.seconds).toFixed(2)}x ${anchorName}; ` +
        `N-API ${napiName} reaches ${((r.seconds / napi) * 100).toFixed(0)}% of it`,
    );
  }
}

/**
 * Runs `measure` in two child processes of `script` — all threads and 1 thread — because the official
 * binding sizes its rayon pool once per process. In the child (`--child`) it runs `measure` and prints
 * JSON; in the parent it returns `{ all, one, threads }`, or null in the child.
 */
async function measureByThreads(script, measure) {
  const { execFileSync } = require('node:child_process');
  if (process.argv[2] === '--child') {
    process.stdout.write(JSON.stringify(await measure()));
    return null;
  }
  const threads = require('node:os').availableParallelism();
  const run = (env) =>
    JSON.parse(execFileSync(process.execPath, [script, '--child'], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 }));
  const all = run({ TOKENSHIFT_NUM_THREADS: String(threads), RAYON_NUM_THREADS: String(threads) });
  const one = run({ TOKENSHIFT_NUM_THREADS: '1', RAYON_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false' });
  return { all, one, threads };
}

/**
 * `node args…` in a child process, under GNU time when it is installed: the result, the wall time and the peak
 * RSS of the whole process as the kernel saw it (null without GNU time).
 */
function timedNode(args) {
  const { spawnSync } = require('node:child_process');
  const timed = require('node:fs').existsSync('/usr/bin/time');
  const started = Date.now();
  const run = timed
    ? spawnSync('/usr/bin/time', ['-f', 'maxrss_kib=%M', process.execPath, ...args], { encoding: 'utf8' })
    : spawnSync(process.execPath, args, { encoding: 'utf8' });
  const seconds = (Date.now() - started) / 1000;
  const rss = timed ? /maxrss_kib=(\d+)/.exec(run.stderr) : null;
  return { run, seconds, rssBytes: rss === null ? null : Number(rss[1]) * 1024 };
}

/** `tokenshift prepare` (TinyLlama, shift model, no progress line) of `input` into `output`, timed by `timedNode`, with its stats. */
function timedPrepare(shared, input, output, stats) {
  const { join } = require('node:path');
  const tokenizer = join(shared, 'fixtures', 'llama2', 'tinyllama-1.1b-chat-v1.0');
  const bin = join(__dirname, '..', '..', 'bin', 'tokenshift.cjs');
  const timed = timedNode([
    bin,
    'prepare',
    '--tokenizer',
    tokenizer,
    '--input',
    input,
    '--output',
    output,
    '--shift',
    'model',
    '--stats',
    stats,
    '--no-progress',
  ]);
  if (timed.run.status !== 0) {
    process.stderr.write(timed.run.stderr);
    throw new Error(`tokenshift prepare failed with status ${timed.run.status}`);
  }
  const s = JSON.parse(require('node:fs').readFileSync(stats, 'utf8'));
  return { ...timed, stats: s, rssBytes: timed.rssBytes ?? s.peakRssBytes };
}

module.exports = { SHARED, requireShared, median, medianFresh, pairedRatio, measureByThreads, printTable, printRustCeiling, timedNode, timedPrepare };
