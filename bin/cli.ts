/**
 * `alb-iceberg` operator CLI: a thin dispatcher. Each command lives in bin/commands/ and calls into lambda/, so the
 * CLI and the Lambda share one implementation.
 */
import { runBackfillCommand } from './commands/backfill';
import { runErrorsCommand } from './commands/errors';
import { runParse } from './commands/parse';
import { runRedriveCommand } from './commands/redrive';
import { type CliIo, processIo } from './io';

interface Command {
  readonly summary: string;
  readonly run: (args: string[], io: CliIo) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  parse: { summary: 'parse log files locally and print the exact Firehose records', run: runParse },
  backfill: {
    summary: 'enqueue existing access-log objects (a date range) for ingestion, resumably',
    run: (args, io) => runBackfillCommand(args, io),
  },
  errors: {
    summary: "summarise Firehose's failed records and the parser's rejected lines",
    run: (args, io) => runErrorsCommand(args, io),
  },
  redrive: {
    summary: "re-send Firehose's failed records to the stream, once",
    run: (args, io) => runRedriveCommand(args, io),
  },
};

const USAGE = `Usage: alb-iceberg <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run 'alb-iceberg <command> --help' for a command's options.`;

/** Runs the CLI; returns the process exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`alb-iceberg: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    io.err(`alb-iceberg ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
