// `npm run bench` (second part): prepare on Alpaca-style records (../shared/data) with the TinyLlama
// tokenizer, shift 'model'. tokenshift native prepare vs JS pipelines doing the same job:
//  - official `tokenizers` binding: encodeBatch(prompt+completion) + getOffsets/getSequenceIds + a JS label loop
//  - @huggingface/tokenizers: prompt and completion encoded apart (it has no offsets) + the same JS label loop
// All threads in this process; 1 thread in a child (the official binding sizes its pool once per process).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const { requireShared, median, measureByThreads, printTable, printRustCeiling } = require('./lib/measure.cjs');

const shared = requireShared();
const root = join(__dirname, '..');
const tokenizerDir = join(shared, 'fixtures', 'llama2', 'tinyllama-1.1b-chat-v1.0');
const records = JSON.parse(readFileSync(join(shared, 'data', 'llama-factory', 'alpaca_en_demo.json'), 'utf8'));
const IGNORE = -100;

function alpacaPrompt(r) {
  return r.input
    ? `Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n${r.instruction}\n\n### Input:\n${r.input}\n\n### Response:\n`
    : `Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n${r.instruction}\n\n### Response:\n`;
}

async function measure() {
  const { Tokenizer, createPreparer } = require(join(root, 'dist', 'cjs', 'index.js'));
  const { Tokenizer: Official } = require('tokenizers');
  const { Tokenizer: HfTokenizer } = require('@huggingface/tokenizers');
  const tokenizer = Tokenizer.fromDir(tokenizerDir, { backend: 'native' });
  const eos = tokenizer.special_tokens.eosId;
  const prompts = records.map(alpacaPrompt);
  const texts = records.map((r, i) => prompts[i] + r.output);
  const official = Official.fromFile(join(tokenizerDir, 'tokenizer.json'));
  const hf = new HfTokenizer(JSON.parse(readFileSync(join(tokenizerDir, 'tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(tokenizerDir, 'tokenizer_config.json'), 'utf8')));

  const offsetsPreparer = createPreparer(tokenizer, { shift: 'model' });
  const separatePreparer = createPreparer(tokenizer, { shift: 'model', boundary: 'separate' });
  const tokens = offsetsPreparer.prepare(records).stats.tokens;

  // The JS label loop both JS pipelines share: ids + trainable flags -> Int32Array rows.
  const toRow = (ids, trainable) => {
    const n = ids.length + 1;
    const inputIds = new Int32Array(n);
    const labels = new Int32Array(n);
    for (let i = 0; i < ids.length; i++) {
      inputIds[i] = ids[i];
      labels[i] = trainable[i] ? ids[i] : IGNORE;
    }
    inputIds[n - 1] = eos;
    labels[n - 1] = eos;
    return { inputIds, labels };
  };

  const rows = [];
  rows.push({ name: 'tokenshift native prepare (offsets)', seconds: await median(() => offsetsPreparer.prepare(records)) });
  rows.push({ name: 'tokenshift native prepare (separate)', seconds: await median(() => separatePreparer.prepare(records)) });
  rows.push({ name: 'tokenshift native prepareAsync (offsets)', seconds: await median(() => offsetsPreparer.prepareAsync(records)) });
  rows.push({
    name: 'official binding + JS label loop (offsets)',
    seconds: await median(async () => {
      const encodings = await official.encodeBatch(texts, { addSpecialTokens: true });
      encodings.forEach((e, k) => {
        const start = [...prompts[k]].length; // the binding reports offsets in characters
        const offsets = e.getOffsets();
        const sequence = e.getSequenceIds();
        toRow(e.getIds(), offsets.map(([, end], i) => sequence[i] !== null && end > start));
      });
    }),
  });
  rows.push({
    name: '@huggingface/tokenizers + JS label loop (separate)',
    seconds: await median(() => {
      records.forEach((r, k) => {
        const p = hf.encode(prompts[k]).ids;
        const c = hf.encode(r.output, { add_special_tokens: false }).ids;
        toRow([...p, ...c], [...p.map(() => false), ...c.map(() => true)]);
      });
    }, 3),
  });
  return { rows, tokens };
}

async function main() {
  const measured = await measureByThreads(__filename, measure);
  if (measured === null) return;
  const { all, one, threads } = measured;
  const bytes = records.reduce((n, r) => n + Buffer.byteLength(alpacaPrompt(r) + r.output), 0);
  const sizes = { records: records.length, tokens: all.tokens, bytes };
  console.log(`\nprepare: alpaca_en_demo.json, ${records.length} records, ${all.tokens} tokens, shift=model, TinyLlama; ${threads} cores`);
  const anchors = ['official binding + JS label loop (offsets)', '@huggingface/tokenizers + JS label loop (separate)'];
  printTable(`all threads (${threads})`, all.rows, sizes, anchors);
  printTable('1 thread', one.rows, sizes, anchors);
  const scaling = one.rows[0].seconds / all.rows[0].seconds;
  console.log(`\nnative prepare scaling: ${threads} threads ${scaling.toFixed(2)}x 1 thread`);
  printRustCeiling('prepare', { all, one }, 'tokenshift native prepare (offsets)', anchors[0]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
