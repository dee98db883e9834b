// A column mapping (`columns`, `keep`) checked against every input file before any work: a misspelt column
// fails at once with the columns the file has, not after hours as one invalid record per line.

import { OptionError } from '../errors.js';
import { MESSAGE_KEYS, RECORD_FIELDS, type NormalizedPrepareOptions } from '../twin/prepare/options.js';
import { fileColumns } from './files.js';

export async function checkColumns(paths: readonly string[], options: Pick<NormalizedPrepareOptions, 'columns' | 'keep'>): Promise<void> {
  const wanted: [string, string][] = [];
  for (const [field, column] of Object.entries(options.columns)) {
    if (!(MESSAGE_KEYS as readonly string[]).includes(field)) wanted.push([column, `columns.${field}`]);
  }
  for (const name of options.keep) wanted.push([name, 'keep']);
  const keys = MESSAGE_KEYS.filter((k) => options.columns[k] !== undefined);
  if (wanted.length === 0 && keys.length === 0) return;
  for (const path of paths) {
    const found = await fileColumns(path);
    if (found === null) continue;
    for (const [column, origin] of wanted) {
      if (!found.columns.includes(column))
        throw new OptionError(`${path} has no column ${JSON.stringify(column)} (named by ${origin}); its columns are: ${found.columns.join(', ')}`);
    }
    if (keys.length === 0) continue;
    const list = options.columns.messages ?? options.columns.conversations ?? ['messages', 'conversations'].find((c) => found.columns.includes(c));
    if (list === undefined) continue;
    const inside = found.messageKeys(list);
    if (inside === null) continue;
    for (const key of keys) {
      const column = options.columns[key] as string;
      if (!inside.includes(column))
        throw new OptionError(
          `${path}: the messages in ${JSON.stringify(list)} have no key ${JSON.stringify(column)} (named by columns.${key}); their keys are: ${[...new Set(inside)].join(', ')}`,
        );
    }
  }
}

/** The top-level columns a record can use: every record field, the columns mapped to them, and kept columns. */
export function neededColumns(options: Pick<NormalizedPrepareOptions, 'columns' | 'keep'>): string[] {
  return [...new Set<string>([...RECORD_FIELDS, ...Object.values(options.columns), ...options.keep])];
}
