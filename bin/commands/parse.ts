/**
 * `alb-iceberg parse`: runs the pipeline's own parser over local files and prints exactly the records the Lambda
 * would send to Firehose, one JSON object per line.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { PARSER_ENGINES, type ParserEngine, parserEngineNamed } from '../../lambda/parser/line-encoder';
import { newObjectStats, type ObjectStats, parseLogObject } from '../../lambda/parser/parse-object';
import { describeLogKey } from '../../lambda/s3/log-key';
import { isLogTypeId, LOG_TYPE_IDS } from '../../lambda/schema/log-types';
import type { LogTypeId } from '../../lambda/schema/types';
import { type OptionSpecs, readArgs, usageError } from '../args';
import { type CliIo, OutputClosed, write } from '../io';
import { expandInputs, InputProblem, openRejectsFile } from '../parse-inputs';

/**
 * Firehose's per-GB ingestion price for Iceberg destinations (first tier, us-east-1), used only for the estimate.
 * Unverified third-party figure; check https://aws.amazon.com/firehose/pricing/.
 */
export const DEFAULT_PRICE_PER_GB = 0.075;
const SAMPLE_REJECTS = 3;
const NEWLINE = Buffer.from('\n');

const HELP = `Usage: alb-iceberg parse [--type TYPE] [--key S3_KEY] [--rejects FILE [--force]] [--price-per-gb USD] FILE|DIR...

Parses ELB log files (.log.gz or plain text; '-' reads stdin) with the pipeline's own parser and writes to stdout
one line per record: exactly the JSON the ingest Lambda sends to that log type's Firehose stream. A directory
stands for every .log.gz and .log file under it (recursively, in path order): pass the directory rather than
thousands of paths (npx hands its arguments to a shell in one command line of at most 128 KiB, and fails without a
word beyond it).

The log type comes from the file name, as in the pipeline (never from the first line): ALB access, connection
(conn_log_...) and health-check (health_check_log_...) logs, NLB access logs (..._net....) and Classic Load
Balancer logs (.log). A file whose name is none of these is read as an ALB access log unless --type says otherwise.

Options:
  --type TYPE         Log type of every input, whatever its name: ${LOG_TYPE_IDS.join(', ')}.
  --key S3_KEY        S3 key to take file metadata from (account_id, region, source_file, and the log type unless
                      --type is given). Default: the file's name, which works for files named as AWS names them.
                      Only with a single FILE.
  --engine ENGINE     ${PARSER_ENGINES.join(' or ')}: 'reference' runs the reference parser alone for ALB access
                      logs (the same records; the WebAssembly kernel only saves CPU time). Default: kernel.
  --rejects FILE      Write rejected lines as NDJSON {file, line, reason, raw} to FILE (a new file; never one of
                      the inputs). Without it, rejects are counted and the first ${SAMPLE_REJECTS} are shown on stderr.
  --force             Let --rejects replace an existing FILE.
  --price-per-gb USD  Firehose price per GB ingested, for the cost estimate. Default: ${DEFAULT_PRICE_PER_GB}.
  -h, --help          Show this help.

A summary goes to stderr: files, lines, records, rejects, lines with extra (unknown) fields, bytes read, raw log
bytes, record bytes, Firehose bytes per raw log byte, and the estimated Firehose cost.
The ELB test file and files of AWS's CloudWatch delivery are recognised by name and skipped, as the pipeline
does. A damaged file (truncated gzip...) is read up to the damage, reported, and the next file is read.
Output closed early (\`| head\`) is a normal end: reading stops, exit code 0.

Examples:
  alb-iceberg parse samples/*.log.gz | head -3
  alb-iceberg parse --rejects rejects.ndjson ./downloaded-logs/ > records.ndjson

Exit codes: 0 success (rejected lines are not an error), 1 unreadable or damaged input, 2 usage error.`;

export const PARSE_OPTIONS = {
  type: { type: 'string', value: 'TYPE' },
  key: { type: 'string', value: 'S3_KEY' },
  engine: { type: 'string', value: 'ENGINE' },
  rejects: { type: 'string', value: 'FILE' },
  force: { type: 'boolean' },
  'price-per-gb': { type: 'string', value: 'USD' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

/** Running totals over the files of one command. */
interface Totals {
  readonly stats: ObjectStats;
  recordBytes: number;
  samplesShown: number;
  files: number;
  skipped: number;
  damaged: number;
}

export async function runParse(argv: string[], io: CliIo): Promise<number> {
  const parsed = await readArgs(
    () => parseArgs({ args: argv, allowPositionals: true, options: PARSE_OPTIONS }),
    'parse',
    HELP,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const price = Number(values['price-per-gb'] ?? DEFAULT_PRICE_PER_GB);
  const problem =
    positionals.length === 0
      ? 'no FILE given'
      : values.key !== undefined && positionals.length > 1
        ? '--key applies to one FILE only'
        : values.type !== undefined && !isLogTypeId(values.type)
          ? `--type must be one of ${LOG_TYPE_IDS.join(', ')}, got '${values.type}'`
          : parserEngineNamed(values.engine) === undefined
            ? `--engine must be one of ${PARSER_ENGINES.join(', ')}, got '${values.engine}'`
            : !(price >= 0)
              ? `--price-per-gb must be a non-negative number, got '${values['price-per-gb']}'`
              : values.force && values.rejects === undefined
                ? '--force only applies to --rejects'
                : undefined;
  if (problem) return usageError(io, 'parse', problem);

  let inputs: string[];
  let rejectsFile: FileHandle | undefined;
  try {
    inputs = await expandInputs(positionals);
    if (values.key !== undefined && inputs.length > 1) return usageError(io, 'parse', '--key applies to one FILE only');
    if (values.rejects !== undefined)
      rejectsFile = await openRejectsFile(values.rejects, inputs, values.force === true);
  } catch (e) {
    if (!(e instanceof InputProblem)) throw e;
    if (e.exitCode === 2) return usageError(io, 'parse', e.message);
    io.err(`alb-iceberg parse: ${e.message}\n`);
    return 1;
  }

  const rejectsOut = rejectsFile?.createWriteStream();
  let rejectsError: Error | undefined;
  rejectsOut?.on('error', (e) => {
    rejectsError ??= e;
  });
  const totals: Totals = {
    stats: newObjectStats(),
    recordBytes: 0,
    samplesShown: 0,
    files: inputs.length,
    skipped: 0,
    damaged: 0,
  };
  try {
    for (const file of inputs) {
      const choice: ParseChoice = {
        key: values.key,
        logType: values.type as LogTypeId | undefined,
        engine: parserEngineNamed(values.engine)!,
      };
      const outcome = await parseFile(file, choice, totals, io, rejectsOut);
      if (outcome === 'output-closed') return 0;
      if (rejectsError) break;
    }
  } finally {
    if (rejectsOut) await new Promise<void>((resolve) => rejectsOut.end(() => resolve()));
  }
  if (rejectsError) {
    io.err(`alb-iceberg parse: writing --rejects '${values.rejects}' failed: ${rejectsError.message}\n`);
    return 1;
  }
  io.err(summary(totals.stats, totals.recordBytes, price, totals));
  return totals.damaged > 0 ? 1 : 0;
}

/** What the options say about every input. */
interface ParseChoice {
  readonly key: string | undefined;
  /** --type: the log type of every input, whatever its name. */
  readonly logType: LogTypeId | undefined;
  readonly engine: ParserEngine;
}

/** Parses one input and prints its records; a damaged file is reported and counted, and the caller goes on. */
async function parseFile(
  file: string,
  choice: ParseChoice,
  totals: Totals,
  io: CliIo,
  rejectsOut: Writable | undefined,
): Promise<'done' | 'skipped' | 'damaged' | 'output-closed'> {
  const key = choice.key ?? (file === '-' ? 'stdin' : basename(file));
  const described = describeLogKey(key);
  if (
    choice.logType === undefined &&
    (described.kind === 'elb-test-file' || described.kind === 'cloudwatch-delivery')
  ) {
    io.err(`alb-iceberg parse: ${file}: skipped, it is named like an ${described.kind}, not a log file\n`);
    totals.skipped++;
    return 'skipped';
  }
  // The type the name says; a name of its own is read as an ALB access log (the help says so).
  const logType = choice.logType ?? described.logType ?? 'alb-access';
  // Opened only now, one file at a time: any number of inputs holds one descriptor.
  const body = file === '-' ? io.stdin : createReadStream(file, { highWaterMark: 256 * 1024 });
  const stats = newObjectStats();
  try {
    for await (const chunk of parseLogObject(body, { key, stats, logType, engine: choice.engine })) {
      if (chunk.records.length > 0) {
        const lines: Uint8Array[] = [];
        for (const r of chunk.records) {
          lines.push(r.data, NEWLINE);
          totals.recordBytes += r.data.length;
        }
        await io.out(Buffer.concat(lines));
      }
      for (const reject of chunk.rejects) {
        const entry = { ...reject, file };
        if (rejectsOut) await write(rejectsOut, `${JSON.stringify(entry)}\n`);
        else if (totals.samplesShown++ < SAMPLE_REJECTS) io.err(`rejected ${file}:${reject.line}: ${reject.reason}\n`);
      }
    }
  } catch (e) {
    if (e instanceof OutputClosed) return 'output-closed';
    io.err(
      `alb-iceberg parse: ${file}: unreadable after line ${stats.lines}: ${(e as Error).message}` +
        ` (${stats.records} records before the damage were printed)\n`,
    );
    totals.damaged++;
    return 'damaged';
  } finally {
    if (body !== io.stdin) (body as ReadStream).destroy();
    addStats(totals.stats, stats);
  }
  return 'done';
}

function addStats(total: ObjectStats, s: ObjectStats): void {
  for (const k of Object.keys(total) as (keyof ObjectStats)[]) total[k] += s[k];
}

/** The stderr summary. Exported for tests. */
export function summary(
  s: ObjectStats,
  recordBytes: number,
  pricePerGb: number,
  files: { readonly files: number; readonly skipped: number; readonly damaged: number },
): string {
  const ratio = s.rawBytes > 0 ? recordBytes / s.rawBytes : 0;
  const cost = (recordBytes / 1e9) * pricePerGb;
  const perTb = ratio * 1000 * pricePerGb;
  const notes = [
    files.damaged ? `${files.damaged} damaged: read up to the damage` : '',
    files.skipped ? `${files.skipped} skipped: not log files` : '',
  ].filter(Boolean);
  return [
    `files: ${files.files}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    `lines: ${s.lines} (blank: ${s.blankLines})`,
    `records: ${s.records}`,
    `rejects: ${s.rejects}`,
    `extra-field lines: ${s.extraFieldLines}`,
    `bytes in: ${s.compressedBytes}, raw log bytes: ${s.rawBytes}, record bytes: ${recordBytes}`,
    `firehose bytes per raw byte: ${ratio.toFixed(3)}`,
    `estimated firehose cost: $${cost.toFixed(6)} at $${pricePerGb}/GB ($${perTb.toFixed(2)} per TB of raw log)`,
    '',
  ].join('\n');
}
