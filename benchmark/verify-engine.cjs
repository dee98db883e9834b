// What the running cross-check of the tokenizers 1.0 engine costs (issue #21): `prepare` of the Alpaca
// en+zh records (the prepare benchmark's job, 1,999 records) with `verifyEngine` 'off', 'sample' (the
// default) and 'all', on a new tokenizer every round; and `encodeBatch` of the benchmark corpus. Reports
// each as a ratio to 'off' measured in the same run. `node benchmark/verify-engine.cjs`.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const { requireShared, medianFresh } = require('./lib/measure.cjs');
const { benchCorpus, benchTokenizers } = require('./lib/corpus.cjs');

const shared = requireShared();
const root = join(__dirname, '..');
const { Tokenizer, createPreparer } = require(join(root, 'dist', 'cjs', 'index.js'));
const records = ['alpaca_en_demo.json', 'alpaca_zh_demo.json'].flatMap((file) => JSON.parse(readFileSync(join(shared, 'data', 'llama-factory', file), 'utf8')));
const { texts } = benchCorpus(shared, root);

async function main() {
  const modes = ['off', 'sample', 'all'];
  console.log('| tokenizer | work | off ms | sample ms | all ms | sample cost | all cost |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const [name, dir] of benchTokenizers(shared)) {
    for (const [work, run] of [
      ['prepare', (t) => createPreparer(t, { shift: 'model' }).prepare(records)],
      ['encodeBatch', (t) => t.encodeBatch(texts)],
    ]) {
      const ms = {};
      // Interleaved rounds so drift hits every mode alike.
      const times = Object.fromEntries(modes.map((m) => [m, []]));
      for (let round = 0; round < 9; round++) {
        for (const mode of modes) {
          times[mode].push(
            await medianFresh(
              () => {
                const t = Tokenizer.fromDir(dir, { backend: 'native', verifyEngine: mode });
                void t.engine;
                return { tokenizer: t, dispose: () => t.dispose() };
              },
              ({ tokenizer }) => run(tokenizer),
              1,
            ),
          );
        }
      }
      for (const mode of modes) {
        const sorted = times[mode].sort((a, b) => a - b);
        ms[mode] = sorted[Math.floor(sorted.length / 2)] * 1e3;
      }
      const cost = (mode) => `${(((ms[mode] - ms.off) / ms.off) * 100).toFixed(1)}%`;
      console.log(`| ${name} | ${work} | ${ms.off.toFixed(1)} | ${ms.sample.toFixed(1)} | ${ms.all.toFixed(1)} | ${cost('sample')} | ${cost('all')} |`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
