// `npm run bench:scale-out`: `tokenshift prepare --shard I/N` by work units on a ~40 MB folder of JSON lines
// and Parquet built from ../shared/data (TinyLlama). For N = 1, 2, 4: the bytes each shard read against the
// input (the old record-modulo split read all of it N times), the slowest shard's time run alone (the job's
// time with one machine per shard), and all N run at once on this machine. Every N's shards, in order, must
// equal the single run byte for byte, or the benchmark fails.
const { spawn } = require('node:child_process');
const { copyFileSync, mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const { requireShared } = require('./lib/measure.cjs');

const shared = requireShared();
const bin = join(__dirname, '..', 'bin', 'tokenshift.cjs');
const tokenizer = join(shared, 'fixtures', 'llama2', 'tinyllama-1.1b-chat-v1.0');
const COPIES = Number(process.env.SCALE_OUT_COPIES ?? 8);

function buildInput(dir) {
  const input = join(dir, 'input');
  mkdirSync(input);
  const data = (rel) => join(shared, 'data', rel);
  const lines = ['alpaca_en_demo.json', 'alpaca_zh_demo.json']
    .flatMap((f) => JSON.parse(readFileSync(data(`llama-factory/${f}`), 'utf8')))
    .map((r) => JSON.stringify(r))
    .join('\n');
  for (let c = 0; c < COPIES; c++) {
    // Each copy: one large JSON-lines file (cut at byte boundaries) and three Parquet files (cut at row groups).
    writeFileSync(join(input, `${c}-a.jsonl`), `${Array.from({ length: 6 }, () => lines).join('\n')}\n`);
    copyFileSync(data('parquet/alpaca_en_demo.snappy.parquet'), join(input, `${c}-b.parquet`));
    copyFileSync(data('parquet/alpaca_zh_hub/data/train-00000-of-00002.parquet'), join(input, `${c}-c.parquet`));
    copyFileSync(data('parquet/alpaca_zh_hub/data/train-00001-of-00002.parquet'), join(input, `${c}-d.parquet`));
  }
  const bytes = readdirSync(input).reduce((n, f) => n + statSync(join(input, f)).size, 0);
  return { input, bytes };
}

function prepare(input, output, extra) {
  const args = [bin, 'prepare', '--tokenizer', tokenizer, '--input', input, '--output', output, '--shift', 'model', '--no-progress', ...extra];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`prepare ${extra.join(' ')} failed (${code}): ${stderr}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'tokenshift-scale-out-'));
  try {
    const { input, bytes } = buildInput(dir);
    console.log(`scale-out: ${(bytes / 1e6).toFixed(1)} MB of JSON lines and Parquet (${COPIES} copies of the shared Alpaca data), TinyLlama\n`);
    const single = join(dir, 'single.jsonl');
    const singleSeconds = await prepare(input, single, []);
    const singleBytes = readFileSync(single);
    const rows = [];
    for (const count of [1, 2, 4]) {
      const out = (tag) => join(dir, `n${count}-${tag}`, 'rows.jsonl');
      mkdirSync(join(dir, `n${count}-alone`));
      mkdirSync(join(dir, `n${count}-together`));
      const alone = [];
      for (let i = 0; i < count; i++) alone.push(await prepare(input, out('alone'), ['--shard', `${i}/${count}`]));
      const started = process.hrtime.bigint();
      await Promise.all(Array.from({ length: count }, (_, i) => prepare(input, out('together'), ['--shard', `${i}/${count}`, '--threads', '1'])));
      const together = Number(process.hrtime.bigint() - started) / 1e9;
      const shardFiles = Array.from({ length: count }, (_, i) => join(dir, `n${count}-alone`, `rows-0000${i}-of-0000${count}.jsonl`));
      if (!Buffer.concat(shardFiles.map((f) => readFileSync(f))).equals(singleBytes)) throw new Error(`the ${count} shards differ from the single run`);
      const reads = shardFiles.map((f) => JSON.parse(readFileSync(`${f}.meta.json`, 'utf8')).split.bytesRead);
      rows.push({
        shards: count,
        'read per shard (of input)': reads.map((r) => `${((100 * r) / bytes).toFixed(1)}%`).join(' '),
        'read, all shards': `${((100 * reads.reduce((a, b) => a + b, 0)) / bytes).toFixed(1)}%`,
        'slowest shard alone s': Math.max(...alone).toFixed(2),
        'speed-up (1 machine/shard)': `${(singleSeconds / Math.max(...alone)).toFixed(2)}x`,
        'all at once here s': together.toFixed(2),
      });
    }
    const columns = Object.keys(rows[0]);
    const width = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
    for (const line of [columns, ...rows.map((r) => columns.map((c) => String(r[c])))]) console.log(line.map((v, i) => v.padEnd(width[i])).join('  '));
    console.log(`\nsingle run (no --shard): ${singleSeconds.toFixed(2)} s; shards in order equal it byte for byte for N = 1, 2, 4`);
    console.log(`(record-modulo sharding, --shard-by records, reads 100% of the input in every shard)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
