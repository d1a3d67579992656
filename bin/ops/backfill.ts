/**
 * Backfill: enqueue existing ELB log objects (every log type, or those of `logTypes`) on the ingest queue as
 * S3-notification-shaped messages, so the ingest function processes old files exactly like new ones (S3
 * notifications only cover objects created after they were configured). CLI only (`alb-iceberg backfill`).
 *
 * Listing follows the ELB layout `[prefix/]AWSLogs/<account>/elasticloadbalancing/<region>/<yyyy>/<mm>/<dd>/`
 * (lambda/inventory/day-folders.ts): accounts and regions are discovered with Delimiter '/' unless given, and a date
 * range lists only its day folders, never the whole bucket. Keys come in S3's order (UTF-8 bytes) across all
 * folders, which is what makes resuming by "last key enqueued" sound.
 *
 * One object per message (so a failure of one object never makes SQS re-deliver another), sent with
 * SendMessageBatch in batches of up to 10; entries a response reports failed are retried (with backoff and jitter),
 * a sender fault (the message itself is invalid) is not. A token-bucket rate limit spreads the load.
 *
 * Resumability: after every batch the checkpoint records the last key such that every eligible key up to it is
 * enqueued, plus the few keys beyond it that a partly failed batch did enqueue. A re-run lists from that key on
 * (day folders wholly before it are not listed at all) and skips those few keys, so nothing is enqueued twice. The
 * one remaining window is a crash between SendMessageBatch's answer and the checkpoint write (at most one batch of
 * 10 messages sent again; the ingest pipeline's dedup view removes such duplicates exactly).
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_MAX_ATTEMPTS, MessageSender, SQS_BATCH_SIZE } from '../../lambda/enqueue/message-sender';
import { REINGEST_EVENT_NAME } from '../../lambda/ingest/messages';
import { parseDay } from '../../lambda/inventory/dates';
import {
  type ListingCounters,
  type LogScope,
  listingRanges,
  normalisePrefix,
} from '../../lambda/inventory/day-folders';
import type { LedgerReader } from '../../lambda/inventory/ledger-reader';
import { countType, parseLogTypeList, selectedTypes, type TypeCounts } from '../../lambda/inventory/log-type-selection';
import { compareKeys, type ListedObject, listObjects } from '../../lambda/inventory/s3-objects';
import { normaliseEtag, splitKey } from '../../lambda/ledger/entry';
import { describeLogKey } from '../../lambda/s3/log-key';
import { LOG_TYPE_IDS, type LogTypeId } from '../../lambda/schema/log-types';

/** What to backfill. Dates are `YYYY-MM-DD` (UTC, the ALB folder dates) as given by the operator. */
export interface BackfillScope extends LogScope {
  /** The ingest queue the messages go to. */
  readonly queueUrl: string;
}

/** Thrown for an invalid scope (bad date, range upside down, bad account id): a usage error. */
export class BackfillUsageError extends Error {}

/** Checks a scope; throws BackfillUsageError naming the problem. */
export function validateScope(scope: LogScope | BackfillScope): void {
  const from = scope.from === undefined ? undefined : parseDay(scope.from);
  const to = scope.to === undefined ? undefined : parseDay(scope.to);
  if (scope.from !== undefined && from === undefined) {
    throw new BackfillUsageError(`--from must be a date YYYY-MM-DD, got '${scope.from}'`);
  }
  if (scope.to !== undefined && to === undefined) {
    throw new BackfillUsageError(`--to must be a date YYYY-MM-DD, got '${scope.to}'`);
  }
  if (from !== undefined && to !== undefined && from > to) {
    throw new BackfillUsageError(`--from ${scope.from} is after --to ${scope.to}`);
  }
  for (const a of scope.accounts ?? []) {
    if (!/^\d{12}$/.test(a)) throw new BackfillUsageError(`--account must be a 12-digit AWS account id, got '${a}'`);
  }
  for (const r of scope.regions ?? []) {
    if (!/^[a-z]{2,}(-[a-z]+)+-\d+$/.test(r))
      throw new BackfillUsageError(`--log-region must be a region like eu-west-1, got '${r}'`);
  }
  if (scope.logTypes !== undefined) {
    const parsed = parseLogTypeList(scope.logTypes.length === 0 ? [''] : scope.logTypes, '--type');
    if ('problem' in parsed) throw new BackfillUsageError(parsed.problem);
  }
  if (!scope.bucket) throw new BackfillUsageError('--bucket is required');
}

// ---------------------------------------------------------------------------------------------------------------
// Listing
// ---------------------------------------------------------------------------------------------------------------

/**
 * Every object of the scope after `afterKey` (exclusive), in S3 key order. A listing wholly before `afterKey` is not
 * requested at all; the one containing it starts after it (StartAfter).
 */
export async function* listScope(
  s3: S3Client,
  scope: BackfillScope,
  options: { afterKey?: string; today: number; counters: ListingCounters },
): AsyncGenerator<ListedObject> {
  const { afterKey, counters } = options;
  const onRequest = () => {
    counters.listRequests++;
  };
  for await (const range of listingRanges(s3, scope, options.today, counters)) {
    let startAfter: string | undefined;
    if (afterKey !== undefined) {
      if (afterKey.startsWith(range.prefix)) startAfter = afterKey;
      else if (compareKeys(afterKey, range.prefix) > 0) continue; // every key of this range is <= afterKey
    }
    if (range.before !== undefined && startAfter !== undefined && compareKeys(startAfter, range.before) >= 0) continue;
    for await (const o of listObjects(s3, scope.bucket, range.prefix, {
      ...(startAfter !== undefined ? { startAfter } : {}),
      onRequest,
    })) {
      if (range.before !== undefined && compareKeys(o.key, range.before) >= 0) break;
      yield o;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checkpoint
// ---------------------------------------------------------------------------------------------------------------

export const CHECKPOINT_KIND = 'alb-iceberg/backfill-checkpoint';

export interface BackfillCheckpoint {
  readonly kind: typeof CHECKPOINT_KIND;
  readonly version: 1;
  /** The run's identity: a checkpoint is only used by the same backfill. */
  readonly scope: CheckpointScope;
  /** Every eligible key up to and including this one is enqueued. */
  readonly lastKey?: string;
  /** Keys after lastKey that are enqueued too (from a batch that partly failed). */
  readonly alsoDone: readonly string[];
  /** Whether the last run got to the end of the listing. */
  readonly complete: boolean;
  /** Totals over all runs. */
  readonly totals: { readonly objects: number; readonly bytes: number; readonly messages: number };
  readonly updatedAt: string;
}

export interface CheckpointScope {
  readonly bucket: string;
  readonly prefix: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly accounts: readonly string[] | null;
  readonly regions: readonly string[] | null;
  readonly queueUrl: string;
  /** Present (true) only for a re-ingest, so its checkpoint is never mistaken for a plain backfill's. */
  readonly reingest?: true;
  /**
   * The log types covered, absent for ALB access logs alone: checkpoints written before backfill knew other types
   * covered exactly those, so they keep their identity (and file name), while a run over more types, whose keys
   * before the checkpoint were never enqueued, gets a checkpoint of its own instead of skipping them.
   */
  readonly logTypes?: readonly LogTypeId[];
}

export function checkpointScope(scope: BackfillScope & { readonly reingest?: boolean }): CheckpointScope {
  return {
    bucket: scope.bucket,
    prefix: normalisePrefix(scope.prefix),
    from: scope.from ?? null,
    to: scope.to ?? null,
    accounts: scope.accounts ? [...new Set(scope.accounts)].sort() : null,
    regions: scope.regions ? [...new Set(scope.regions)].sort() : null,
    queueUrl: scope.queueUrl,
    ...(scope.reingest ? { reingest: true as const } : {}),
    ...checkpointTypes(scope.logTypes),
  };
}

function checkpointTypes(logTypes: readonly LogTypeId[] | undefined): { logTypes?: readonly LogTypeId[] } {
  const selected = selectedTypes(logTypes);
  const types = LOG_TYPE_IDS.filter((t) => selected.has(t));
  return types.length === 1 && types[0] === 'alb-access' ? {} : { logTypes: types };
}

/** Default checkpoint file name (in the working directory): one per bucket, prefix, range, filters and queue. */
export function defaultCheckpointFile(scope: BackfillScope & { readonly reingest?: boolean }): string {
  const hash = createHash('sha256')
    .update(JSON.stringify(checkpointScope(scope)))
    .digest('hex')
    .slice(0, 12);
  return `.alb-iceberg-backfill-${hash}.json`;
}

export interface CheckpointStore {
  /** Where it is kept, for messages. */
  readonly location: string;
  load(): BackfillCheckpoint | undefined;
  save(checkpoint: BackfillCheckpoint): void;
}

/** A JSON file, replaced atomically (write a temporary file, then rename) so a crash never leaves half a file. */
export function fileCheckpointStore(path: string): CheckpointStore {
  return {
    location: path,
    load() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new BackfillUsageError(`checkpoint ${path} is not JSON: delete it or pass another --checkpoint`);
      }
      const c = parsed as Partial<BackfillCheckpoint>;
      const ok =
        c?.kind === CHECKPOINT_KIND &&
        c.version === 1 &&
        typeof c.scope === 'object' &&
        c.scope !== null &&
        Array.isArray(c.alsoDone) &&
        (c.lastKey === undefined || typeof c.lastKey === 'string');
      if (!ok)
        throw new BackfillUsageError(`${path} is not a backfill checkpoint: delete it or pass another --checkpoint`);
      return c as BackfillCheckpoint;
    },
    save(checkpoint) {
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, `${JSON.stringify(checkpoint, null, 2)}\n`);
      renameSync(tmp, path);
    },
  };
}

/** An in-memory store (tests, or dry runs that must not write). */
export function memoryCheckpointStore(initial?: BackfillCheckpoint): CheckpointStore & { saved: BackfillCheckpoint[] } {
  let current = initial;
  const saved: BackfillCheckpoint[] = [];
  return {
    location: 'memory',
    saved,
    load: () => current,
    save(c) {
      current = c;
      saved.push(c);
    },
  };
}

export interface BackfillOptions extends BackfillScope {
  /** List and count only: no message, no checkpoint. */
  readonly dryRun: boolean;
  /** Messages per second (default 100). */
  readonly ratePerSecond?: number;
  /** Attempts per batch entry before the run stops (default 8). */
  readonly maxAttempts?: number;
  /**
   * Re-ingest: send {@link REINGEST_EVENT_NAME} messages, which make the ingest function ingest an object again from
   * line 1 even when the ledger has it done (after a parser fix, for its rejected lines), and do not leave done
   * objects out. Lines delivered before come back as duplicates; the dedup view keeps one of each.
   */
  readonly reingest?: boolean;
}

export interface BackfillDeps {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  /** Required unless dryRun. */
  readonly checkpoint?: CheckpointStore;
  /** Stops the run after the batch under way (the checkpoint is saved). */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Called after each listed key and each batch (throttle it yourself). */
  readonly onProgress?: (progress: BackfillResult) => void;
  /** The object ledger: when given, versions it has as done or skipped are not enqueued. */
  readonly ledger?: LedgerReader;
}

/**
 * Which versions of the current folder the ledger has as done or skipped. Keys come in S3 order, so one folder's
 * keys are consecutive: the folder's entries are read once, when its first key comes, and only that folder's set is
 * kept (memory: one folder).
 */
class LedgerDoneSet {
  private folder: string | undefined;
  private versions = new Set<string>();

  constructor(
    private readonly ledger: LedgerReader,
    private readonly bucket: string,
    private readonly counters: { ledgerQueries: number },
  ) {}

  async has(o: ListedObject): Promise<boolean> {
    const { folder } = splitKey(o.key);
    if (folder !== this.folder) {
      const versions = new Set<string>();
      this.counters.ledgerQueries++;
      for await (const e of this.ledger.listFolder(this.bucket, folder)) {
        if (e.state === 'done' || e.state === 'skipped') versions.add(`${e.etag}\n${e.key}`);
      }
      this.folder = folder;
      this.versions = versions;
    }
    return this.versions.has(`${normaliseEtag(o.etag)}\n${o.key}`);
  }
}

export interface BackfillResult {
  /** Log objects enqueued (dry run: that would be enqueued) in this run. */
  objects: number;
  /** Of {@link objects}, per log type. */
  readonly objectsByType: TypeCounts;
  bytes: number;
  /** Messages sent in this run (0 on a dry run). */
  messages: number;
  /** SendMessageBatch calls, retries included. */
  batchCalls: number;
  /** Batch entries retried. */
  retries: number;
  listRequests: number;
  /** Keys listed (all kinds). */
  listed: number;
  /** Keys that are no log file of a known type (the ELB test file, CloudWatch delivery, anything else). */
  skippedNotLogFile: number;
  /** Of {@link skippedNotLogFile}: objects of AWS's CloudWatch-vended delivery, which the pipeline does not read. */
  skippedCloudwatchDelivery: number;
  /** Log files of a type outside `logTypes`. */
  skippedTypeNotSelected: number;
  /** 0-byte log files. */
  skippedEmpty: number;
  /** Keys after the checkpoint that an earlier run had already enqueued. */
  skippedAlreadyEnqueued: number;
  /** Objects whose listed version the ledger has as done or skipped (only with a ledger): not enqueued. */
  skippedLedgerDone: number;
  /** Day folders read from the ledger (one Query each, more for a folder over 1 MB of entries). */
  ledgerQueries: number;
  /** The key the run resumed after, if any. */
  resumedAfter: string | undefined;
  /** Whether the whole listing was handled. */
  complete: boolean;
  /** Why the run stopped early (interrupted, or a batch that could not be sent). */
  stopped: string | undefined;
  /** The current key being handled (for progress). */
  currentKey: string | undefined;
}

/** Thrown when a checkpoint belongs to another backfill. */
export class CheckpointMismatchError extends BackfillUsageError {}

export async function runBackfill(options: BackfillOptions, deps: BackfillDeps): Promise<BackfillResult> {
  validateScope(options);
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const scopeId = checkpointScope(options);
  const store = deps.checkpoint;
  if (!options.dryRun && !store) throw new Error('a checkpoint store is required unless dryRun');

  const previous = store?.load();
  if (previous && JSON.stringify(previous.scope) !== JSON.stringify(scopeId)) {
    throw new CheckpointMismatchError(
      `checkpoint ${store!.location} belongs to another backfill (${JSON.stringify(previous.scope)}): ` +
        'pass another --checkpoint, or delete it to start over',
    );
  }
  let lastKey = previous?.lastKey;
  const alsoDone = new Set(previous?.alsoDone ?? []);
  const totals = { ...(previous?.totals ?? { objects: 0, bytes: 0, messages: 0 }) };

  const result: BackfillResult = {
    objects: 0,
    objectsByType: {},
    bytes: 0,
    messages: 0,
    batchCalls: 0,
    retries: 0,
    listRequests: 0,
    listed: 0,
    skippedNotLogFile: 0,
    skippedCloudwatchDelivery: 0,
    skippedTypeNotSelected: 0,
    skippedEmpty: 0,
    skippedAlreadyEnqueued: 0,
    skippedLedgerDone: 0,
    ledgerQueries: 0,
    resumedAfter: lastKey,
    complete: false,
    stopped: undefined,
    currentKey: undefined,
  };
  const save = (complete: boolean) => {
    if (options.dryRun || !store) return;
    store.save({
      kind: CHECKPOINT_KIND,
      version: 1,
      scope: scopeId,
      ...(lastKey !== undefined ? { lastKey } : {}),
      alsoDone: [...alsoDone].sort(compareKeys),
      complete,
      totals,
      updatedAt: new Date(now()).toISOString(),
    });
  };

  const sender = new MessageSender({
    sqs: deps.sqs,
    queueUrl: options.queueUrl,
    bucket: options.bucket,
    ratePerSecond: options.ratePerSecond ?? 100,
    maxAttempts,
    ...(options.reingest ? { eventName: REINGEST_EVENT_NAME } : {}),
    now,
    sleep,
    random,
    counters: result,
  });
  // A re-ingest sends done objects on purpose: the ledger's done set would leave out exactly what it is for.
  const ledger = deps.ledger && !options.reingest ? new LedgerDoneSet(deps.ledger, options.bucket, result) : undefined;

  let batch: ListedObject[] = [];
  const flush = async (): Promise<boolean> => {
    if (batch.length === 0) return true;
    const objects = batch;
    batch = [];
    const { sent, failure } = await sender.sendBatch(objects);
    result.messages += sent.length;
    totals.messages += sent.length;
    const sentBytes = sent.reduce((n, o) => n + o.size, 0);
    totals.objects += sent.length;
    totals.bytes += sentBytes;
    if (failure) {
      // Counted as listed-and-matched but not enqueued: take them back out of this run's figures.
      result.objects -= objects.length - sent.length;
      const sentKeys = new Set(sent.map((o) => o.key));
      for (const o of objects) {
        const { logType } = describeLogKey(o.key);
        if (!sentKeys.has(o.key) && logType !== undefined) countType(result.objectsByType, logType, -1);
      }
      result.bytes -= objects.reduce((n, o) => n + o.size, 0) - sentBytes;
      for (const o of sent) alsoDone.add(o.key);
      result.stopped = failure;
      save(false);
      return false;
    }
    lastKey = objects[objects.length - 1]!.key;
    for (const k of alsoDone) if (compareKeys(k, lastKey) <= 0) alsoDone.delete(k);
    save(false);
    deps.onProgress?.(result);
    return true;
  };

  const listing = listScope(deps.s3, options, {
    ...(lastKey !== undefined ? { afterKey: lastKey } : {}),
    today: Math.floor(now() / 86_400_000) * 86_400_000,
    counters: result,
  });
  const selected = selectedTypes(options.logTypes);
  let lastListed: string | undefined;
  for await (const o of listing) {
    if (deps.signal?.aborted) {
      result.stopped = 'interrupted';
      break;
    }
    result.listed++;
    result.currentKey = o.key;
    lastListed = o.key;
    if (alsoDone.has(o.key)) {
      result.skippedAlreadyEnqueued++;
      continue;
    }
    const { kind, logType } = describeLogKey(o.key);
    if (logType === undefined) {
      result.skippedNotLogFile++;
      if (kind === 'cloudwatch-delivery') result.skippedCloudwatchDelivery++;
      continue;
    }
    if (!selected.has(logType)) {
      result.skippedTypeNotSelected++;
      continue;
    }
    if (o.size === 0) {
      // ELB writes real 0-byte files; the ingest function would skip them without reading.
      result.skippedEmpty++;
      continue;
    }
    if (ledger && (await ledger.has(o))) {
      // Already a row (or skipped on purpose) for this exact version: sending it again would only cost a ledger read
      // in the ingest function, and make an overlapping backfill look like duplicates in the queue.
      result.skippedLedgerDone++;
      continue;
    }
    result.objects++;
    countType(result.objectsByType, logType);
    result.bytes += o.size;
    if (options.dryRun) {
      deps.onProgress?.(result);
      continue;
    }
    batch.push(o);
    if (batch.length === SQS_BATCH_SIZE && !(await flush())) return result;
    deps.onProgress?.(result);
  }
  if (result.stopped) {
    // Interrupted: send what is already batched, so the checkpoint covers every key the summary counted.
    if (!(await flush())) return result;
    save(false);
    return result;
  }
  if (!(await flush())) return result;
  result.complete = true;
  // Everything listed is handled: later runs (e.g. a daily `--from` without `--to`) start after the last key listed.
  if (lastListed !== undefined && (lastKey === undefined || compareKeys(lastListed, lastKey) > 0)) lastKey = lastListed;
  for (const k of alsoDone) if (lastKey !== undefined && compareKeys(k, lastKey) <= 0) alsoDone.delete(k);
  save(true);
  return result;
}
