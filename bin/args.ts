/** Argument handling shared by every command: one way to report usage errors and to answer --help. */
import type { CliIo } from './io';

/** Prints a usage error with the command's help; returns the usage exit code (2). */
export function usageError(io: CliIo, command: string, help: string, problem: string): number {
  io.err(`alb-iceberg ${command}: ${problem}\n\n${help}\n`);
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
    return usageError(io, command, help, (e as Error).message);
  }
  if (parsed.values.help) {
    await io.out(`${help}\n`);
    return 0;
  }
  return parsed;
}
