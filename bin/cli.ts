/**
 * `alb-iceberg` operator CLI: a thin dispatcher. Each command lives in bin/commands/; code only the CLI runs lives in
 * bin/ops/, and what the CLI shares with the Lambdas (the day-folder inventory, the enqueue side, the ledger, the
 * parser) in lambda/, so both run one implementation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OptionSpecs } from './args';
import { BACKFILL_DEPRECATED, BACKFILL_OPTIONS, runBackfillCommand } from './commands/backfill';
import { ERRORS_OPTIONS, runErrorsCommand } from './commands/errors';
import { PARSE_OPTIONS, runParse } from './commands/parse';
import { QUERY_OPTIONS, runQuery } from './commands/query';
import { RECONCILE_ALIASES, RECONCILE_OPTIONS, runReconcileCommand } from './commands/reconcile';
import { REDRIVE_OPTIONS, runRedriveCommand } from './commands/redrive';
import { runStatusCommand, STATUS_OPTIONS } from './commands/status';
import { type CliIo, processIo } from './io';

export interface Command {
  readonly summary: string;
  readonly run: (args: string[], io: CliIo) => Promise<number>;
  /** Its options (the README's CLI table is checked against them). */
  readonly options: OptionSpecs;
  /** Options kept only as deprecated aliases: not documented. */
  readonly deprecated?: readonly string[];
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  parse: {
    summary: 'parse log files locally and print the exact Firehose records',
    run: runParse,
    options: PARSE_OPTIONS,
  },
  query: {
    summary: 'run the saved incident queries, or any SQL, over local log files (embedded DuckDB)',
    run: runQuery,
    options: QUERY_OPTIONS,
  },
  backfill: {
    summary: 'enqueue existing access-log objects (a date range) for ingestion, resumably',
    run: (args, io) => runBackfillCommand(args, io),
    options: BACKFILL_OPTIONS,
    deprecated: BACKFILL_DEPRECATED,
  },
  status: {
    summary: 'prove every log object of a date range reached the table (S3 listing against the object ledger)',
    run: (args, io) => runStatusCommand(args, io),
    options: STATUS_OPTIONS,
  },
  reconcile: {
    summary: 'enqueue exactly the log objects the ledger has never seen (and, with --failed, the failed ones)',
    run: (args, io) => runReconcileCommand(args, io),
    options: RECONCILE_OPTIONS,
    deprecated: RECONCILE_ALIASES,
  },
  errors: {
    summary: "summarise Firehose's failed records and the parser's rejected lines",
    run: (args, io) => runErrorsCommand(args, io),
    options: ERRORS_OPTIONS,
  },
  redrive: {
    summary: "re-send Firehose's failed records to the stream, once",
    run: (args, io) => runRedriveCommand(args, io),
    options: REDRIVE_OPTIONS,
  },
};

/** The package's version (package.json), for --version. */
export function version(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

const USAGE = `Usage: alb-iceberg <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Options:
  -h, --help     Show this help.
  --version      Print the version.

Example:
  alb-iceberg parse samples/*.log.gz | head -3

Run 'alb-iceberg <command> --help' for a command's options.`;

/** Runs the CLI; returns the process exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    await io.out(`alb-iceberg ${version()}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(`alb-iceberg: unknown command '${name}'\nRun 'alb-iceberg --help' for the commands.\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    io.err(`alb-iceberg ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
