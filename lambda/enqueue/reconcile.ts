/**
 * Reconcile: enqueue exactly the objects the completeness scan (ledger-scan.ts) finds missing (in S3, older than the
 * grace period, unknown to the ledger), and on request the failed ones, as backfill messages through backfill's
 * {@link MessageSender} (same message format, rate limit and batch retries). Never a done, skipped, in-progress or
 * recent object, nor one of a log type outside the scope's `logTypes`. Shared by `alb-iceberg reconcile` and the
 * scheduled check (AUTO_ENQUEUE).
 *
 * No checkpoint: every run judges from the ledger again. A run repeated before the queue has drained enqueues the
 * still-missing objects again; the ingest function's ledger claim reads the second message as "already done" (or
 * busy), so no line becomes a row twice.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LedgerReader } from '../inventory/ledger-reader';
import {
  type DayReport,
  DayTotals,
  type ScanCounters,
  type ScanScope,
  type ScanStop,
  scanFolders,
  scopeEnd,
} from '../inventory/ledger-scan';
import { countType, type TypeCounts } from '../inventory/log-type-selection';
import type { ListedObject } from '../inventory/s3-objects';
import type { FolderJudgement } from '../ledger/completeness';
import { describeLogKey } from '../s3/log-key';
import { MessageSender } from './message-sender';

/** The objects of a folder to enqueue: missing ones, and failed ones when asked. Pure. */
export function objectsToEnqueue(judgement: FolderJudgement, includeFailed: boolean): ListedObject[] {
  return judgement.objects
    .filter((o) => o.verdict === 'missing' || (includeFailed && o.verdict === 'failed'))
    .map((o) => ({
      key: o.object.key,
      size: o.object.size,
      lastModified: o.object.lastModified,
      etag: o.object.etag,
    }));
}

export interface ReconcileOptions {
  readonly scope: ScanScope;
  readonly graceMs: number;
  /** Also enqueue the objects the ledger has as failed. */
  readonly includeFailed: boolean;
  /** Scan and count only: send nothing. */
  readonly dryRun: boolean;
  /** Required unless dryRun. */
  readonly queueUrl?: string;
  /** Messages per second. */
  readonly ratePerSecond: number;
  readonly maxAttempts?: number;
  /** Keys kept per kind (missing, failed) for the report. */
  readonly samples?: number;
}

export interface ReconcileDeps {
  readonly s3: S3Client;
  readonly ledger: LedgerReader;
  /** Required unless dryRun. */
  readonly sqs?: SQSClient;
  readonly now: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly callSignal?: () => AbortSignal | undefined;
  /** Absolute time no retry sleep may reach (see MessageSenderOptions.retryDeadline). */
  readonly retryDeadline?: () => number;
  readonly shouldStop?: () => string | undefined;
  readonly onFolder?: (folder: string, result: ReconcileResult) => void;
}

export interface ReconcileResult {
  readonly counters: ScanCounters & { batchCalls: number; retries: number };
  /** Objects selected (missing, and failed when asked). Dry run: what would be enqueued. */
  selected: { missing: number; failed: number; bytes: number };
  /** Of the selected objects, per log type. */
  readonly selectedByType: TypeCounts;
  /** Objects enqueued (0 on a dry run). */
  enqueued: { missing: number; failed: number };
  /** A few selected keys, in scan order. */
  readonly samples: { readonly missing: string[]; readonly failed: string[] };
  /** Per-day figures of the scan (what was left alone, too). */
  days: readonly DayReport[];
  /** Why the run stopped early (interrupted, deadline), or a batch that could not be sent. */
  stopped: string | undefined;
}

export async function reconcile(options: ReconcileOptions, deps: ReconcileDeps): Promise<ReconcileResult> {
  if (!options.dryRun && (!deps.sqs || !options.queueUrl)) throw new Error('a queue is required unless dryRun');
  const now = deps.now();
  const result: ReconcileResult = {
    counters: { listRequests: 0, ledgerQueries: 0, listed: 0, batchCalls: 0, retries: 0 },
    selected: { missing: 0, failed: 0, bytes: 0 },
    selectedByType: {},
    enqueued: { missing: 0, failed: 0 },
    samples: { missing: [], failed: [] },
    days: [],
    stopped: undefined,
  };
  const sender = options.dryRun
    ? undefined
    : new MessageSender({
        sqs: deps.sqs!,
        queueUrl: options.queueUrl!,
        bucket: options.scope.bucket,
        ratePerSecond: options.ratePerSecond,
        ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
        now: deps.now,
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
        ...(deps.random ? { random: deps.random } : {}),
        ...(deps.callSignal ? { callSignal: deps.callSignal } : {}),
        ...(deps.retryDeadline ? { retryDeadline: deps.retryDeadline } : {}),
        counters: result.counters,
      });
  const totals = new DayTotals(options.scope.from, scopeEnd(options.scope, now));
  const stop: ScanStop = { reason: undefined };
  const sampleLimit = options.samples ?? 20;
  const scan = scanFolders(
    options.scope,
    {
      s3: deps.s3,
      ledger: deps.ledger,
      now,
      graceMs: options.graceMs,
      counters: result.counters,
      ...(deps.callSignal ? { callSignal: deps.callSignal } : {}),
      ...(deps.shouldStop ? { shouldStop: deps.shouldStop } : {}),
    },
    stop,
  );
  for await (const folder of scan) {
    totals.add(folder);
    const chosen = objectsToEnqueue(folder.judgement, options.includeFailed);
    const failedKeys = new Set(
      folder.judgement.objects.filter((o) => o.verdict === 'failed').map((o) => `${o.object.etag}\n${o.object.key}`),
    );
    const isFailed = (o: ListedObject) => failedKeys.has(`${o.etag}\n${o.key}`);
    for (const o of chosen) {
      const kind = isFailed(o) ? 'failed' : 'missing';
      result.selected[kind]++;
      result.selected.bytes += o.size;
      const { logType } = describeLogKey(o.key);
      if (logType !== undefined) countType(result.selectedByType, logType);
      if (result.samples[kind].length < sampleLimit) result.samples[kind].push(o.key);
    }
    if (sender && chosen.length > 0) {
      const { sent, failure } = await sender.sendAll(chosen);
      for (const o of sent) result.enqueued[isFailed(o) ? 'failed' : 'missing']++;
      if (failure) {
        result.stopped = failure;
        break;
      }
    }
    deps.onFolder?.(folder.folder, result);
  }
  result.stopped ??= stop.reason;
  result.days = totals.list();
  return result;
}
