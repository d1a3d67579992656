/**
 * `alb-iceberg errors`: why rows are missing. Summarises Firehose's error objects and the parser's rejected lines
 * (bin/ops/error-objects.ts).
 */
import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { errorText } from '../../lambda/inventory/s3-objects';
import { type OptionSpecs, readArgs, usageError } from '../args';
import { type AwsClientOptions, s3Client } from '../aws-clients';
import { type CliIo, OutputClosed } from '../io';
import { formatReport, inspectErrors, reportToJson } from '../ops/error-objects';
import { parseInstant } from '../ops/instant';
import { ProgressLine } from '../ops/progress';

export const DEFAULT_ERRORS_PREFIX = 'firehose-errors/';
export const DEFAULT_REJECTS_PREFIX = 'rejects/';

const HELP = `Usage: alb-iceberg errors --bucket LAKE_BUCKET [--prefix PREFIX] [--rejects-prefix PREFIX] [--since DATE]
                          [--only firehose|rejects] [--json | --decode] [--limit N] [--samples N]

Shows why rows are missing from the table, from the lake bucket:
  - records Firehose could not deliver (its error objects: JSON lines, gzipped or plain, with errorCode,
    errorMessage and the base64 record in rawData), counted by error code, with the S3 key and line of samples;
  - log lines the parser rejected (the ingest function's rejects objects), counted by reason (with values such as
    the offending field's content left out, so that one problem is one group), with source file and line samples.
Lines that are not what they should be are counted as unparseable, with samples; they never stop the command.
Objects already redriven (under a 'redriven/' folder, see 'alb-iceberg redrive') are not read.

Options:
  --bucket BUCKET          The lake bucket (stack output).
  --prefix PREFIX          Firehose error prefix. Default: ${DEFAULT_ERRORS_PREFIX}
  --rejects-prefix PREFIX  Rejected lines prefix. Default: ${DEFAULT_REJECTS_PREFIX}
  --since DATE             Only objects written since DATE (YYYY-MM-DD, UTC, or an ISO-8601 time such as
                           2026-11-23T18:00:00Z), by their S3 LastModified time.
  --only firehose|rejects  Read only one of the two.
  --json                   Print one JSON document (for scripts) instead of the text summary.
  --decode                 Print the original records of the Firehose errors (decoded rawData), one per line
                           (NDJSON), on stdout; the summary then goes to stderr.
  --limit N                Stop after reading N lines in total (the summary says it is partial).
  --samples N              Samples per group. Default: 3.
  -h, --help               Show this help.

Next steps: fix the cause, then 'alb-iceberg redrive' re-sends Firehose's failed records. Rejected lines are
re-ingested by running 'alb-iceberg backfill' on their days once the parser is fixed.

Permissions: s3:ListBucket and s3:GetObject on the two prefixes. Credentials, region and endpoints come from the
usual environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3...).

Examples:
  alb-iceberg errors --bucket my-lake-bucket --since 2026-11-23
  alb-iceberg errors --bucket my-lake-bucket --only firehose --decode > failed-records.ndjson

Exit codes: 0 read everything (finding errors is not a failure), 1 an object or listing could not be read,
2 usage error.`;

export interface ErrorsCommandDeps {
  /** How to build the clients not given (timeouts, endpoint); default: the project's timeouts, the usual environment. */
  readonly aws?: AwsClientOptions;
  readonly s3?: S3Client;
  readonly stderrIsTTY?: boolean;
  readonly now?: () => number;
}

export async function runErrorsCommand(argv: string[], io: CliIo, deps: ErrorsCommandDeps = {}): Promise<number> {
  const parsed = await readArgs(() => parseOptions(argv), 'errors', HELP, io);
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const usage = (problem: string) => usageError(io, 'errors', problem);
  if (!values.bucket) return usage('--bucket is required');
  if (values.json && values.decode) return usage('--json and --decode both write to stdout: choose one');
  const since = values.since === undefined ? undefined : parseInstant(values.since);
  if (values.since !== undefined && since === undefined) {
    return usage(`--since must be YYYY-MM-DD or an ISO-8601 time with a zone, got '${values.since}'`);
  }
  const count = (name: 'limit' | 'samples', min: number): number | undefined | string => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    return Number.isInteger(n) && n >= min ? n : `--${name} must be an integer >= ${min}, got '${raw}'`;
  };
  const limit = count('limit', 1);
  const samples = count('samples', 0);
  if (typeof limit === 'string') return usage(limit);
  if (typeof samples === 'string') return usage(samples);
  if (values.only !== undefined && values.only !== 'firehose' && values.only !== 'rejects') {
    return usage(`--only must be 'firehose' or 'rejects', got '${values.only}'`);
  }
  if (values.prefix === '' || values['rejects-prefix'] === '') {
    return usage('a prefix cannot be empty (that would read the whole bucket)');
  }

  const progress = new ProgressLine((t) => io.err(t), {
    tty: deps.stderrIsTTY ?? process.stderr.isTTY === true,
    ...(deps.now ? { now: deps.now } : {}),
  });
  let report: Awaited<ReturnType<typeof inspectErrors>>;
  try {
    report = await inspectErrors(
      {
        bucket: values.bucket,
        errorsPrefix: values.only === 'rejects' ? undefined : (values.prefix ?? DEFAULT_ERRORS_PREFIX),
        rejectsPrefix: values.only === 'firehose' ? undefined : (values['rejects-prefix'] ?? DEFAULT_REJECTS_PREFIX),
        ...(since !== undefined ? { since } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(samples !== undefined ? { samples } : {}),
      },
      {
        s3: deps.s3 ?? s3Client(deps.aws),
        ...(values.decode ? { onDecoded: (text: string) => io.out(`${text}\n`) } : {}),
        onProgress: (r) =>
          progress.update(() => {
            const f = r.firehoseErrors;
            const j = r.rejects;
            return (
              'errors: ' +
              [
                f ? `${f.objects} error object(s), ${f.records} record(s)` : '',
                j ? `${j.objects} rejects object(s), ${j.lines} line(s)` : '',
              ]
                .filter(Boolean)
                .join('; ')
            );
          }),
      },
    );
  } catch (e) {
    progress.clear();
    if (e instanceof OutputClosed) return 0;
    io.err(`alb-iceberg errors: ${errorText(e)}\n`);
    return 1;
  }
  progress.clear();
  if (values.json) await io.out(`${JSON.stringify(reportToJson(report), null, 2)}\n`);
  else if (values.decode) io.err(formatReport(report));
  else await io.out(formatReport(report));
  if (report.unreadableObjects.length > 0) {
    io.err(`alb-iceberg errors: ${report.unreadableObjects.length} object(s) could not be read completely\n`);
    return 1;
  }
  return 0;
}

export const ERRORS_OPTIONS = {
  bucket: { type: 'string', value: 'BUCKET' },
  prefix: { type: 'string', value: 'PREFIX' },
  'rejects-prefix': { type: 'string', value: 'PREFIX' },
  since: { type: 'string', value: 'DATE' },
  only: { type: 'string', value: 'firehose|rejects' },
  json: { type: 'boolean' },
  decode: { type: 'boolean' },
  limit: { type: 'string', value: 'N' },
  samples: { type: 'string', value: 'N' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

function parseOptions(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: false, options: ERRORS_OPTIONS });
}
