// Timing helpers shared by the benchmarks: median of repeated runs after a warm-up, and ratio tables.
const { existsSync } = require('node:fs');
const { join, resolve } = require('node:path');

const SHARED = resolve(__dirname, '..', '..', '..', 'shared');

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

module.exports = { SHARED, requireShared, median, printTable };
