// `tokenshift doctor`: what a bug report needs and what decides speed — which backend new tokenizers get
// and why, the native binary, platform, C library and threads.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { loadNativeAddon } from '../backend/native-addon.js';
import { packageRoot, packageVersion } from '../package-info.js';
import type { Command } from './command.js';
import { parseCommandArgs } from './parse-args.js';
import { requestedBackend } from '../backend/dispatch.js';
import { table } from './progress.js';
import { resolveThreads } from '../threads.js';
import { errorMessage } from '../errors.js';

export const DOCTOR_USAGE = `Usage: tokenshift doctor

Prints the backend new tokenizers get (and why), the native binary, platform, C library, threads and versions.
Exit 1 when the native backend cannot load.
`;

function glibcVersion(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? `glibc ${header.glibcVersionRuntime}` : 'not glibc (musl, macOS or Windows)';
}

function nativeBinary(root: string): string {
  const local = join(root, 'native');
  const found = existsSync(local) ? readdirSync(local).filter((f) => f.endsWith('.node')) : [];
  if (found.length > 0) return found.map((f) => join(local, f)).join(', ');
  const name = `tokenshift-${process.platform}-${process.arch}`;
  for (const suffix of ['-gnu', '-musl', '-msvc', '']) {
    try {
      return require.resolve(`${name}${suffix}/package.json`).replace(/package\.json$/, '');
    } catch {
      // not installed
    }
  }
  return 'none found';
}

function parseDoctorArgs(argv: string[]): Record<string, never> | 'help' {
  const { values } = parseCommandArgs({ args: argv, strict: true, options: { help: { type: 'boolean', short: 'h' } } });
  return values.help ? 'help' : {};
}

function runDoctor(): number {
  const root = packageRoot();
  const version = packageVersion();
  const native = loadNativeAddon();
  const choice = requestedBackend(undefined);
  const backend =
    choice === 'ts'
      ? 'ts (TOKENSHIFT_BACKEND=ts)'
      : 'addon' in native
        ? 'native'
        : choice === 'native'
          ? 'none: TOKENSHIFT_BACKEND=native but the addon does not load'
          : 'ts (fallback: the addon does not load)';
  const rows: [string, string | number][] = [
    ['tokenshift', version],
    ['backend', backend],
    ['native addon', 'addon' in native ? 'loads' : native.error.message],
    ['native binary', nativeBinary(root)],
    ['platform', `${process.platform}-${process.arch}`],
    ['C library', process.platform === 'linux' ? glibcVersion() : 'system'],
    ['node', process.version],
    ['threads', 'addon' in native ? native.addon.availableThreads() : 'n/a (TypeScript runs on the JS thread)'],
    [
      'engines',
      'addon' in native ? `${native.addon.engineVersions().join(', ')} (1.0 wherever it gives 0.23's output; docs/engine.md)` : 'ts (@huggingface/tokenizers)',
    ],
    ['TOKENSHIFT_BACKEND', process.env.TOKENSHIFT_BACKEND ?? '(unset: auto)'],
    ['TOKENSHIFT_NUM_THREADS', threadsSetting()],
  ];
  process.stdout.write(`${table(rows)}\n`);
  return 'addon' in native ? 0 : 1;
}

/** TOKENSHIFT_NUM_THREADS as given, or why it would be refused by every command. */
function threadsSetting(): string {
  const value = process.env.TOKENSHIFT_NUM_THREADS;
  if (value === undefined) return '(unset: all cores)';
  try {
    resolveThreads(undefined);
    return value;
  } catch (error) {
    return `INVALID: ${errorMessage(error)}`;
  }
}

export const doctorCommand: Command<Record<string, never>> = { name: 'doctor', usage: DOCTOR_USAGE, parse: parseDoctorArgs, run: runDoctor };
