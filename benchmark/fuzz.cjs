// Long fuzz run (not part of `npm test`; CI runs a short one): the property tests of __test__/fuzz.test.ts
// (public API on both backends, every fixture tokenizer, the CLI), of __test__/fuzz-inputs.test.ts (Parquet
// inputs, column mappings, shards, lint) and the Rust harness
// (crates/tokenshift-core/tests/fuzz_prepare.rs), round after round with new seeds, until the time is up.
// Usage: node benchmark/fuzz.cjs [minutes, default 10]. Prints cases run and failures (with the seed to replay).
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const minutes = Number(process.argv[2] ?? 10);
const deadline = Date.now() + minutes * 60_000;
const JS_RUNS = 400;
const INPUT_RUNS = 96;
const RUST_CASES = 1500;
const totals = { rounds: 0, jsCases: 0, rustCases: 0, failures: [] };

for (let round = 0; Date.now() < deadline; round++) {
  const seed = Date.now() % 2 ** 31;
  let vitestOk = true;
  // The CLI cases of fuzz-inputs.test.ts take about a second each: fewer of them, so a round stays near 5 min.
  for (const [file, runs] of [
    ['__test__/fuzz.test.ts', JS_RUNS],
    ['__test__/fuzz-inputs.test.ts', INPUT_RUNS],
  ]) {
    const js = spawnSync('npx', ['vitest', 'run', file], {
      cwd: root,
      env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_SEED: String(seed) },
      encoding: 'utf8',
    });
    if (js.status !== 0)
      totals.failures.push(
        `${file} seed ${seed}: ${(js.stdout + js.stderr)
          .split('\n')
          .filter((l) => /Counterexample|Error|×/.test(l))
          .slice(0, 6)
          .join(' | ')}`,
      );
    vitestOk &&= js.status === 0;
  }
  // Per round: JS_RUNS cases per parity tokenizer (2), a quarter per fixture tokenizer, a tenth through the CLI;
  // an eighth of INPUT_RUNS for each of Parquet inputs, column mappings, shards and lint.
  totals.jsCases += JS_RUNS * 2 + (JS_RUNS / 4) * 9 + JS_RUNS / 10 + Math.max(4, Math.round(INPUT_RUNS / 8)) * 4;
  const rust = spawnSync('cargo', ['test', '-q', '--profile', 'ci', '-p', 'tokenshift-core', '--test', 'fuzz_prepare', '--', '--nocapture'], {
    cwd: root,
    env: { ...process.env, FUZZ_CASES: String(RUST_CASES), FUZZ_SEED: String(seed) },
    encoding: 'utf8',
  });
  totals.rustCases += RUST_CASES * 9; // every fixture tokenizer
  if (rust.status !== 0)
    totals.failures.push(
      `rust seed ${seed}: ${(rust.stdout + rust.stderr)
        .split('\n')
        .filter((l) => /panicked|assert/.test(l))
        .slice(0, 4)
        .join(' | ')}`,
    );
  totals.rounds = round + 1;
  console.log(`round ${round + 1} (seed ${seed}): vitest ${vitestOk ? 'ok' : 'FAILED'}, rust ${rust.status === 0 ? 'ok' : 'FAILED'}`);
}
console.log(
  `fuzz: ${totals.rounds} rounds in ${minutes} min, ~${totals.jsCases.toLocaleString('en-US')} JS/CLI cases, ${totals.rustCases.toLocaleString('en-US')} Rust cases, ${totals.failures.length} failures`,
);
for (const f of totals.failures) console.log(`  ${f}`);
process.exit(totals.failures.length === 0 ? 0 : 1);
