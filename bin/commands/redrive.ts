/**
 * `alb-iceberg redrive`: re-send the records Firehose could not deliver, once (bin/ops/redrive.ts).
 */
import { parseArgs } from 'node:util';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { S3Client } from '@aws-sdk/client-s3';
import { errorText } from '../../lambda/inventory/s3-objects';
import { type OptionSpecs, readArgs, usageError } from '../args';
import { type AwsClientOptions, firehoseClient, s3Client } from '../aws-clients';
import type { CliIo } from '../io';
import { parseInstant } from '../ops/instant';
import { type RedriveOptions, type RedriveResult, redriveSucceeded, runRedrive } from '../ops/redrive';
import { formatBytes } from '../ops/sizes';
import { DEFAULT_ERRORS_PREFIX } from './errors';
import { startLongRun } from './long-run';

const HELP = `Usage: alb-iceberg redrive --bucket LAKE_BUCKET --prefix PREFIX --stream NAME [--since DATE] [--dry-run]

Re-sends the records Firehose could not deliver (the base64 rawData of each line of its error objects) to the
delivery stream, once the cause is fixed (a missing table, permissions...). Each table's stream writes its
undeliverable records under its own folder, firehose-errors/<table>/; PREFIX is that folder and NAME its stream (the
stack outputs both, with the whole command, as RedriveCommand...), so records go back to the table they came from. It uses the ingest function's own
batching and retry: PutRecordBatch of up to 500 records / 4 MB, only failed entries retried, with backoff.

How redriven records are marked, so that nothing is sent twice (objects are handled one at a time):
  - an object whose records were all acknowledged is moved to <PREFIX>redriven/<rest of the key> (CopyObject, then
    DeleteObject; for a PREFIX not ending in '/', its folder is used). 'errors' and 'redrive' skip any 'redriven/'
    folder; the lake bucket's expiry rule for the error prefix still applies to it.
  - an object only partly delivered (Firehose kept failing past the retry budget), or with lines that cannot be
    redriven, is split: the delivered lines go to <PREFIX>redriven/<rest of the key>.part-<epoch ms>, and the object
    keeps only the lines not delivered. A re-run sends exactly those.
  - an object nothing could be sent from is left as it was.
Lines that are not Firehose error records, or whose rawData does not decode into a record, are reported and never
sent; they stay in the error prefix, visible to 'alb-iceberg errors'.

Rejected lines (the rejects/ prefix) are not redriven: they are log lines the parser could not read, not records.
Once the parser is fixed, re-ingest their source files with 'alb-iceberg backfill' on those days (with a new
--checkpoint); lines already delivered from those files come back as duplicates, which the dedup view removes.

Options:
  --bucket BUCKET   The lake bucket (stack output).
  --prefix PREFIX   The error folder of one table, e.g. ${DEFAULT_ERRORS_PREFIX}access_logs/ (required: ${DEFAULT_ERRORS_PREFIX}
                    itself holds every table's records; use it only for objects written before the per-table folders).
  --stream NAME     The Firehose stream of that table (stack output).
  --since DATE      Only objects written since DATE (YYYY-MM-DD, UTC, or an ISO-8601 time with a zone), by their
                    S3 LastModified time.
  --dry-run         Show what would be sent (objects, records, bytes); send, move and rewrite nothing.
  -h, --help        Show this help.

AWS credentials and endpoints come from the usual environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_*).
Permissions: s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject on the error prefix; firehose:PutRecordBatch.
A progress line is shown on a terminal; the summary goes to stdout. Ctrl-C stops after the object under way.

Examples:
  alb-iceberg redrive --bucket my-lake-bucket --prefix firehose-errors/access_logs/ --stream alb-iceberg-stream --dry-run
  alb-iceberg redrive --bucket my-lake-bucket --prefix firehose-errors/nlb_access_logs/ --stream nlb-stream --since 2026-11-23

Exit codes: 0 every object redriven (or nothing to do), 1 something was left behind (partly delivered, unreadable,
Firehose failing, interrupted: see the summary) or a failure, 2 usage error.`;

export interface RedriveCommandDeps {
  /** How to build the clients not given (timeouts, endpoint); default: the project's timeouts, the usual environment. */
  readonly aws?: AwsClientOptions;
  readonly s3?: S3Client;
  readonly firehose?: FirehoseClient;
  readonly stderrIsTTY?: boolean;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Retry budget per batch in ms (default 60 s). */
  readonly retryBudgetMs?: number;
}

export async function runRedriveCommand(argv: string[], io: CliIo, deps: RedriveCommandDeps = {}): Promise<number> {
  const parsed = await readArgs(() => parseOptions(argv), 'redrive', HELP, io);
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const usage = (problem: string) => usageError(io, 'redrive', problem);
  if (!values.bucket) return usage('--bucket is required');
  if (!values.stream) return usage('--stream is required');
  if (values.prefix === '') return usage('--prefix cannot be empty (that would read the whole bucket)');
  if (values.prefix === undefined) {
    return usage(
      `--prefix is required: the error folder of the stream's table, e.g. ${DEFAULT_ERRORS_PREFIX}access_logs/ (stack output RedriveCommand...)`,
    );
  }
  const since = values.since === undefined ? undefined : parseInstant(values.since);
  if (values.since !== undefined && since === undefined) {
    return usage(`--since must be YYYY-MM-DD or an ISO-8601 time with a zone, got '${values.since}'`);
  }
  const options: RedriveOptions = {
    bucket: values.bucket,
    prefix: values.prefix,
    streamName: values.stream,
    dryRun: values['dry-run'] === true,
    ...(since !== undefined ? { since } : {}),
    ...(deps.retryBudgetMs !== undefined ? { retryBudgetMs: deps.retryBudgetMs } : {}),
  };

  const { progress, signal, dispose } = startLongRun(
    io,
    deps,
    'alb-iceberg redrive: interrupted, finishing the object under way (Ctrl-C again to quit at once)',
  );
  let result: RedriveResult;
  try {
    result = await runRedrive(options, {
      s3: deps.s3 ?? s3Client(deps.aws),
      firehose: deps.firehose ?? firehoseClient(deps.aws),
      ...(signal ? { signal } : {}),
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(deps.random ? { random: deps.random } : {}),
      onObject: (_o, r) =>
        progress.update(
          () =>
            `redrive: ${r.objects} object(s), ${r.records} record(s) found` +
            (options.dryRun ? '' : `, ${r.sent} sent (${formatBytes(r.bytesSent)})`),
        ),
    });
  } catch (e) {
    progress.clear();
    io.err(`alb-iceberg redrive: ${errorText(e)}\n`);
    return 1;
  } finally {
    dispose();
  }
  progress.clear();
  await io.out(summary(result, options));
  if (!redriveSucceeded(result)) {
    io.err(
      `alb-iceberg redrive: not everything was redriven${result.stopped ? ` (stopped: ${result.stopped})` : ''}; ` +
        "see 'needs attention' in the summary. Running the command again sends only the records not delivered yet; " +
        "lines that cannot be redriven stay in the error prefix (inspect them with 'alb-iceberg errors').\n",
    );
    return 1;
  }
  return 0;
}

export const REDRIVE_OPTIONS = {
  bucket: { type: 'string', value: 'BUCKET' },
  prefix: { type: 'string', value: 'PREFIX' },
  stream: { type: 'string', value: 'NAME' },
  since: { type: 'string', value: 'DATE' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

function parseOptions(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: false, options: REDRIVE_OPTIONS });
}

function summary(r: RedriveResult, o: RedriveOptions): string {
  const where = `s3://${o.bucket}/${o.prefix}`;
  const lines = [`${o.dryRun ? 'redrive (dry run)' : 'redrive'}: ${where} -> stream ${o.streamName}`];
  const by = new Map<string, number>();
  for (const x of r.outcomes) by.set(x.status, (by.get(x.status) ?? 0) + 1);
  const statuses = [...by].map(([s, n]) => `${n} ${s}`).join(', ');
  lines.push(`objects: ${r.objects}${statuses ? ` (${statuses})` : ''}`);
  if (r.redrivenObjectsSkipped) lines.push(`already redriven objects skipped: ${r.redrivenObjectsSkipped}`);
  const bytes = r.outcomes.reduce((n, x) => n + x.bytes, 0);
  if (o.dryRun) {
    lines.push(`records that would be sent: ${r.records} (${formatBytes(bytes)}); nothing sent`);
    for (const x of r.outcomes) {
      if (x.records > 0) lines.push(`  s3://${o.bucket}/${x.key}: ${x.records} record(s), ${formatBytes(x.bytes)}`);
    }
  } else {
    lines.push(
      `records: ${r.records} found, ${r.sent} sent (${formatBytes(r.bytesSent)})`,
      `firehose: ${r.sender.calls} PutRecordBatch call(s), ${r.sender.retries} retries, ${r.sender.throttles} throttled`,
    );
  }
  if (r.unparseable || r.undecodable) {
    lines.push(
      `not redrivable: ${r.unparseable} line(s) that are not error records, ${r.undecodable} record(s) whose rawData does not decode`,
    );
  }
  const notable = r.outcomes.filter(
    (x) => x.problem !== undefined || x.status === 'partial' || x.status === 'not-sent' || x.status === 'unreadable',
  );
  if (notable.length > 0) {
    lines.push('needs attention:');
    for (const x of notable) {
      lines.push(
        `  s3://${o.bucket}/${x.key}: ${x.status}${x.problem ? `: ${x.problem}` : ''}` +
          (x.duplicateRisk ? ` [${x.duplicateRisk} record(s) would be sent again by a re-run]` : ''),
      );
    }
  }
  if (r.stopped) lines.push(`stopped early: ${r.stopped}`);
  return `${lines.join('\n')}\n`;
}
