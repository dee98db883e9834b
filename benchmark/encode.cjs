// `npm run bench`: batch encoding on one corpus (Alpaca-style records from ../shared/data) with the
// TinyLlama tokenizer. tokenshift native encodeBatch vs the official `tokenizers` binding (encodeBatch +
// getIds) vs @huggingface/tokenizers, at 1 thread and all threads, in one run; then the pure-Rust ceiling
// from `cargo bench` on the same corpus. Single-thread anchors run in a child process, because the
// official binding's rayon pool is sized once per process.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const { requireShared, median, measureByThreads, printTable, printRustCeiling } = require('./lib/measure.cjs');

const shared = requireShared();
const root = join(__dirname, '..');
const tokenizerDir = join(shared, 'fixtures', 'llama2', 'tinyllama-1.1b-chat-v1.0');
const records = JSON.parse(readFileSync(join(shared, 'data', 'llama-factory', 'alpaca_en_demo.json'), 'utf8'));
const texts = records.map((r) => `${r.instruction}\n${r.input}\n${r.output}`);
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);

async function measure() {
  const { Tokenizer } = require(join(root, 'dist', 'cjs', 'index.js'));
  const { Tokenizer: Official } = require('tokenizers');
  const { Tokenizer: HfTokenizer } = require('@huggingface/tokenizers');
  const native = Tokenizer.fromDir(tokenizerDir, { backend: 'native' });
  const official = Official.fromFile(join(tokenizerDir, 'tokenizer.json'));
  const hf = new HfTokenizer(
    JSON.parse(readFileSync(join(tokenizerDir, 'tokenizer.json'), 'utf8')),
    JSON.parse(readFileSync(join(tokenizerDir, 'tokenizer_config.json'), 'utf8')),
  );
  const tokens = native.encodeBatch(texts).ids.length;
  const rows = [];
  rows.push({ name: 'tokenshift native encodeBatch', seconds: await median(() => native.encodeBatch(texts)) });
  rows.push({ name: 'tokenshift native encodeBatchAsync', seconds: await median(() => native.encodeBatchAsync(texts)) });
  rows.push({
    name: 'official tokenizers encodeBatch+getIds',
    seconds: await median(async () => {
      const encodings = await official.encodeBatch(texts, { addSpecialTokens: true });
      for (const e of encodings) e.getIds();
    }),
  });
  rows.push({ name: '@huggingface/tokenizers encode loop', seconds: await median(() => texts.map((t) => hf.encode(t).ids), 3) });
  return { rows, tokens };
}

async function main() {
  const measured = await measureByThreads(__filename, measure);
  if (measured === null) return;
  const { all, one, threads } = measured;
  const sizes = { records: texts.length, tokens: all.tokens, bytes };
  console.log(`corpus: alpaca_en_demo.json, ${texts.length} records, ${all.tokens} tokens, ${(bytes / 1e6).toFixed(2)} MB; tokenizer: TinyLlama; ${threads} cores`);
  const anchors = ['official tokenizers encodeBatch+getIds', '@huggingface/tokenizers encode loop'];
  printTable(`all threads (${threads})`, all.rows, sizes, anchors);
  printTable('1 thread', one.rows, sizes, anchors);

  printRustCeiling('encode', { all, one }, 'tokenshift native encodeBatch', anchors[0]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
