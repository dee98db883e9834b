// `npm run bench` (first part): batch encoding of ~3 MB of shared texts (benchmark/lib/corpus.cjs) with
// TinyLlama, Llama-3.1 and Qwen3. tokenshift native encodeBatch vs the official `tokenizers` binding
// (encodeBatch + getIds) vs @huggingface/tokenizers, at 1 thread and all threads, in one run; then the
// pure-Rust ceiling from `cargo bench` on the same corpus. The speed goal's ratio is also measured in back-to-back
// rounds (`pairedRatio`), which cancels the machine's drift between the table's medians. Single-thread anchors run in a child process,
// because the official binding's rayon pool is sized once per process.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const { requireShared, medianFresh, pairedRatio, measureByThreads, printTable, printRustCeiling } = require('./lib/measure.cjs');
const { benchCorpus, benchTokenizers } = require('./lib/corpus.cjs');

const shared = requireShared();
const root = join(__dirname, '..');
const corpus = benchCorpus(shared, root);
const tokenizers = benchTokenizers(shared);
const OFFICIAL = 'official tokenizers encodeBatch+getIds';
const HF = '@huggingface/tokenizers encode loop';
const NATIVE = 'tokenshift native encodeBatch';

async function measure() {
  const { Tokenizer } = require(join(root, 'dist', 'cjs', 'index.js'));
  const { Tokenizer: Official } = require('tokenizers');
  const { Tokenizer: HfTokenizer } = require('@huggingface/tokenizers');
  const texts = corpus.texts;
  const out = {};
  for (const [name, dir] of tokenizers) {
    // Every round on a new tokenizer (cold caches); the native 1.0 engine is loaded before the clock starts.
    const native =
      (options = {}) =>
      () => {
        const t = Tokenizer.fromDir(dir, { backend: 'native', ...options });
        void t.engine;
        return t;
      };
    const official = {
      make: () => Official.fromFile(join(dir, 'tokenizer.json')),
      run: async (t) => {
        const encodings = await t.encodeBatch(texts, { addSpecialTokens: true });
        for (const e of encodings) e.getIds();
      },
    };
    const paired = await pairedRatio({ make: native(), run: (t) => t.encodeBatch(texts) }, official);
    const rows = [];
    rows.push({ name: NATIVE, seconds: await medianFresh(native(), (t) => t.encodeBatch(texts)) });
    rows.push({ name: 'tokenshift native encodeBatchAsync', seconds: await medianFresh(native(), (t) => t.encodeBatchAsync(texts)) });
    rows.push({
      name: 'tokenshift native encodeBatch, engine 0.23',
      seconds: await medianFresh(native({ engine: 'tokenizers-0.23' }), (t) => t.encodeBatch(texts)),
    });
    rows.push({ name: OFFICIAL, seconds: await medianFresh(official.make, official.run) });
    // The pure-TS tokenizer is slow enough that a fifth of the corpus gives a stable rate.
    const part = texts.slice(0, Math.ceil(texts.length / 5));
    const fraction = part.reduce((n, t) => n + Buffer.byteLength(t), 0) / corpus.bytes;
    const hf = () =>
      new HfTokenizer(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')));
    rows.push({ name: HF, seconds: (await medianFresh(hf, (t) => part.map((text) => t.encode(text).ids), 1)) / fraction });
    const probe = native()();
    out[name] = { rows, paired, tokens: probe.encodeBatch(texts).ids.length, engine: probe.engine };
    probe.dispose();
  }
  return out;
}

async function main() {
  const measured = await measureByThreads(__filename, measure);
  if (measured === null) return;
  const { all, one, threads } = measured;
  console.log(`corpus: ${corpus.texts.length} texts (Alpaca en+zh, wiki), ${(corpus.bytes / 1e6).toFixed(2)} MB; ${threads} cores`);
  for (const [name] of tokenizers) {
    const sizes = { records: corpus.texts.length, tokens: all[name].tokens, bytes: corpus.bytes };
    console.log(`\n## ${name} (engine ${all[name].engine})`);
    printTable(`all threads (${threads})`, all[name].rows, sizes, [OFFICIAL, HF]);
    printTable('1 thread', one[name].rows, sizes, [OFFICIAL, HF]);
    const pair = (p) => `${p.median.toFixed(2)}x (range ${p.min.toFixed(2)}-${p.max.toFixed(2)})`;
    console.log(`${NATIVE} vs ${OFFICIAL}, median of 9 back-to-back rounds: all threads ${pair(all[name].paired)}, 1 thread ${pair(one[name].paired)}`);
  }
  // cargo bench names tokenizers by their directory.
  const displayName = (r) => tokenizers.find(([, dir]) => dir.endsWith(r.tokenizer))?.[0];
  printRustCeiling('encode', { all, one }, NATIVE, OFFICIAL, {
    env: { BENCH_CORPUS: corpus.file, BENCH_TOKENIZERS: tokenizers.map(([, dir]) => dir).join(':') },
    rowsOf: (r) => (r.threads === 1 ? one : all)[displayName(r)]?.rows,
    label: (r) => `${displayName(r)} threads=${r.threads}`,
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
