// `npm run build:release`: the linux-x64-gnu binary users install, as the napi-rs packages build theirs —
// release profile, stripped, linked by zig against glibc 2.17 (cargo-zigbuild) so that it loads on every
// distribution Node 20 supports — into the platform package folder npm/linux-x64-gnu/. Then it checks the
// highest GLIBC_ symbol version the binary needs and reports its size.
// Needs: cargo, cargo-zigbuild (`cargo install cargo-zigbuild --locked`), and zig (`pip install ziglang`,
// found by cargo-zigbuild through `python3 -m ziglang`). The other platforms build in .github/workflows/release.yml.
const { spawnSync } = require('node:child_process');
const { rmSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const TARGET = 'x86_64-unknown-linux-gnu.2.17';
const OUT = join(root, 'npm', 'linux-x64-gnu');
const BINARY = join(OUT, 'tokenshift.linux-x64-gnu.node');
const MAX_GLIBC = [2, 17];

function fail(message) {
  console.error(`build:release: ${message}`);
  process.exit(1);
}

const napi = join(require.resolve('@napi-rs/cli/package.json', { paths: [root] }), '..', 'dist', 'cli.js');
const profile = process.env.TOKENSHIFT_RELEASE_PROFILE || 'release';
const build = spawnSync(
  process.execPath,
  [
    napi,
    'build',
    '--platform',
    '--no-js',
    '--target',
    TARGET,
    '--cross-compile',
    '--strip',
    '--profile',
    profile,
    '--manifest-path',
    'crates/tokenshift-node/Cargo.toml',
    '--package-json-path',
    'package.json',
    '--output-dir',
    OUT,
  ],
  { cwd: root, stdio: 'inherit' },
);
if (build.status !== 0) fail(`the build failed (exit ${build.status ?? build.signal})`);
// The platform package holds the binary only; the loader and its types live in native/ (committed).
rmSync(join(OUT, 'index.d.ts'), { force: true });

const symbols = spawnSync('objdump', ['-T', BINARY], { encoding: 'utf8' });
if (symbols.status !== 0) fail(`objdump -T ${BINARY} failed: ${symbols.stderr}`);
const versions = [...symbols.stdout.matchAll(/GLIBC_(\d+)\.(\d+)(?:\.(\d+))?/g)].map((m) => [Number(m[1]), Number(m[2])]);
const highest = versions.reduce((a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a), [0, 0]);
const size = statSync(BINARY).size;
console.log(`build:release: ${BINARY}`);
console.log(
  `build:release: highest GLIBC symbol version ${highest.join('.')} (must be <= ${MAX_GLIBC.join('.')}), size ${(size / 1e6).toFixed(2)} MB stripped`,
);
if (highest[0] > MAX_GLIBC[0] || (highest[0] === MAX_GLIBC[0] && highest[1] > MAX_GLIBC[1])) fail(`the binary needs GLIBC_${highest.join('.')}`);
