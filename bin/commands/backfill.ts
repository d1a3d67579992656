/**
 * `alb-iceberg backfill`: enqueue existing ELB log objects (every log type, or those of --type) on the ingest queue
 * (bin/ops/backfill.ts).
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { normalisePrefix } from '../../lambda/inventory/day-folders';
import { errorText } from '../../lambda/inventory/s3-objects';
import { ObjectLedger } from '../../lambda/ledger/object-ledger';
import { LOG_TYPE_IDS } from '../../lambda/schema/log-types';
import { type OptionSpecs, readArgs, usageError } from '../args';
import { type AwsClientOptions, dynamodbClient, s3Client, sqsClient } from '../aws-clients';
import type { CliIo } from '../io';
import {
  type BackfillOptions,
  type BackfillResult,
  BackfillUsageError,
  defaultCheckpointFile,
  fileCheckpointStore,
  runBackfill,
  validateScope,
} from '../ops/backfill';
import { isEveryType, typeCountsText } from '../ops/log-types-text';
import { bytesText, formatBytes } from '../ops/sizes';
import { startLongRun } from './long-run';
import { parseTypeOption } from './scope-options';

export const DEFAULT_RATE = 100;

/** Printed (stderr) by a backfill without --ledger-table. */
export const NO_LEDGER_WARNING =
  'alb-iceberg backfill: warning: no --ledger-table: objects already ingested are enqueued again (their rows come back as duplicates); pass --ledger-table <LedgerTableName> to leave them out';

const HELP = `Usage: alb-iceberg backfill --bucket BUCKET --queue QUEUE_URL [--prefix PREFIX] [--from YYYY-MM-DD]
                            [--to YYYY-MM-DD] [--account ID]... [--log-region REGION]... [--type TYPE[,TYPE]]...
                            [--rate N] [--checkpoint FILE] [--ledger-table TABLE] [--reingest] [--dry-run]

Enqueues existing ELB log objects on the ingest queue, one S3-notification-shaped message per object
(eventName ObjectCreated:Backfill), so that the pipeline ingests old files exactly like new ones. S3 notifications
only cover objects created after they were configured: this is how older logs reach the table.

Options:
  --bucket BUCKET     The ALB log bucket.
  --queue URL         The ingest queue URL (stack output). Not needed with --dry-run.
  --prefix PREFIX     The log prefix configured on the load balancers (access_logs.s3.prefix: the part before
                      AWSLogs/). 'x/AWSLogs/' and 'AWSLogs' are read as 'x' and none. Default: none.
  --from DATE         First day (the UTC date folder ALB writes, YYYY-MM-DD). Default: the oldest there is.
  --to DATE           Last day, inclusive. Default: today (UTC) with --from; no end otherwise.
  --account ID        Only this account's logs (repeatable). Default: every account found under AWSLogs/.
  --log-region REGION Only this region folder of the log keys (repeatable; .../elasticloadbalancing/REGION/...).
                      Default: every region folder found. This is NOT the AWS region the CLI calls: that is
                      AWS_REGION or your profile's, as for the AWS CLI. (--region: deprecated name, same meaning.)
  --type TYPE[,TYPE]  Only log files of these types (repeatable): ${LOG_TYPE_IDS.join(', ')}.
                      Default: every type (the ingest function skips, counted, the types the stack does not
                      ingest: pass the stack's logTypes to send only those).
  --rate N            At most N messages per second. Default: ${DEFAULT_RATE}.
  --checkpoint FILE   Progress file used to resume. Default: .alb-iceberg-backfill-<hash>.json in the current
                      directory, one per bucket, prefix, dates, accounts, regions, types and queue.
  --ledger-table TABLE
                      The object ledger's DynamoDB table (stack output LedgerTableName): objects whose listed
                      version the ledger has as done or skipped are not enqueued (counted as 'already done'), so
                      an overlapping backfill sends nothing twice. Without it, every object is sent (a warning
                      says so): objects already ingested are read again and their rows come back as duplicates,
                      which the dedup view removes.
  --reingest          Ingest the objects again even when the ledger has them done (eventName
                      ObjectCreated:Reingest): after a parser fix, to turn rejected lines into rows. Each object
                      starts over from line 1; the lines delivered before come back as duplicates, which the dedup
                      view removes. Its checkpoint file is its own (not a plain backfill's).
  --dry-run           List and count only: send nothing, write no checkpoint.
  -h, --help          Show this help.

Listing follows the ALB layout [PREFIX/]AWSLogs/<account>/elasticloadbalancing/<region>/<yyyy>/<mm>/<dd>/, so a
date range lists only its day folders, never the whole bucket. Log files of every type are enqueued (Classic logs
end in .log, the others in .log.gz); the ELB test file, objects of AWS's CloudWatch-vended delivery, log files of
types --type leaves out and 0-byte files are counted and skipped.

Messages are sent with SendMessageBatch, 10 at a time; entries SQS reports as failed are retried with backoff.
Resuming: the checkpoint is saved after every batch. After an interruption (Ctrl-C, an error), run the same command
again: it continues after the last key enqueued and enqueues nothing twice. A finished backfill can be run again
(e.g. daily with --from only): it only enqueues keys after the last one it enqueued. Delete the checkpoint (or pass
another --checkpoint) to start over.

To re-ingest files whose lines were rejected, once the parser is fixed: run backfill --reingest on their days.
Lines already delivered from those files come back as duplicates, which the dedup view removes.

AWS credentials and endpoints come from the usual environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_SQS...).
Permissions: s3:ListBucket on the log bucket (objects are not read), sqs:SendMessage on the queue (and
kms:GenerateDataKey + kms:Decrypt when the queue uses a customer-managed key), dynamodb:Query on the ledger table
with --ledger-table (one Query per day folder).
A progress line is shown on a terminal; the summary goes to stdout.

Examples:
  alb-iceberg backfill --bucket my-alb-logs --prefix prod --from 2026-11-01 --to 2026-11-30 --dry-run
  alb-iceberg backfill --bucket my-alb-logs --prefix prod --from 2026-11-01 --to 2026-11-30 \\
    --queue https://sqs.eu-west-1.amazonaws.com/123456789012/alb-iceberg-ingest

Exit codes: 0 done, 1 failure or interrupted (run the same command again to resume), 2 usage error.`;

export const BACKFILL_OPTIONS = {
  bucket: { type: 'string', value: 'BUCKET' },
  queue: { type: 'string', value: 'QUEUE_URL' },
  prefix: { type: 'string', value: 'PREFIX' },
  from: { type: 'string', value: 'YYYY-MM-DD' },
  to: { type: 'string', value: 'YYYY-MM-DD' },
  account: { type: 'string', multiple: true, value: 'ID' },
  'log-region': { type: 'string', multiple: true, value: 'REGION' },
  type: { type: 'string', multiple: true, value: 'TYPE' },
  /** Deprecated name of --log-region (it read like the AWS region); accepted with a warning. */
  region: { type: 'string', multiple: true, value: 'REGION' },
  rate: { type: 'string', value: 'N' },
  checkpoint: { type: 'string', value: 'FILE' },
  'ledger-table': { type: 'string', value: 'TABLE' },
  reingest: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

/** Options the help and README need not list: deprecated aliases. */
export const BACKFILL_DEPRECATED: readonly string[] = ['region'];

export interface BackfillCommandDeps {
  /** How to build the clients not given (timeouts, endpoint); default: the project's timeouts, the usual environment. */
  readonly aws?: AwsClientOptions;
  readonly s3?: S3Client;
  readonly sqs?: SQSClient;
  readonly dynamodb?: DynamoDBClient;
  /** Whether stderr is a terminal (progress line). Default: process.stderr.isTTY. */
  readonly stderrIsTTY?: boolean;
  /** Directory of the default checkpoint file. Default: the working directory. */
  readonly cwd?: string;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export async function runBackfillCommand(argv: string[], io: CliIo, deps: BackfillCommandDeps = {}): Promise<number> {
  const parsed = await readArgs(() => parseOptions(argv), 'backfill', HELP, io);
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const usage = (problem: string) => usageError(io, 'backfill', problem);
  if (!values.bucket) return usage('--bucket is required');
  if (!values.queue && !values['dry-run']) return usage('--queue is required (except with --dry-run)');
  const queueProblem = values.queue === undefined ? undefined : queueUrlProblem(values.queue);
  if (queueProblem) return usage(queueProblem);
  if (values.region) {
    io.err(
      'alb-iceberg backfill: --region is deprecated, use --log-region: it selects the region folder of the log keys, not the AWS region the CLI calls (that is AWS_REGION)\n',
    );
  }
  const logRegions = [...(values['log-region'] ?? []), ...(values.region ?? [])];
  const rate = values.rate === undefined ? DEFAULT_RATE : Number(values.rate);
  if (!(rate > 0) || !Number.isFinite(rate)) return usage(`--rate must be a positive number, got '${values.rate}'`);
  const logTypes = parseTypeOption(values.type);
  if (typeof logTypes === 'string') return usage(logTypes);
  const options: BackfillOptions = {
    bucket: values.bucket,
    queueUrl: values.queue ?? '',
    ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
    ...(values.from !== undefined ? { from: values.from } : {}),
    ...(values.to !== undefined ? { to: values.to } : {}),
    ...(values.account ? { accounts: values.account } : {}),
    ...(logRegions.length > 0 ? { regions: logRegions } : {}),
    ...(logTypes ? { logTypes } : {}),
    dryRun: values['dry-run'] === true,
    ratePerSecond: rate,
    ...(values.reingest ? { reingest: true } : {}),
  };
  try {
    validateScope(options);
  } catch (e) {
    if (e instanceof BackfillUsageError) return usage(e.message);
    throw e;
  }

  if (values['ledger-table'] === '') return usage('--ledger-table cannot be empty');
  // A re-ingest sends done objects on purpose: no warning about it.
  if (values['ledger-table'] === undefined && !values.reingest) io.err(`${NO_LEDGER_WARNING}\n`);
  const ledger =
    values['ledger-table'] === undefined
      ? undefined
      : new ObjectLedger({
          client: deps.dynamodb ?? dynamodbClient(deps.aws),
          tableName: values['ledger-table'],
          retentionDays: 0,
        });

  const checkpointPath = values.checkpoint ?? join(deps.cwd ?? process.cwd(), defaultCheckpointFile(options));
  const cannotSave = options.dryRun ? undefined : checkpointProblem(checkpointPath);
  if (cannotSave) return usage(cannotSave);
  const store = fileCheckpointStore(checkpointPath);
  const { progress, signal, dispose } = startLongRun(
    io,
    deps,
    'alb-iceberg backfill: interrupted, finishing the batch under way and saving the checkpoint (Ctrl-C again to quit at once)',
  );
  const where = `s3://${options.bucket}/${normalisePrefix(options.prefix)}AWSLogs/`;
  let result: BackfillResult;
  try {
    result = await runBackfill(options, {
      s3: deps.s3 ?? s3Client(deps.aws),
      sqs: deps.sqs ?? sqsClient(deps.aws),
      checkpoint: store,
      ...(ledger ? { ledger } : {}),
      ...(signal ? { signal } : {}),
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(deps.random ? { random: deps.random } : {}),
      onProgress: (r) =>
        progress.update(
          () =>
            `backfill: ${r.listed} key(s) listed, ${r.objects} object(s) (${formatBytes(r.bytes)})` +
            `${options.dryRun ? '' : `, ${r.messages} message(s) sent`}` +
            (r.currentKey ? `, at ${shorten(r.currentKey)}` : ''),
        ),
    });
  } catch (e) {
    progress.clear();
    if (e instanceof BackfillUsageError) return usage(e.message);
    io.err(
      `alb-iceberg backfill: ${errorText(e)}\n` +
        (options.dryRun || !existsSync(checkpointPath)
          ? ''
          : `Progress so far is in ${checkpointPath}: run the same command again to resume.\n`),
    );
    return 1;
  } finally {
    dispose();
  }
  progress.clear();
  await io.out(summary(result, options, where, checkpointPath, ledger?.tableName));
  if (result.stopped) {
    io.err(
      `alb-iceberg backfill: stopped: ${result.stopped}\n` +
        (options.dryRun ? '' : `Run the same command again to resume after the last key enqueued.\n`),
    );
    return 1;
  }
  return 0;
}

function parseOptions(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: false, options: BACKFILL_OPTIONS });
}

/** Why a --queue value cannot be a queue URL, or undefined when it can. */
export function queueUrlProblem(queue: string): string | undefined {
  let url: URL;
  try {
    url = new URL(queue);
  } catch {
    return `--queue must be the queue URL (stack output IngestQueueUrl, https://sqs.<region>.amazonaws.com/<account>/<name>), got '${queue}'`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `--queue must be an https:// URL, got '${queue}'`;
  if (url.pathname.split('/').filter(Boolean).length < 2) {
    return `--queue must be the queue URL, ending in /<account>/<queue name>, got '${queue}'`;
  }
  return undefined;
}

/** Why the checkpoint file cannot be written, checked before anything is sent; undefined when it can. */
function checkpointProblem(path: string): string | undefined {
  const existing = statOrUndefined(path);
  if (existing?.isDirectory()) return `--checkpoint '${path}' is a directory: give a file name`;
  const dir = dirname(resolve(path));
  if (!statOrUndefined(dir)?.isDirectory()) return `--checkpoint '${path}': directory '${dir}' does not exist`;
  try {
    accessSync(existing ? path : dir, constants.W_OK);
  } catch {
    return `--checkpoint '${path}': no permission to write ${existing ? 'it' : `in '${dir}'`}`;
  }
  return undefined;
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

const shorten = (key: string) => (key.length > 80 ? `…${key.slice(-79)}` : key);

function summary(
  r: BackfillResult,
  o: BackfillOptions,
  where: string,
  checkpoint: string,
  ledgerTable: string | undefined,
): string {
  const range = o.from || o.to ? ` from ${o.from ?? 'the start'} to ${o.to ?? (o.from ? 'today' : 'the end')}` : '';
  const types = isEveryType(o.logTypes) ? '' : ` (log types ${o.logTypes!.join(', ')})`;
  const lines = [
    `${o.dryRun ? 'backfill (dry run)' : 'backfill'}: ${where}${range}${types}${o.dryRun ? '' : ` -> ${o.queueUrl}`}`,
  ];
  if (r.resumedAfter) lines.push(`resumed after: ${r.resumedAfter}`);
  if (o.dryRun) {
    lines.push(`objects to enqueue: ${r.objects} (${bytesText(r.bytes)}), ${r.objects} message(s); nothing sent`);
  } else {
    lines.push(
      `objects enqueued: ${r.objects} (${bytesText(r.bytes)})`,
      `messages sent: ${r.messages} in ${r.batchCalls} SendMessageBatch call(s)${r.retries ? `, ${r.retries} entry retries` : ''}`,
    );
  }
  if (r.objects > 0) lines.push(`by log type: ${typeCountsText(r.objectsByType)}`);
  lines.push(
    `keys listed: ${r.listed} in ${r.listRequests} ListObjectsV2 request(s)`,
    `skipped: ${r.skippedNotLogFile} not log files` +
      `${r.skippedCloudwatchDelivery ? ` (${r.skippedCloudwatchDelivery} of CloudWatch-vended delivery)` : ''}, ` +
      `${r.skippedTypeNotSelected ? `${r.skippedTypeNotSelected} of types not selected, ` : ''}` +
      `${r.skippedEmpty} empty, ` +
      `${r.skippedAlreadyEnqueued} already enqueued by an earlier run` +
      (ledgerTable === undefined ? '' : `, ${r.skippedLedgerDone} already done in the ledger`),
  );
  if (ledgerTable !== undefined) lines.push(`ledger: ${ledgerTable} (${r.ledgerQueries} day folder(s) read)`);
  if (!o.dryRun)
    lines.push(`checkpoint: ${checkpoint} (${r.complete ? 'complete' : 'incomplete: run again to resume'})`);
  return `${lines.join('\n')}\n`;
}
