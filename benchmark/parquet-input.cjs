// Parquet input benchmark (not part of `npm test`): builds a Parquet file of at least 1 GB the way the Hub
// serves datasets (pyarrow, snappy, row groups of 100,000 rows) and the same records as JSON lines, then
// streams each through `tokenshift prepare` and reports throughput and peak RSS side by side. Goals: peak
// RSS under 400 MB on Parquet, and Parquet throughput within 10% of the JSONL path on the same records.
// Records mix instruction, input and output of different Alpaca records (a seeded generator) so that
// neither caches nor Parquet's dictionary encoding see one text twice.
// Usage: node benchmark/parquet-input.cjs [GB of Parquet, default 1] [--keep]   (needs python3 with pyarrow)
const { spawnSync } = require('node:child_process');
const { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { once } = require('node:events');
const { join } = require('node:path');

const { requireShared, timedPrepare } = require('./lib/measure.cjs');

const shared = requireShared();
const root = join(__dirname, '..');
const gigabytes = Number(process.argv[2] ?? 1);
const RSS_LIMIT = 400 * 2 ** 20;
const dir = join(root, 'target', 'parquet-input');
const jsonl = join(dir, `records-${gigabytes}g.jsonl`);
const parquet = join(dir, `records-${gigabytes}g.parquet`);

function pyarrowAvailable() {
  return spawnSync('python3', ['-c', 'import pyarrow'], { encoding: 'utf8' }).status === 0;
}

/** A small seeded generator (mulberry32): the same records on every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function writeJsonl(targetBytes) {
  const alpaca = JSON.parse(readFileSync(join(shared, 'data', 'llama-factory', 'alpaca_en_demo.json'), 'utf8'));
  const pick = random(20261128);
  const any = () => alpaca[Math.floor(pick() * alpaca.length)];
  const out = createWriteStream(jsonl);
  let bytes = 0;
  let count = 0;
  while (bytes < targetBytes) {
    let block = '';
    for (let i = 0; i < 1000; i++) {
      count++;
      const record = {
        id: `r${count}`,
        instruction: `${any().instruction} ${any().instruction}`,
        input: any().input,
        output: `${any().output}\n\n${any().output}`,
      };
      block += `${JSON.stringify(record)}\n`;
    }
    bytes += Buffer.byteLength(block);
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return count;
}

function writeParquet() {
  // pyarrow, as `datasets` writes Hub files: snappy, dictionary on, row groups of 100,000 rows; streamed.
  const script = `
import sys, pyarrow as pa, pyarrow.json as pj, pyarrow.parquet as pq
src, dst = sys.argv[1], sys.argv[2]
reader = pj.open_json(src, read_options=pj.ReadOptions(block_size=64 << 20))
writer = None
rows = []
for batch in reader:
    if writer is None:
        writer = pq.ParquetWriter(dst, batch.schema, compression="snappy")
    rows.append(batch)
    if sum(b.num_rows for b in rows) >= 100000:
        writer.write_table(pa.Table.from_batches(rows), row_group_size=100000)
        rows = []
if rows:
    writer.write_table(pa.Table.from_batches(rows), row_group_size=100000)
writer.close()
`;
  const run = spawnSync('python3', ['-c', script, jsonl, parquet], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) throw new Error('writing the Parquet file with pyarrow failed');
}

async function build() {
  mkdirSync(dir, { recursive: true });
  const countFile = `${parquet}.count`;
  if (existsSync(parquet) && existsSync(countFile) && statSync(parquet).size >= gigabytes * 1e9) return Number(readFileSync(countFile, 'utf8'));
  // Snappy keeps about half of this text: twice the JSON lines, grown until the Parquet file is large enough.
  let factor = 2;
  for (;;) {
    const count = await writeJsonl(gigabytes * 1e9 * factor);
    writeParquet();
    if (statSync(parquet).size >= gigabytes * 1e9) {
      writeFileSync(countFile, String(count));
      return count;
    }
    factor *= (gigabytes * 1e9) / statSync(parquet).size + 0.05;
  }
}

function prepare(input, name) {
  const output = join(dir, `${name}-rows.parquet`);
  const { seconds, rssBytes: rss, stats: s } = timedPrepare(shared, input, output, join(dir, `${name}-stats.json`));
  const outputSha256 = require('node:crypto').createHash('sha256').update(readFileSync(output)).digest('hex');
  if (!process.argv.includes('--keep')) rmSync(output, { force: true });
  return { name, bytes: statSync(input).size, records: s.records, rows: s.rows, tokens: s.tokens, seconds, rss, balanced: s.balanced, outputSha256 };
}

async function main() {
  if (!pyarrowAvailable()) {
    console.error('benchmark/parquet-input.cjs writes its input with pyarrow, as the Hub does: pip install pyarrow');
    process.exit(2);
  }
  const count = await build();
  console.log(
    `records: ${count.toLocaleString('en-US')}; Parquet ${(statSync(parquet).size / 1e9).toFixed(2)} GB, JSON lines ${(statSync(jsonl).size / 1e9).toFixed(2)} GB`,
  );
  const results = [prepare(jsonl, 'jsonl'), prepare(parquet, 'parquet')];
  console.log('\n| input | size (GB) | records | tokens | seconds | tokens/s | peak RSS (MB) |\n|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${(r.bytes / 1e9).toFixed(2)} | ${r.records.toLocaleString('en-US')} | ${r.tokens.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} | ` +
        `${Math.round(r.tokens / r.seconds).toLocaleString('en-US')} | ${(r.rss / 2 ** 20).toFixed(0)} |`,
    );
  }
  const [fromJsonl, fromParquet] = results;
  const ratio = fromParquet.tokens / fromParquet.seconds / (fromJsonl.tokens / fromJsonl.seconds);
  const checks = [
    ['same records and tokens', fromParquet.records === fromJsonl.records && fromParquet.tokens === fromJsonl.tokens && fromParquet.rows === fromJsonl.rows],
    ['records = rows + skipped', fromParquet.balanced && fromJsonl.balanced],
    [`Parquet peak RSS ${(fromParquet.rss / 2 ** 20).toFixed(0)} MB < ${RSS_LIMIT / 2 ** 20} MB`, fromParquet.rss < RSS_LIMIT],
    [`Parquet throughput ${(100 * ratio).toFixed(1)}% of JSON lines (goal >= 90%)`, ratio >= 0.9],
    ['byte-identical output (SHA-256)', fromParquet.outputSha256 === fromJsonl.outputSha256],
  ];
  console.log('');
  for (const [name, ok] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
  if (!checks.every((c) => c[1])) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
