// `npm run pack:tarballs -- DIR`: the tarballs npm would publish, into DIR — the main package and every
// platform package built here (npm/<platform>/ holding its .node; `npm run build:release` makes
// linux-x64-gnu). As `napi pre-publish` does at release time, the main package gets the platform
// packages as optionalDependencies, and loses the scripts that only make sense in a clone: a user's
// install runs no script, and npm installs the one platform package that fits.
const { spawnSync } = require('node:child_process');
const { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const root = join(__dirname, '..');
const dest = resolve(process.argv[2] || join(root, 'target', 'tarballs'));
mkdirSync(dest, { recursive: true });
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function pack(dir) {
  const result = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dest, '--json'], { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm pack in ${dir} failed: ${result.stderr}`);
  const [info] = JSON.parse(result.stdout);
  console.log(`pack:tarballs: ${join(dest, info.filename)} (${(info.size / 1e6).toFixed(2)} MB, ${info.entryCount} files)`);
  return info;
}

const platforms = {};
const npmDir = join(root, 'npm');
for (const name of existsSync(npmDir) ? readdirSync(npmDir) : []) {
  const dir = join(npmDir, name);
  const platform = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!platform.files.every((f) => existsSync(join(dir, f)))) continue; // not built on this machine
  if (platform.version !== manifest.version)
    throw new Error(`${platform.name} is at ${platform.version}, tokenshift at ${manifest.version}: run \`napi version\``);
  pack(dir);
  platforms[platform.name] = platform.version;
}
if (Object.keys(platforms).length === 0) throw new Error('no platform binary is built: run `npm run build:release` first');
if (!existsSync(join(root, 'dist', 'cjs', 'index.js'))) throw new Error('dist/ is missing: run `npm run build:ts` first');

const stage = mkdtempSync(join(tmpdir(), 'tokenshift-pack-'));
try {
  for (const entry of manifest.files) {
    if (entry.includes('*')) continue;
    cpSync(join(root, entry), join(stage, entry), { recursive: true });
  }
  const { install: _install, prepare: _prepare, pretest: _pretest, ...scripts } = manifest.scripts;
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify({ ...manifest, scripts, optionalDependencies: platforms }, null, 2)}\n`);
  for (const doc of ['README.md', 'LICENSE']) if (existsSync(join(root, doc))) cpSync(join(root, doc), join(stage, doc));
  pack(stage);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
