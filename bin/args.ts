/**
 * Argument handling shared by every command: one option-spec shape (node:util parseArgs' own, plus the value's
 * placeholder for docs), one way to report usage errors and to answer --help.
 */
import type { CliIo } from './io';

/** One option: parseArgs' config, plus `value`, the placeholder shown in usage lines (string options). */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  readonly value?: string;
}

/** A command's options by name (without the leading `--`); `help` is always one of them. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The one line a usage error ends with: where to read more, instead of the whole help. */
export const helpHint = (command: string) => `Run 'alb-iceberg ${command} --help' for usage.`;

/** Prints a usage error and where to get help; returns the usage exit code (2). */
export function usageError(io: CliIo, command: string, problem: string): number {
  io.err(`alb-iceberg ${command}: ${problem}\n${helpHint(command)}\n`);
  return 2;
}

/**
 * Runs a command's option parser (node:util parseArgs, strict). A bad option becomes a usage error (exit 2) and
 * --help prints the help (exit 0): then the exit code is returned instead of the parsed arguments.
 */
export async function readArgs<T extends { values: { help?: boolean | undefined } }>(
  parse: () => T,
  command: string,
  help: string,
  io: CliIo,
): Promise<T | number> {
  let parsed: T;
  try {
    parsed = parse();
  } catch (e) {
    return usageError(io, command, (e as Error).message);
  }
  if (parsed.values.help) {
    await io.out(`${help}\n`);
    return 0;
  }
  return parsed;
}
