// `npm run bench` (part): what packing and collation add to prepare. Alpaca-style records
// (../shared/data), TinyLlama, shift 'model', blockSize 2048; the goal is under 10% on top of prepare.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const { requireShared } = require('./lib/measure.cjs');

const shared = requireShared();
const root = join(__dirname, '..');
const { Tokenizer, createPreparer, pack, collate } = require(join(root, 'dist', 'cjs', 'index.js'));

const tokenizerDir = join(shared, 'fixtures', 'llama2', 'tinyllama-1.1b-chat-v1.0');
const records = JSON.parse(readFileSync(join(shared, 'data', 'llama-factory', 'alpaca_en_demo.json'), 'utf8'));
const BLOCK = 2048;
/** Rows per training batch handed to the collator. */
const BATCH_ROWS = 8;

async function main() {
  const tokenizer = Tokenizer.fromDir(tokenizerDir, { backend: 'native' });
  const preparer = createPreparer(tokenizer, { shift: 'model' });
  const padId = tokenizer.special_tokens.eosId;

  /** Collates packed rows in training batches of BATCH_ROWS, as a data loader would. */
  const collateAll = (packed) => {
    for (let r = 0; r < packed.rowCount; r += BATCH_ROWS) {
      const end = Math.min(packed.rowCount, r + BATCH_ROWS);
      const a = packed.offsets[r];
      const b = packed.offsets[end];
      collate(
        {
          inputIds: packed.inputIds.subarray(a, b),
          labels: packed.labels.subarray(a, b),
          offsets: packed.offsets.slice(r, end + 1).map((o) => o - a),
          positionIds: packed.positionIds.subarray(a, b),
        },
        { length: BLOCK, padId },
      );
    }
  };
  // Each iteration times the stages of one pipeline run; medians over the runs.
  const RUNS = 21;
  const stages = { prepare: [], 'pack bfd': [], 'collate (bfd rows)': [], 'pack wrapped': [], 'collate (wrapped rows)': [] };
  const time = (name, fn) => {
    const start = process.hrtime.bigint();
    const out = fn();
    stages[name].push(Number(process.hrtime.bigint() - start) / 1e9);
    return out;
  };
  for (let i = 0; i <= RUNS; i++) {
    const prepared = time('prepare', () => preparer.prepare(records));
    const bfd = time('pack bfd', () => pack(prepared, { mode: 'bfd', blockSize: BLOCK }));
    time('collate (bfd rows)', () => collateAll(bfd));
    const wrapped = time('pack wrapped', () => pack(prepared, { mode: 'wrapped', blockSize: BLOCK }));
    time('collate (wrapped rows)', () => collateAll(wrapped));
    // The first run warms up.
    if (i === 0) for (const list of Object.values(stages)) list.length = 0;
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const ms = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, median(v) * 1e3]));
  // Best of the runs: on this 2-core VM, a few-millisecond native call right after prepare is sometimes
  // stalled 10-30 ms in the kernel (first touch of fresh memory), which the minimum filters out.
  const best = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Math.min(...v) * 1e3]));
  const packed = pack(preparer.prepare(records), { mode: 'bfd', blockSize: BLOCK });
  console.log(`\npacking and collation overhead: alpaca_en_demo.json, ${records.length} records, TinyLlama, blockSize ${BLOCK}, shift=model; ${RUNS} runs`);
  console.log(`bfd: ${packed.rowCount} rows, efficiency ${(100 * packed.stats.efficiency).toFixed(2)}%; collation into [${BATCH_ROWS}, ${BLOCK}] batches`);
  console.log('| stage | median ms | share of prepare | best ms | share of prepare |');
  console.log('|---|---:|---:|---:|---:|');
  const share = (table, name) => (name === 'prepare' ? '-' : `${((100 * table[name]) / table.prepare).toFixed(1)}%`);
  for (const name of Object.keys(ms))
    console.log(`| ${name} | ${ms[name].toFixed(2)} | ${share(ms, name)} | ${best[name].toFixed(2)} | ${share(best, name)} |`);
  for (const [label, table] of [
    ['median', ms],
    ['best', best],
  ]) {
    const bfd = table['pack bfd'] + table['collate (bfd rows)'];
    const wrapped = table['pack wrapped'] + table['collate (wrapped rows)'];
    console.log(
      `pack + collate add ${((100 * bfd) / table.prepare).toFixed(1)}% (bfd) and ${((100 * wrapped) / table.prepare).toFixed(1)}% (wrapped) to prepare (${label} of ${RUNS}; goal: under 10%)`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
