// `npm run bench` (second part): prepare on Alpaca-style records (../shared/data, English and Chinese)
// with the TinyLlama and Qwen3 tokenizers, shift 'model'. tokenshift native prepare vs JS pipelines doing the same job:
//  - official `tokenizers` binding: encodeBatch(prompt+completion) + getOffsets/getSequenceIds + a JS label loop
//  - @huggingface/tokenizers: prompt and completion encoded apart (it has no offsets) + the same JS label loop
// All threads in this process; 1 thread in a child (the official binding sizes its pool once per process).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const { requireShared, medianFresh, measureByThreads, printTable, printRustCeiling } = require('./lib/measure.cjs');
const { benchTokenizers } = require('./lib/corpus.cjs');

const shared = requireShared();
const root = join(__dirname, '..');
const tokenizers = benchTokenizers(shared).filter(([name]) => name !== 'Llama-3.1');
const records = ['alpaca_en_demo.json', 'alpaca_zh_demo.json'].flatMap((file) => JSON.parse(readFileSync(join(shared, 'data', 'llama-factory', file), 'utf8')));
const IGNORE = -100;

function alpacaPrompt(r) {
  return r.input
    ? `Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n${r.instruction}\n\n### Input:\n${r.input}\n\n### Response:\n`
    : `Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n${r.instruction}\n\n### Response:\n`;
}

async function measure() {
  const out = {};
  for (const [name, dir] of tokenizers) out[name] = await measureOne(dir);
  return out;
}

async function measureOne(tokenizerDir) {
  const { Tokenizer, createPreparer } = require(join(root, 'dist', 'cjs', 'index.js'));
  const { Tokenizer: Official } = require('tokenizers');
  const { Tokenizer: HfTokenizer } = require('@huggingface/tokenizers');
  const tokenizer = Tokenizer.fromDir(tokenizerDir, { backend: 'native' });
  const eos = tokenizer.special_tokens.eosId;
  const prompts = records.map(alpacaPrompt);
  const texts = records.map((r, i) => prompts[i] + r.output);
  const hf = () =>
    new HfTokenizer(
      JSON.parse(readFileSync(join(tokenizerDir, 'tokenizer.json'), 'utf8')),
      JSON.parse(readFileSync(join(tokenizerDir, 'tokenizer_config.json'), 'utf8')),
    );

  const tokens = createPreparer(tokenizer, { shift: 'model' }).prepare(records).stats.tokens;
  const engine = tokenizer.engine;
  tokenizer.dispose();
  // Every round on a new tokenizer (cold caches, as on a job's first pass); the 1.0 engine loads untimed.
  const preparer = (options) => () => {
    const t = Tokenizer.fromDir(tokenizerDir, { backend: 'native' });
    void t.engine;
    return { preparer: createPreparer(t, { shift: 'model', ...options }), dispose: () => t.dispose() };
  };

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
  rows.push({ name: 'tokenshift native prepare (offsets)', seconds: await medianFresh(preparer({}), (p) => p.preparer.prepare(records)) });
  rows.push({
    name: 'tokenshift native prepare (separate)',
    seconds: await medianFresh(preparer({ boundary: 'separate' }), (p) => p.preparer.prepare(records)),
  });
  rows.push({ name: 'tokenshift native prepareAsync (offsets)', seconds: await medianFresh(preparer({}), (p) => p.preparer.prepareAsync(records)) });
  rows.push({
    name: 'official binding + JS label loop (offsets)',
    seconds: await medianFresh(
      () => Official.fromFile(join(tokenizerDir, 'tokenizer.json')),
      async (official) => {
        const encodings = await official.encodeBatch(texts, { addSpecialTokens: true });
        encodings.forEach((e, k) => {
          const start = [...prompts[k]].length; // the binding reports offsets in characters
          const offsets = e.getOffsets();
          const sequence = e.getSequenceIds();
          toRow(
            e.getIds(),
            offsets.map(([, end], i) => sequence[i] !== null && end > start),
          );
        });
      },
    ),
  });
  // The pure-TS tokenizer is slow: a fifth of the records, scaled up.
  const fifth = Math.ceil(records.length / 5);
  rows.push({
    name: '@huggingface/tokenizers + JS label loop (separate)',
    seconds:
      (await medianFresh(
        hf,
        (t) => {
          records.slice(0, fifth).forEach((r, k) => {
            const p = t.encode(prompts[k]).ids;
            const c = t.encode(r.output, { add_special_tokens: false }).ids;
            toRow([...p, ...c], [...p.map(() => false), ...c.map(() => true)]);
          });
        },
        1,
      )) *
      (records.length / fifth),
  });
  return { rows, tokens, engine };
}

async function main() {
  const measured = await measureByThreads(__filename, measure);
  if (measured === null) return;
  const { all, one, threads } = measured;
  const bytes = records.reduce((n, r) => n + Buffer.byteLength(alpacaPrompt(r) + r.output), 0);
  const anchors = ['official binding + JS label loop (offsets)', '@huggingface/tokenizers + JS label loop (separate)'];
  for (const [name] of tokenizers) {
    const sizes = { records: records.length, tokens: all[name].tokens, bytes };
    console.log(
      `\n## prepare: Alpaca en+zh, ${records.length} records, ${all[name].tokens} tokens, shift=model, ${name} (engine ${all[name].engine}); ${threads} cores`,
    );
    printTable(`all threads (${threads})`, all[name].rows, sizes, anchors);
    printTable('1 thread', one[name].rows, sizes, anchors);
    const scaling = one[name].rows[0].seconds / all[name].rows[0].seconds;
    console.log(`\nnative prepare scaling: ${threads} threads ${scaling.toFixed(2)}x 1 thread`);
  }
  printRustCeiling('prepare', { all, one }, 'tokenshift native prepare (offsets)', anchors[0], {
    env: { BENCH_TOKENIZERS: tokenizers.map(([, dir]) => dir).join(':') },
    rowsOf: (r) => (r.threads === 1 ? one : all)[tokenizers.find(([, dir]) => dir.endsWith(r.tokenizer))?.[0]]?.rows,
    label: (r) => `${tokenizers.find(([, dir]) => dir.endsWith(r.tokenizer))?.[0]} threads=${r.threads}`,
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
