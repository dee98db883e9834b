// `npm run bench` (part): streaming vs in-memory prepare on the same JSON-lines file, and how responsive
// the JS thread stays meanwhile (event-loop delay p99 from perf_hooks.monitorEventLoopDelay), against
// the blocking JS pipelines. Data: the shared Alpaca records repeated with varied ids (~40 MB).
const { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { Writable } = require('node:stream');
const { pipeline } = require('node:stream/promises');

const { requireShared } = require('./lib/measure.cjs');

const shared = requireShared();
const root = join(__dirname, '..');
const { Tokenizer, createPreparer, prepareIter, prepareStream } = require(join(root, 'dist', 'cjs', 'index.js'));
const tokenizerDir = join(shared, 'fixtures', 'llama2', 'tinyllama-1.1b-chat-v1.0');
const records = JSON.parse(readFileSync(join(shared, 'data', 'llama-factory', 'alpaca_en_demo.json'), 'utf8'));
const TARGET_BYTES = 40e6;
const IGNORE = -100;

function dataFile() {
  const dir = join(root, 'target', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'alpaca-repeated.jsonl');
  if (existsSync(file) && statSync(file).size >= TARGET_BYTES) return file;
  const lines = [];
  let bytes = 0;
  for (let copy = 0; bytes < TARGET_BYTES; copy++) {
    for (const r of records) {
      const line = JSON.stringify({ id: `${copy}-${lines.length}`, ...r });
      lines.push(line);
      bytes += line.length + 1;
    }
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * Runs `fn`, returning seconds and the event-loop delay p99 / max (ms) meanwhile: a 1 ms timer on the JS
 * thread records how late each tick fires (what a request handler sharing the thread would wait).
 */
async function observed(fn) {
  const lateness = [];
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    lateness.push(Math.max(0, now - last - 1));
    last = now;
  }, 1);
  const start = process.hrtime.bigint();
  const result = await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // Let the timer fire once more, so a call that blocked the thread throughout is recorded too.
  await new Promise((resolve) => setTimeout(resolve, 5));
  clearInterval(tick);
  lateness.sort((a, b) => a - b);
  const p99 = lateness[Math.min(lateness.length - 1, Math.floor(lateness.length * 0.99))] ?? 0;
  return { seconds, p99, max: lateness[lateness.length - 1] ?? 0, result };
}

function alpacaPrompt(r) {
  return r.input
    ? `Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n${r.instruction}\n\n### Input:\n${r.input}\n\n### Response:\n`
    : `Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n${r.instruction}\n\n### Response:\n`;
}

async function main() {
  const file = dataFile();
  const size = statSync(file).size;
  const tokenizer = Tokenizer.fromDir(tokenizerDir, { backend: 'native' });
  const options = { shift: 'model' };
  const rows = [];

  // Warm-up (thread pools, page cache).
  createPreparer(tokenizer, options).prepareJsonLines(
    readFileSync(file, 'utf8')
      .slice(0, 1e6)
      .replace(/\n[^\n]*$/, ''),
  );

  const inMemory = await observed(async () => createPreparer(tokenizer, options).prepareJsonLines(readFileSync(file, 'utf8')).stats);
  rows.push({ name: 'in-memory prepareJsonLines (read whole file, one call)', ...inMemory, tokens: inMemory.result.tokens });
  const iter = await observed(async () => {
    let tokens = 0;
    for await (const batch of prepareIter(createReadStream(file), { tokenizer, ...options })) tokens += batch.stats.tokens;
    return { tokens };
  });
  rows.push({ name: 'prepareIter(createReadStream(file))', ...iter, tokens: iter.result.tokens });
  const stream = await observed(async () => {
    let tokens = 0;
    await pipeline(
      createReadStream(file),
      prepareStream(tokenizer, options),
      new Writable({ objectMode: true, write: (b, _e, done) => ((tokens += b.stats.tokens), done()) }),
    );
    return { tokens };
  });
  rows.push({ name: 'createReadStream | prepareStream | sink', ...stream, tokens: stream.result.tokens });

  // The JS pipelines on a slice of the same records (they are far slower); only their responsiveness is compared.
  const slice = readFileSync(file, 'utf8')
    .split('\n')
    .slice(0, 3000)
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const { Tokenizer: Official } = require('tokenizers');
  const official = Official.fromFile(join(tokenizerDir, 'tokenizer.json'));
  const officialRun = await observed(async () => {
    const prompts = slice.map(alpacaPrompt);
    const encodings = await official.encodeBatch(
      slice.map((r, i) => prompts[i] + r.output),
      { addSpecialTokens: true },
    );
    let tokens = 0;
    encodings.forEach((e, k) => {
      const start = [...prompts[k]].length;
      const ids = e.getIds();
      const offsets = e.getOffsets();
      const labels = new Int32Array(ids.length);
      ids.forEach((id, i) => (labels[i] = offsets[i][1] > start ? id : IGNORE));
      tokens += ids.length;
    });
    return { tokens };
  });
  rows.push({ name: `official binding + JS label loop (${slice.length} records)`, ...officialRun, tokens: officialRun.result.tokens });
  const { Tokenizer: HfTokenizer } = require('@huggingface/tokenizers');
  const hf = new HfTokenizer(
    JSON.parse(readFileSync(join(tokenizerDir, 'tokenizer.json'), 'utf8')),
    JSON.parse(readFileSync(join(tokenizerDir, 'tokenizer_config.json'), 'utf8')),
  );
  const hfRun = await observed(async () => {
    let tokens = 0;
    for (const r of slice) tokens += hf.encode(alpacaPrompt(r)).ids.length + hf.encode(r.output, { add_special_tokens: false }).ids.length;
    return { tokens };
  });
  rows.push({ name: `@huggingface/tokenizers loop (${slice.length} records)`, ...hfRun, tokens: hfRun.result.tokens });

  console.log(`\nstreaming: ${(size / 1e6).toFixed(1)} MB of JSON lines (alpaca_en_demo repeated, varied ids), TinyLlama, shift=model`);
  console.log('| variant | s | tokens/s | x in-memory | event-loop p99 ms | max ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const base = rows[0];
  for (const r of rows) {
    const ratio = r.tokens === base.tokens ? (base.seconds / r.seconds).toFixed(2) : '-';
    console.log(
      `| ${r.name} | ${r.seconds.toFixed(2)} | ${Math.round(r.tokens / r.seconds).toLocaleString('en-US')} | ${ratio} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} |`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
