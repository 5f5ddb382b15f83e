// The shape of a `lotproof` subcommand, shared by the modules that define them.
import type { ParseArgsConfig } from 'node:util';

/** A refusal of the command line's input: printed as one line, exit code 2. */
export class UsageError extends Error {}

export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }): Promise<number>;
}
