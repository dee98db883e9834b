// The trainers' own dataset readers (Megatron-Core, litdata, OLMo, MosaicML streaming), from PyPI, in a virtualenv outside the
// project, for the tests that prove our output formats with them (__test__/trainer-readers.test.ts).
// `node scripts/trainer-readers.cjs` makes it (once per requirements file: ~3 GB, a minute or two) and
// prints its python; `.ci/run` runs it before the tests. The location: TOKENSHIFT_READERS_VENV, else
// $XDG_CACHE_HOME/tokenshift (or ~/.cache/tokenshift)/trainer-readers-<hash of the requirements>.
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { homedir } = require('node:os');
const { basename, dirname, join } = require('node:path');

const requirements = join(__dirname, '..', '__test__', 'readers', 'requirements.txt');

function readersVenv() {
  if (process.env.TOKENSHIFT_READERS_VENV) return process.env.TOKENSHIFT_READERS_VENV;
  const hash = createHash('sha256').update(readFileSync(requirements)).digest('hex').slice(0, 12);
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'tokenshift', `trainer-readers-${hash}`);
}

/** The venv's python when it is complete, else null. */
function readersPython() {
  const venv = readersVenv();
  return existsSync(join(venv, '.complete')) ? join(venv, 'bin', 'python') : null;
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`trainer-readers: ${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
    process.exit(1);
  }
}

if (require.main === module) {
  const venv = readersVenv();
  if (readersPython() === null) {
    rmSync(venv, { recursive: true, force: true });
    console.error(`trainer-readers: installing ${requirements} into ${venv}`);
    run(process.env.PYTHON || 'python3', ['-m', 'venv', venv]);
    run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', requirements]);
    writeFileSync(join(venv, '.complete'), '');
    // Venvs of earlier requirements are ~6 GB each: only the current one is kept.
    if (!process.env.TOKENSHIFT_READERS_VENV)
      for (const old of readdirSync(dirname(venv)))
        if (old.startsWith('trainer-readers-') && old !== basename(venv)) rmSync(join(dirname(venv), old), { recursive: true, force: true });
  }
  console.log(readersPython());
}

module.exports = { readersVenv, readersPython };
