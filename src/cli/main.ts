// Entry point of the `tokenshift` command. Exit status: 0 success, 2 invalid usage or options,
// 1 anything else (unreadable input, a bad record, a broken tokenizer).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { OptionError, TokenshiftError, errorMessage } from '../errors.js';
import { normalizePrepareOptions, type PrepareOptions } from '../prepare/options.js';
import { parseCli, USAGE, type CliArgs } from './args.js';
import { runDoctor } from './doctor-command.js';
import { runInspect } from './inspect-command.js';
import { runLint } from './lint-command.js';
import { runMergeStats } from './merge-stats-command.js';
import { runPrepare } from './prepare-command.js';

function version(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

function readOption(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new OptionError(`${flag} ${file}: ${errorMessage(error)}`);
  }
}

/** Adds the templates named by --prompt-template (JSON) and --chat-template (Jinja) to the options. */
function withTemplates(args: CliArgs): PrepareOptions {
  const options = { ...args.prepare };
  if (args.promptTemplateFile !== null) {
    try {
      options.promptTemplate = JSON.parse(readOption('--prompt-template', args.promptTemplateFile)) as PrepareOptions['promptTemplate'];
    } catch (error) {
      throw new OptionError(`--prompt-template ${args.promptTemplateFile}: ${errorMessage(error)}`);
    }
  }
  if (args.chatTemplateFile !== null) options.chatTemplate = readOption('--chat-template', args.chatTemplateFile);
  return options;
}

/** `lint` and `merge-stats` take files as arguments and share no options with prepare/inspect. */
async function runFileCommand(command: string, argv: string[]): Promise<number> {
  try {
    return command === 'lint' ? await runLint(argv) : runMergeStats(argv);
  } catch (error) {
    process.stderr.write(`tokenshift ${command}: ${describeFailure(error)}\n`);
    if (!(error instanceof TokenshiftError) && process.env.TOKENSHIFT_DEBUG) console.error(error);
    return error instanceof OptionError || error instanceof TypeError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}

/** The message for the user; a bare engine error (RangeError: Invalid string length) says what it means. */
function describeFailure(error: unknown): string {
  if (error instanceof RangeError) {
    return `a size limit of Node.js was reached (${error.message}): lower the sizes involved (--max-line-bytes, --length, --block-size, --pack-window) or report this with the command line`;
  }
  return errorMessage(error);
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'doctor') return runDoctor(argv.slice(1));
  if (argv[0] === 'lint' || argv[0] === 'merge-stats') return runFileCommand(argv[0], argv.slice(1));
  let args: CliArgs;
  let options: PrepareOptions;
  try {
    args = parseCli(argv);
    if (args.command === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    options = withTemplates(args);
    normalizePrepareOptions(options); // fail on bad options before reading any input
  } catch (error) {
    process.stderr.write(`tokenshift: ${errorMessage(error)}\n\n${USAGE}`);
    return 2;
  }
  try {
    if (args.command === 'prepare') await runPrepare(args, options, version());
    else await runInspect(args, options);
    return 0;
  } catch (error) {
    const usage = error instanceof OptionError || error instanceof TypeError;
    process.stderr.write(`tokenshift ${args.command}: ${describeFailure(error)}\n`);
    if (!(error instanceof TokenshiftError) && !usage && process.env.TOKENSHIFT_DEBUG) console.error(error);
    return usage ? 2 : 1;
  }
}
