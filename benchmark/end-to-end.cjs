// `npm run bench` (last part): the job users run, whole process. Start: a new Node process from
// `Tokenizer.fromDir` to its first prepared batch, vs the official binding's `fromFile` (issue #25's goal), and
// the whole start (require, load, first batch) vs the official binding's require, `fromFile` and one
// encodeBatch of the same texts. End to end: `tokenshift prepare` JSONL -> Parquet (shift model) as a child process, vs
// `encodeBatch` of the same texts in this process on a new tokenizer (after its first bulk call, as issue #25
// measures the floor). Files of ~20 MB and ~200 MB made from the benchmark corpus, in the OS temp dir.
// `BENCH_E2E_LARGE=0` skips the 200 MB file.
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const { requireShared } = require('./lib/measure.cjs');
const { benchCorpus, benchTokenizers } = require('./lib/corpus.cjs');

const shared = requireShared();
const root = join(__dirname, '..');
const corpus = benchCorpus(shared, root);
const tokenizers = benchTokenizers(shared).filter(([name]) => name !== 'Llama-3.1');
const startTokenizers = benchTokenizers(shared);
const work = mkdtempSync(join(tmpdir(), 'tokenshift-e2e-'));
const FIRST_BATCH = 64;
// Start and the CLI run as users run them: with the engine warm-up (measure.cjs turns it off in this process).
const productEnv = { ...process.env };
delete productEnv.TOKENSHIFT_ENGINE_WARM_UP_BYTES;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Seconds a new Node process spends in its stages: `stages` are [name, code] run in order (awaited), each
 * timed inside the child (Node's own start is left out). Returns { name: seconds }.
 */
function childStages(stages) {
  const timed = stages
    .map(([name, code]) => `{ const s = process.hrtime.bigint(); ${code}; out[${JSON.stringify(name)}] = Number(process.hrtime.bigint() - s) / 1e9; }`)
    .join('\n');
  const script = `const out = {}; (async () => { ${timed} })().then(() => process.stdout.write(JSON.stringify(out)));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', env: productEnv }));
}

/**
 * The start as issue #25 defines it (ours: `Tokenizer.fromDir` to the first prepared batch; theirs: the
 * official binding's `fromFile`), and the whole of it (the package's `require` included, and the official
 * binding's first `encodeBatch` of the same texts). Medians of `runs` new processes, interleaved.
 */
function startTimes(dir, runs = 7) {
  const first = corpus.texts.slice(0, FIRST_BATCH);
  const records = JSON.stringify(first.map((text) => ({ text })));
  const ours = [
    ['require', "globalThis.m = require('./dist/cjs/index.js')"],
    ['load', `globalThis.t = m.Tokenizer.fromDir(${JSON.stringify(dir)}, { backend: 'native' })`],
    ['first', `m.createPreparer(t, { shift: 'model' }).prepare(${records})`],
  ];
  const official = [
    ['require', "globalThis.m = require('tokenizers')"],
    ['load', `globalThis.t = m.Tokenizer.fromFile(${JSON.stringify(join(dir, 'tokenizer.json'))})`],
    ['first', `for (const e of await t.encodeBatch(${JSON.stringify(first)}, { addSpecialTokens: true })) e.getIds()`],
  ];
  const sum = (times, names) => names.reduce((total, name) => total + times[name], 0);
  const samples = { ours: [], oursWhole: [], official: [], officialWhole: [] };
  for (let i = 0; i < runs; i++) {
    const a = childStages(ours);
    const b = childStages(official);
    samples.ours.push(sum(a, ['load', 'first']));
    samples.oursWhole.push(sum(a, ['require', 'load', 'first']));
    samples.official.push(b.load);
    samples.officialWhole.push(sum(b, ['require', 'load', 'first']));
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

function writeJsonLines(targetBytes) {
  const file = join(work, `corpus-${Math.round(targetBytes / 1e6)}mb.jsonl`);
  const block = corpus.texts.map((text) => JSON.stringify({ text })).join('\n') + '\n';
  const copies = Math.max(1, Math.round(targetBytes / Buffer.byteLength(block)));
  writeFileSync(file, block.repeat(copies));
  return { file, copies, bytes: statSync(file).size };
}

function cliSeconds(dir, input, output) {
  const start = process.hrtime.bigint();
  execFileSync(
    process.execPath,
    [join(root, 'bin', 'tokenshift.cjs'), 'prepare', '--tokenizer', dir, '--input', input, '--output', output, '--shift', 'model', '--no-progress'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: productEnv,
    },
  );
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function encodeSeconds(dir, texts) {
  const { Tokenizer } = require(join(root, 'dist', 'cjs', 'index.js'));
  const t = Tokenizer.fromDir(dir, { backend: 'native' });
  t.encodeBatch(texts.slice(0, 16));
  const start = process.hrtime.bigint();
  t.encodeBatch(texts);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  t.dispose();
  return seconds;
}

function main() {
  console.log(
    `start: a new process, tokenshift from Tokenizer.fromDir to its first prepared batch (${FIRST_BATCH} records) vs the official binding's fromFile (issue #25's goal); and whole: require + load + first batch vs require + fromFile + encodeBatch of the same texts. Medians of 7`,
  );
  console.log('| tokenizer | tokenshift (s) | official fromFile (s) | ratio (goal <= 1.00) | whole: tokenshift (s) | whole: official (s) | whole ratio |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, dir] of startTokenizers) {
    const t = startTimes(dir);
    console.log(
      `| ${name} | ${t.ours.toFixed(3)} | ${t.official.toFixed(3)} | ${(t.ours / t.official).toFixed(2)} | ${t.oursWhole.toFixed(3)} | ${t.officialWhole.toFixed(3)} | ${(t.oursWhole / t.officialWhole).toFixed(2)} |`,
    );
  }
  const sizes = [20e6, ...(process.env.BENCH_E2E_LARGE === '0' ? [] : [200e6])];
  console.log('\nend to end: tokenshift prepare JSONL -> Parquet (shift model), whole process, vs encodeBatch of the same texts');
  console.log('| tokenizer | file (MB) | CLI (s) | CLI MB/s | encodeBatch MB/s | CLI / encodeBatch (goal >= 0.50 at 20 MB, 0.75 at 200 MB) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const size of sizes) {
    const { file, copies, bytes } = writeJsonLines(size);
    const texts = Array.from({ length: copies }, () => corpus.texts).flat();
    const textBytes = corpus.bytes * copies;
    for (const [name, dir] of tokenizers) {
      const runs = size > 50e6 ? 1 : 3;
      const cli = median(Array.from({ length: runs }, () => cliSeconds(dir, file, join(work, 'out.parquet'))));
      const encode = median(Array.from({ length: runs }, () => encodeSeconds(dir, texts)));
      const cliRate = textBytes / cli / 1e6;
      const encodeRate = textBytes / encode / 1e6;
      console.log(
        `| ${name} | ${(bytes / 1e6).toFixed(0)} | ${cli.toFixed(2)} | ${cliRate.toFixed(1)} | ${encodeRate.toFixed(1)} | ${(cliRate / encodeRate).toFixed(2)} |`,
      );
    }
    rmSync(file);
  }
  rmSync(work, { recursive: true, force: true });
}

main();
