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
const RUST_CASES = 1500;
const totals = { rounds: 0, jsCases: 0, rustCases: 0, failures: [] };

for (let round = 0; Date.now() < deadline; round++) {
  const seed = Date.now() % 2 ** 31;
  const js = spawnSync('npx', ['vitest', 'run', '__test__/fuzz.test.ts', '__test__/fuzz-inputs.test.ts'], {
    cwd: root,
    env: { ...process.env, FUZZ_RUNS: String(JS_RUNS), FUZZ_SEED: String(seed) },
    encoding: 'utf8',
  });
  // Per round: JS_RUNS cases per parity tokenizer (2), a quarter per fixture tokenizer, a tenth through the CLI,
  // an eighth for each of Parquet inputs, column mappings, shards and lint (fuzz-inputs.test.ts).
  totals.jsCases += JS_RUNS * 2 + (JS_RUNS / 4) * 9 + JS_RUNS / 10 + (JS_RUNS / 8) * 4;
  if (js.status !== 0)
    totals.failures.push(
      `vitest seed ${seed}: ${(js.stdout + js.stderr)
        .split('\n')
        .filter((l) => /Counterexample|Error|×/.test(l))
        .slice(0, 6)
        .join(' | ')}`,
    );
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
  console.log(`round ${round + 1} (seed ${seed}): vitest ${js.status === 0 ? 'ok' : 'FAILED'}, rust ${rust.status === 0 ? 'ok' : 'FAILED'}`);
}
console.log(
  `fuzz: ${totals.rounds} rounds in ${minutes} min, ~${totals.jsCases.toLocaleString('en-US')} JS/CLI cases, ${totals.rustCases.toLocaleString('en-US')} Rust cases, ${totals.failures.length} failures`,
);
for (const f of totals.failures) console.log(`  ${f}`);
process.exit(totals.failures.length === 0 ? 0 : 1);
