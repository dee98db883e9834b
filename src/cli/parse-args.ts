// node:util's parseArgs with one fix every command needs: a negative number after a string option
// (`--ignore-index -100`) is that option's value, not an unknown flag it calls "ambiguous".

import { parseArgs, type ParseArgsConfig } from 'node:util';

import { OptionError } from '../errors.js';

export function joinNegativeValues(argv: readonly string[], options: ParseArgsConfig['options']): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : null;
    if (name !== null && options?.[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** parseArgs, its errors (unknown or malformed flags) as OptionError: usage errors, exit status 2. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T & { args: string[] }): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs({ ...config, args: joinNegativeValues(config.args, config.options) }) as ReturnType<typeof parseArgs<T>>;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new OptionError((error as Error).message, { cause: error });
    throw error;
  }
}

/** A whole-number flag within `[min, max]`, or undefined when absent. */
export function intOption(flag: string, raw: string | undefined, [min, max]: readonly [number, number]): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) throw new OptionError(`${flag} must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new OptionError(`${flag} must be between ${min} and ${max}, got ${raw}`);
  return value;
}
