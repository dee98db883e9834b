// Entry point of the `tokenshift` command: the command table, and one mapping from errors to exit statuses:
// 0 success, 2 invalid usage or options (OptionError, TypeError), 1 anything else (unreadable input, a bad
// record, a broken tokenizer; lint's findings).

import { OptionError, TokenshiftError, errorMessage } from '../errors.js';
import { USAGE } from './args.js';
import type { AnyCommand } from './command.js';
import { doctorCommand } from './doctor-command.js';
import { statusCommand } from './status-command.js';
import { inspectCommand } from './inspect-command.js';
import { lintCommand } from './lint-command.js';
import { mergeStatsCommand } from './merge-stats-command.js';
import { prepareCommand } from './prepare-command.js';

const COMMANDS = [prepareCommand, inspectCommand, lintCommand, mergeStatsCommand, statusCommand, doctorCommand] as unknown as AnyCommand[];

function isUsageError(error: unknown): boolean {
  return error instanceof OptionError || error instanceof TypeError;
}

/** The message for the user; a bare engine error (RangeError: Invalid string length) says what it means. */
function describeFailure(error: unknown): string {
  if (error instanceof RangeError) {
    return `a size limit of Node.js was reached (${error.message}): lower the sizes involved (--max-line-bytes, --length, --block-size, --pack-window) or report this with the command line`;
  }
  return errorMessage(error);
}

/** Reports `error` on stderr (with the usage when the arguments were wrong) and returns the exit status. */
function fail(command: string, error: unknown, usage: string | null): number {
  const usageError = isUsageError(error);
  process.stderr.write(`${command}: ${describeFailure(error)}\n${usageError && usage !== null ? `\n${usage}` : ''}`);
  if (!(error instanceof TokenshiftError) && !usageError && process.env.TOKENSHIFT_DEBUG) console.error(error);
  return usageError ? 2 : 1;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const names = COMMANDS.map((c) => c.name).join(', ');
    return fail('tokenshift', new OptionError(`unknown command ${JSON.stringify(name)}; use ${names}`), USAGE);
  }
  let args: unknown;
  try {
    args = command.parse(rest);
  } catch (error) {
    return fail(`tokenshift ${name}`, error, command.usage);
  }
  if (args === 'help') {
    process.stdout.write(command.usage);
    return 0;
  }
  try {
    return await command.run(args as never);
  } catch (error) {
    return fail(`tokenshift ${name}`, error, null);
  }
}
