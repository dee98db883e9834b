// Soak test (not part of `npm test`): streams a generated JSON-lines file of at least 1 GB (the shared
// Alpaca, ShareGPT-free records repeated with varied ids) through `tokenshift prepare` into Parquet, and
// checks peak RSS < 400 MB and exactly balanced stats. Usage: node benchmark/soak.cjs [GB] [--keep]
const { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } = require('node:fs');
const { once } = require('node:events');
const { join } = require('node:path');

const { requireShared, timedPrepare } = require('./lib/measure.cjs');

const shared = requireShared();
const root = join(__dirname, '..');
const gigabytes = Number(process.argv[2] ?? 1);
const RSS_LIMIT = 400 * 2 ** 20;
const dir = join(root, 'target', 'soak');
const input = join(dir, `soak-${gigabytes}g.jsonl`);
const output = join(dir, 'rows.parquet');
const stats = join(dir, 'stats.json');

async function generate() {
  const target = gigabytes * 1e9;
  if (existsSync(input) && statSync(input).size >= target) return readFileSync(`${input}.count`, 'utf8').trim();
  mkdirSync(dir, { recursive: true });
  const records = JSON.parse(readFileSync(join(shared, 'data', 'llama-factory', 'alpaca_en_demo.json'), 'utf8'));
  const out = createWriteStream(input);
  let bytes = 0;
  let count = 0;
  for (let copy = 0; bytes < target; copy++) {
    let block = '';
    for (const r of records) {
      count++;
      block += `${JSON.stringify({ id: `soak-${copy}-${count}`, ...r })}\n`;
    }
    bytes += Buffer.byteLength(block);
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  require('node:fs').writeFileSync(`${input}.count`, String(count));
  return String(count);
}

async function main() {
  const expected = Number(await generate());
  const size = statSync(input).size;
  console.log(`soak: ${(size / 1e9).toFixed(2)} GB, ${expected.toLocaleString('en-US')} records -> ${output}`);
  const { run, seconds, rssBytes: rss, stats: s } = timedPrepare(shared, input, output, stats);
  process.stderr.write(run.stderr);
  const checks = [
    ['records in the file', expected, s.records, s.records === expected],
    ['records = rows + skipped', `${s.rows} + ${s.skipped.count}`, s.records, s.balanced && s.records === s.rows + s.skipped.count],
    ['rows written', s.rows, s.output.rows, s.output.rows === s.rows],
    ['peak RSS (MB)', `< ${RSS_LIMIT / 2 ** 20}`, (rss / 2 ** 20).toFixed(0), rss < RSS_LIMIT],
  ];
  console.log(`\n| check | expected | got | ok |\n|---|---:|---:|:--:|`);
  for (const [name, want, got, ok] of checks) console.log(`| ${name} | ${want} | ${got} | ${ok ? 'yes' : 'NO'} |`);
  console.log(`\n${(size / 1e6 / seconds).toFixed(1)} MB/s, ${Math.round(s.tokens / seconds).toLocaleString('en-US')} tokens/s, ${seconds.toFixed(0)} s`);
  if (!process.argv.includes('--keep')) rmSync(output, { force: true });
  if (!checks.every((c) => c[3])) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
