// Builds the native addon from source with @napi-rs/cli. Run by `npm install` and `npm run build:native`.
// Without cargo it says so and exits 0: the package then runs on its TypeScript backend.
// `--strict` (used by CI) turns every failure into a non-zero exit instead.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const strict = process.argv.includes('--strict');
// `ci` (see Cargo.toml) skips LTO to keep CI fast; the default is the optimised release profile.
const profile = process.env.TOKENSHIFT_CARGO_PROFILE || 'release';

function giveUp(message) {
  console.error(`tokenshift: ${message}`);
  if (strict) process.exit(1);
  console.error('tokenshift: continuing with the TypeScript backend (slower, same results).');
  process.exit(0);
}

if (process.env.TOKENSHIFT_SKIP_NATIVE_BUILD === '1' && !strict) {
  giveUp('TOKENSHIFT_SKIP_NATIVE_BUILD=1, so the native addon was not built.');
}

const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
if (cargo.error || cargo.status !== 0) {
  giveUp('cargo was not found, so the native addon was not built. Install Rust (https://rustup.rs), then run `npm run build:native`.');
}

let napiBin;
try {
  napiBin = join(require.resolve('@napi-rs/cli/package.json', { paths: [root] }), '..', 'dist', 'cli.js');
} catch {
  giveUp('@napi-rs/cli is not installed (it is a devDependency), so the native addon was not built.');
}

const args = [
  napiBin,
  'build',
  '--platform',
  '--manifest-path',
  'crates/tokenshift-node/Cargo.toml',
  '--package-json-path',
  'package.json',
  '--output-dir',
  'native',
  '--js',
  'index.js',
  '--dts',
  'index.d.ts',
  '--profile',
  profile,
];
console.error(`tokenshift: building the native addon (cargo profile "${profile}"; the first build takes a few minutes)…`);
const build = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (build.status !== 0) giveUp(`the native build failed (exit ${build.status ?? build.signal}); see the cargo output above.`);
