// A `tokenshift` command: its name, its usage text, how its arguments are parsed (usage errors are
// OptionError) and how it runs (resolving to the exit status). main.ts holds the table and maps errors to
// exit statuses in one place.

export interface Command<Args> {
  name: string;
  usage: string;
  /** The command's arguments, or `'help'` when they ask for the usage. */
  parse(argv: string[]): Args | 'help';
  run(args: Args): Promise<number> | number;
}

/** A table entry whose arguments only its own `parse` and `run` know. */
export type AnyCommand = Command<never> & { parse(argv: string[]): unknown; run(args: never): Promise<number> | number };
