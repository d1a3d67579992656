/**
 * The scheduled completeness check (EventBridge schedule → this Lambda): compares today's day folders (UTC) and the
 * LOOKBACK_DAYS before it, for every account and region found under the log prefix, with the object ledger, the
 * same way as `alb-iceberg status` (lambda/inventory/ledger-scan.ts). It publishes CHECK_METRICS once per run (EMF on
 * stdout), logs the objects that never reached the pipeline (a bounded sample) and, with AUTO_ENQUEUE=true, enqueues
 * them itself through the code `alb-iceberg reconcile` uses (never a done, skipped, in-progress, failed or recent
 * object). Only log files of the types the deployment ingests (LOG_TYPES) are judged: the others have no
 * notification and no ledger entry, so they are counted and logged as not ingested by configuration, never missing.
 *
 * Contract: `handler(event: ScheduledEvent, context: Context): Promise<CheckResult>`, configured by the environment
 * variables of env.ts (config.ts). A configuration error fails the invocation (Lambda's Errors metric); an S3,
 * DynamoDB or SQS failure does not: it is logged and counted as CheckErrors = 1, so a failing check is an alarm on
 * one metric rather than EventBridge's retries of an asynchronous invocation
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html).
 *
 * Deadline: the check stops before the next folder when less than STOP_MARGIN_MS of the invocation is left, and
 * every call carries an abort signal that fires CALL_RESERVE_MS before the end, so the metrics and the log line are
 * always written. A run stopped that way says so (log `stopped: deadline`) and counts CheckErrors = 1: its counts
 * cover only the folders checked. No CDK imports here: lib/ deploys this file.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { type ClientTimeouts, deadlineSignal, requestHandlerOptions } from '../aws/client-config';
import { type ReconcileResult, reconcile } from '../enqueue/reconcile';
import { dayOf } from '../inventory/dates';
import { normalisePrefix } from '../inventory/day-folders';
import type { LedgerReader } from '../inventory/ledger-reader';
import { type DayReport, totalOf } from '../inventory/ledger-scan';
import type { TypeCounts } from '../inventory/log-type-selection';
import { errorText } from '../inventory/s3-objects';
import type { DaySummary } from '../ledger/completeness';
import { ObjectLedger } from '../ledger/object-ledger';
import type { LogTypeId } from '../schema/log-types';
import { type CheckConfig, readCheckConfig } from './config';
import { type CheckMetrics, checkMetricsLine, NO_CHECK_METRICS } from './metrics';

/** The message of the log line naming objects that never reached the pipeline (the runbook and alarm cite it). */
export const NOT_IN_PIPELINE_MESSAGE =
  "log files are landing in S3 but not reaching the ingest queue: check the bucket's event notifications";

/** Stop starting folders when less than this is left of the invocation. */
export const STOP_MARGIN_MS = 15_000;
/** Every call is aborted when this is left, so the metrics are always written. */
export const CALL_RESERVE_MS = 3_000;
/** Missing keys logged per run. */
export const LOGGED_KEYS = 20;
/** Messages per second when enqueuing (AUTO_ENQUEUE). */
export const ENQUEUE_RATE = 100;

/**
 * Client timeouts: listings, ledger queries and SendMessageBatch answer in well under a second; a peer that does not
 * answer within these is retried by the SDK, within the per-call deadline signal.
 */
export const CHECK_TIMEOUTS: ClientTimeouts = {
  connectionTimeoutMs: 2_000,
  requestTimeoutMs: 10_000,
  socketTimeoutMs: 10_000,
};

export interface CheckDeps {
  readonly s3: S3Client;
  readonly ledger: LedgerReader;
  /** Required when AUTO_ENQUEUE is true. */
  readonly sqs?: SQSClient;
  readonly now: () => number;
  /** Milliseconds left in the invocation. */
  readonly remainingMs: () => number;
  /** Where log and EMF lines go (one JSON document each). */
  readonly write: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface CheckResult {
  readonly from: string;
  readonly to: string;
  readonly metrics: CheckMetrics;
  /** Why the run did not finish its comparison (deadline, or an error), if it did not. */
  readonly stopped?: string;
}

/** The metrics of a run from its result. Pure. */
export function checkMetrics(r: ReconcileResult | undefined, failed: boolean): CheckMetrics {
  const { verdicts } = totalOf(r?.days ?? []).summary;
  return {
    ...NO_CHECK_METRICS,
    ObjectsNotInPipeline: verdicts.missing.objects,
    ObjectsFailed: verdicts.failed.objects,
    ObjectsInProgress: verdicts['in-progress'].objects,
    ObjectsDone: verdicts.done.objects,
    ObjectsEnqueued: r?.enqueued.missing ?? 0,
    CheckErrors: failed || r?.stopped !== undefined ? 1 : 0,
  };
}

/** The objects not in the pipeline per log type, over the run's days. Pure. */
export function missingByType(total: DayReport): TypeCounts {
  const counts: TypeCounts = {};
  for (const [t, s] of Object.entries(total.byType) as [LogTypeId, DaySummary][]) {
    if (s.verdicts.missing.objects > 0) counts[t] = s.verdicts.missing.objects;
  }
  return counts;
}

/** One run of the check, with injected clients (the handler below wires the real ones). */
export async function runCheck(config: CheckConfig, deps: CheckDeps): Promise<CheckResult> {
  const now = deps.now();
  const from = dayOf(now - config.lookbackDays * 86_400_000);
  const to = dayOf(now);
  const log = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}) =>
    deps.write(JSON.stringify({ level, message, timestamp: new Date(deps.now()).toISOString(), ...fields }));
  const where = `s3://${config.logBucket}/${normalisePrefix(config.logPrefix)}AWSLogs/`;
  let result: ReconcileResult | undefined;
  let error: string | undefined;
  try {
    result = await reconcile(
      {
        scope: { bucket: config.logBucket, prefix: config.logPrefix, from, to, logTypes: config.logTypes },
        graceMs: config.graceMinutes * 60_000,
        includeFailed: false,
        dryRun: !config.autoEnqueue,
        ...(config.ingestQueueUrl ? { queueUrl: config.ingestQueueUrl } : {}),
        ratePerSecond: ENQUEUE_RATE,
        samples: LOGGED_KEYS,
      },
      {
        s3: deps.s3,
        ledger: deps.ledger,
        ...(config.autoEnqueue && deps.sqs ? { sqs: deps.sqs } : {}),
        now: deps.now,
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
        callSignal: () => deadlineSignal(deps.remainingMs() - CALL_RESERVE_MS),
        retryDeadline: () => deps.now() + deps.remainingMs() - CALL_RESERVE_MS,
        shouldStop: () => (deps.remainingMs() < STOP_MARGIN_MS ? 'deadline' : undefined),
      },
    );
  } catch (e) {
    // A call aborted by the deadline signal is the deadline too, not an outage.
    error = deps.remainingMs() < STOP_MARGIN_MS ? 'deadline' : errorText(e);
    if (error !== 'deadline') log('error', 'completeness check failed', { error, where, from, to });
  }
  const metrics = checkMetrics(result, error !== undefined);
  const stopped = error ?? result?.stopped;
  if (stopped === 'deadline') {
    log('warn', 'completeness check stopped before the invocation deadline: counts cover only the folders checked', {
      stopped,
      foldersChecked: result?.counters.ledgerQueries ?? 0,
      where,
      from,
      to,
    });
  } else if (stopped !== undefined && result) {
    log('error', 'completeness check could not enqueue every missing object', { error: stopped, where, from, to });
  }
  const total = totalOf(result?.days ?? []);
  const notJudged = total.notJudged;
  if (metrics.ObjectsNotInPipeline > 0) {
    log('error', NOT_IN_PIPELINE_MESSAGE, {
      objects: metrics.ObjectsNotInPipeline,
      byType: missingByType(total),
      keys: result?.samples.missing ?? [],
      keysLogged: Math.min(metrics.ObjectsNotInPipeline, LOGGED_KEYS),
      bucket: config.logBucket,
      enqueued: metrics.ObjectsEnqueued,
      autoEnqueue: config.autoEnqueue,
      graceMinutes: config.graceMinutes,
    });
  }
  log('info', 'completeness check', {
    where,
    from,
    to,
    ...metrics,
    logTypes: config.logTypes,
    // Not judged: a type the deployment does not ingest, keys that are no log file, 0-byte files.
    skippedByConfiguration: notJudged.notSelected,
    notLogFiles: notJudged.notLogFiles,
    cloudwatchDelivery: notJudged.cloudwatchDelivery,
    emptyLogFiles: notJudged.empty,
    listRequests: result?.counters.listRequests ?? 0,
    ledgerQueries: result?.counters.ledgerQueries ?? 0,
    ...(stopped !== undefined ? { stopped } : {}),
  });
  deps.write(checkMetricsLine(config.stackName, metrics, deps.now()));
  return { from, to, metrics, ...(stopped !== undefined ? { stopped } : {}) };
}

// Module scope: created once per execution environment and reused across invocations.
let clients: { s3: S3Client; dynamodb: DynamoDBClient; sqs: SQSClient } | undefined;

export async function handler(_event: ScheduledEvent, context: Context): Promise<CheckResult> {
  // Read on every invocation (cheap), so a bad variable fails with a message naming it.
  const config = readCheckConfig(process.env);
  const requestHandler = requestHandlerOptions(CHECK_TIMEOUTS);
  clients ??= {
    s3: new S3Client({ requestHandler, followRegionRedirects: true }),
    dynamodb: new DynamoDBClient({ requestHandler }),
    sqs: new SQSClient({ requestHandler }),
  };
  return runCheck(config, {
    s3: clients.s3,
    ledger: new ObjectLedger({ client: clients.dynamodb, tableName: config.ledgerTableName, retentionDays: 0 }),
    sqs: clients.sqs,
    now: Date.now,
    remainingMs: () => context.getRemainingTimeInMillis(),
    write: (line) => process.stdout.write(`${line}\n`),
  });
}
