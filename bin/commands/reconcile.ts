/**
 * `alb-iceberg reconcile`: enqueue exactly the log objects (of every type, or of --type) the ledger has never seen (and, with --failed, the
 * failed ones), found by the same scan as `status` (lambda/enqueue/reconcile.ts).
 */
import { parseArgs } from 'node:util';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type ReconcileResult, reconcile } from '../../lambda/enqueue/reconcile';
import { normalisePrefix } from '../../lambda/inventory/day-folders';
import { sumOf } from '../../lambda/inventory/ledger-scan';
import { errorText } from '../../lambda/inventory/s3-objects';
import { ObjectLedger } from '../../lambda/ledger/object-ledger';
import { type OptionSpecs, readArgs, usageError } from '../args';
import { dynamodbClient, s3Client, sqsClient } from '../aws-clients';
import type { CliIo } from '../io';
import { isEveryType, typeCountsText } from '../ops/log-types-text';
import { bytesText } from '../ops/sizes';
import { DEFAULT_RATE, queueUrlProblem } from './backfill';
import { startLongRun } from './long-run';
import { type ParsedScope, parseScope, SCOPE_HELP, SCOPE_OPTIONS } from './scope-options';
import type { LedgerCommandDeps } from './status';

export const RECONCILE_OPTIONS = {
  ...SCOPE_OPTIONS,
  queue: { type: 'string', value: 'QUEUE_URL' },
  /** Same as --queue (the name the stack output suggests); not documented separately. */
  'queue-url': { type: 'string', value: 'QUEUE_URL' },
  failed: { type: 'boolean' },
  rate: { type: 'string', value: 'N' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

/** Options the README need not list: aliases. */
export const RECONCILE_ALIASES: readonly string[] = ['queue-url'];

const HELP = `Usage: alb-iceberg reconcile --bucket BUCKET --ledger-table TABLE --from YYYY-MM-DD --queue QUEUE_URL
                             [--to YYYY-MM-DD] [--prefix PREFIX] [--account ID]... [--log-region REGION]...
                             [--type TYPE[,TYPE]]... [--grace-minutes N] [--failed] [--rate N] [--dry-run]

Enqueues exactly the log objects 'alb-iceberg status' reports missing: in S3, older than the grace period,
and unknown to the object ledger (their S3 notification never reached the ingest queue). With --failed it also
enqueues the objects the ledger has as failed (fix the cause first: they resume from their checkpoint). It never
enqueues an object the ledger has as done, skipped or in progress, nor a recent one, nor one of a type --type
leaves out (pass the stack's logTypes: a type it does not ingest has no notification and no ledger entry).

Messages are backfill messages (one S3-notification-shaped message per object, eventName ObjectCreated:Backfill),
sent with SendMessageBatch 10 at a time, rate-limited, failed entries retried with backoff.

Options:
${SCOPE_HELP}
  --queue URL           The ingest queue URL (stack output IngestQueueUrl; --queue-url is the same option). Not
                        needed with --dry-run.
  --failed              Also enqueue the failed objects.
  --rate N              At most N messages per second. Default: ${DEFAULT_RATE}.
  --dry-run             Scan and list what would be enqueued; send nothing.
  -h, --help            Show this help.

No checkpoint is needed: each run judges from the ledger again. Run it again only once the queue has drained (the
ingest function recognises a repeated object as already done, but it costs a message and a ledger read).
Permissions: s3:ListBucket on the log bucket, dynamodb:Query on the ledger table, sqs:SendMessage on the queue
(and kms:GenerateDataKey + kms:Decrypt when the queue uses a customer-managed key).

Examples:
  alb-iceberg reconcile --bucket my-alb-logs --ledger-table <LedgerTableName> --from 2026-11-20 --dry-run
  alb-iceberg reconcile --bucket my-alb-logs --ledger-table <LedgerTableName> --from 2026-11-20 \\
    --queue https://sqs.eu-west-1.amazonaws.com/123456789012/alb-iceberg-ingest --failed

Exit codes: 0 everything selected was enqueued (dry run: listed), 1 a failure or interruption (run it again),
2 usage error.`;

export interface ReconcileCommandDeps extends LedgerCommandDeps {
  readonly sqs?: SQSClient;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export async function runReconcileCommand(argv: string[], io: CliIo, deps: ReconcileCommandDeps = {}): Promise<number> {
  const parsed = await readArgs(
    () => parseArgs({ args: argv, allowPositionals: false, options: RECONCILE_OPTIONS }),
    'reconcile',
    HELP,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const usage = (problem: string) => usageError(io, 'reconcile', problem);
  const now = deps.now ?? Date.now;
  const scope = parseScope(values, now());
  if (typeof scope === 'string') return usage(scope);
  if (values.queue !== undefined && values['queue-url'] !== undefined && values.queue !== values['queue-url']) {
    return usage('--queue and --queue-url are the same option: give one');
  }
  const queue = values.queue ?? values['queue-url'];
  const dryRun = values['dry-run'] === true;
  if (queue === undefined && !dryRun) return usage('--queue is required (except with --dry-run)');
  const queueProblem = queue === undefined ? undefined : queueUrlProblem(queue);
  if (queueProblem) return usage(queueProblem);
  const rate = values.rate === undefined ? DEFAULT_RATE : Number(values.rate);
  if (!(rate > 0) || !Number.isFinite(rate)) return usage(`--rate must be a positive number, got '${values.rate}'`);

  const { progress, signal, dispose } = startLongRun(
    io,
    deps,
    'alb-iceberg reconcile: interrupted, stopping after the folder under way (Ctrl-C again to quit at once)',
  );
  let result: ReconcileResult;
  try {
    result = await reconcile(
      {
        scope: scope.scope,
        graceMs: scope.graceMinutes * 60_000,
        includeFailed: values.failed === true,
        dryRun,
        ...(queue !== undefined ? { queueUrl: queue } : {}),
        ratePerSecond: rate,
      },
      {
        s3: deps.s3 ?? s3Client(deps.aws),
        ledger: new ObjectLedger({
          client: deps.dynamodb ?? dynamodbClient(deps.aws),
          tableName: scope.ledgerTable,
          retentionDays: 0,
        }),
        ...(dryRun ? {} : { sqs: deps.sqs ?? sqsClient(deps.aws) }),
        now,
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
        ...(deps.random ? { random: deps.random } : {}),
        shouldStop: () => (signal?.aborted ? 'interrupted' : undefined),
        onFolder: (folder, r) =>
          progress.update(
            () =>
              `reconcile: ${r.counters.ledgerQueries} folder(s), ${r.selected.missing + r.selected.failed} selected` +
              `${dryRun ? '' : `, ${r.enqueued.missing + r.enqueued.failed} enqueued`}, at ${folder}`,
          ),
      },
    );
  } catch (e) {
    progress.clear();
    io.err(`alb-iceberg reconcile: ${errorText(e)}\n`);
    return 1;
  } finally {
    dispose();
  }
  progress.clear();
  await io.out(formatReconcile(result, scope, { dryRun, includeFailed: values.failed === true, queue }));
  if (result.stopped) {
    io.err(`alb-iceberg reconcile: stopped: ${result.stopped}\nRun the same command again to continue.\n`);
    return 1;
  }
  return 0;
}

/** The summary of a reconcile run. Pure. */
export function formatReconcile(
  r: ReconcileResult,
  parsed: ParsedScope,
  o: { readonly dryRun: boolean; readonly includeFailed: boolean; readonly queue: string | undefined },
): string {
  const { scope } = parsed;
  const sum = (pick: (d: (typeof r.days)[number]) => number) => r.days.reduce((n, d) => n + pick(d), 0);
  const v = (name: 'done' | 'in-progress' | 'skipped' | 'recent' | 'failed') =>
    sum((d) => d.summary.verdicts[name].objects);
  const types = isEveryType(scope.logTypes) ? '' : `, log types ${scope.logTypes!.join(', ')}`;
  const lines = [
    `${o.dryRun ? 'reconcile (dry run)' : 'reconcile'}: s3://${scope.bucket}/${normalisePrefix(scope.prefix)}AWSLogs/` +
      ` from ${scope.from} to ${parsed.to}${types}, ledger ${parsed.ledgerTable}${o.dryRun ? '' : ` -> ${o.queue}`}`,
  ];
  const selected = r.selected.missing + r.selected.failed;
  lines.push(
    o.dryRun
      ? `to enqueue: ${r.selected.missing} missing${o.includeFailed ? `, ${r.selected.failed} failed` : ''} (${bytesText(r.selected.bytes)}); nothing sent`
      : `enqueued: ${r.enqueued.missing} missing${o.includeFailed ? `, ${r.enqueued.failed} failed` : ''}` +
          ` of ${selected} selected (${bytesText(r.selected.bytes)}), in ${r.counters.batchCalls} SendMessageBatch call(s)` +
          `${r.counters.retries ? `, ${r.counters.retries} entry retries` : ''}`,
  );
  for (const k of r.samples.missing) lines.push(`  missing: ${k}`);
  if (r.selected.missing > r.samples.missing.length) {
    lines.push(`  … and ${r.selected.missing - r.samples.missing.length} more missing`);
  }
  for (const k of r.samples.failed) lines.push(`  failed: ${k}`);
  if (r.selected.failed > r.samples.failed.length) {
    lines.push(`  … and ${r.selected.failed - r.samples.failed.length} more failed`);
  }
  if (r.selected.missing + r.selected.failed > 0)
    lines.push(`selected by log type: ${typeCountsText(r.selectedByType)}`);
  const notSelected = sum((d) => sumOf(d.notJudged.notSelected));
  lines.push(
    `left alone: ${v('done')} done, ${v('skipped')} skipped, ${v('in-progress')} in progress, ${v('recent')} recent` +
      (o.includeFailed ? '' : `, ${v('failed')} failed (--failed enqueues them)`) +
      (notSelected ? `, ${notSelected} of log types not selected` : ''),
    `requests: ${r.counters.listRequests} ListObjectsV2, ${r.counters.ledgerQueries} ledger folder queries`,
  );
  return `${lines.join('\n')}\n`;
}
