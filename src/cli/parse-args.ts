// node:util's parseArgs with one fix every command needs: a negative number after a string option
// (`--ignore-index -100`) is that option's value, not an unknown flag it calls "ambiguous".

import { parseArgs, type ParseArgsConfig } from 'node:util';

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

export function parseCommandArgs<T extends ParseArgsConfig>(config: T & { args: string[] }): ReturnType<typeof parseArgs<T>> {
  return parseArgs({ ...config, args: joinNegativeValues(config.args, config.options) }) as ReturnType<typeof parseArgs<T>>;
}
