/**
 * Ingests one S3 object: stream GetObject → parse → batch → PutRecordBatch, rejected lines to one S3 object.
 *
 * Every line is accounted for. When the object cannot be finished (Firehose retry budget spent, the invocation's time
 * running out, the body failing mid-stream, the rejects write failing), the result carries every cause that stopped
 * it ({@link StopCause}) and a continuation: the checkpoint (end of the contiguous prefix of done lines) plus the done
 * lines beyond it, so that the next attempt sends exactly the lines not yet delivered: no line lost, none sent twice
 * by us. An object whose body was read to its end with every line settled is done, even when the time check trips on
 * its last chunk.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describeAwsError, isNetworkError, mayPass } from '../aws/errors';
import { normaliseEtag, type ObjectVersion } from '../ledger/entry';
import type { ClaimResult } from '../ledger/object-ledger';
import { parseLogObject } from '../parser/parse-object';
import { bodyStallMs, dataCallsSignal, messageCallsSignal, withDeadline } from './deadline';
import type { IngestDeps, IngestRoute } from './ingest-deps';
import {
  describeLedgerError,
  LEASE_CLOCK_SKEW_MS,
  type LedgerDeps,
  LedgerFinishError,
  ledgerCause,
  type Snapshot,
  startPoint,
} from './ledger-run';
import type { Continuation, ObjectWork } from './messages';
import { type HeldObject, ObjectRun, type OpenedObject } from './object-run';
import { routeObject } from './route';
import { allTransient, describeCauses, type StopCause } from './stop-causes';
import { type LedgerSummary, reportObject } from './summary';

export type ContinuationFields = Omit<
  Continuation,
  'type' | 'version' | 'firstUndeliveredLine' | 'undeliveredRanges' | 'stoppedBecause'
>;

export type ObjectOutcome =
  | { readonly status: 'done' }
  | { readonly status: 'skipped'; readonly reason: string }
  | {
      readonly status: 'unfinished';
      /** Whether this attempt settled any line (a continuation then resets the no-progress count). */
      readonly progress: boolean;
      /** Every reason the run stopped. */
      readonly causes: readonly StopCause[];
      /** Whether trying again later may succeed: every cause is transient. */
      readonly transient: boolean;
      /** Why the time ran out before the object was even opened: retry at once, as nothing was tried. */
      readonly deferred?: boolean;
      /** Retry no sooner than this (another run holds the object in the ledger until about then). */
      readonly retryAfterSeconds?: number;
      /** The ledger version this run claimed (so a given-up object is recorded `failed`). */
      readonly ledgerVersion?: ObjectVersion;
      /** The causes, one string, for logs. */
      readonly error: string;
      readonly continuation: ContinuationFields;
    };

export async function ingestObject(work: ObjectWork, deps: IngestDeps): Promise<ObjectOutcome> {
  const { telemetry, config } = deps;
  const where = { bucket: work.bucket, key: work.key };
  const route = routeObject(work.key, config.deliveryStreams);
  if (route.kind === 'skip') {
    telemetry.count('ObjectsSkipped');
    const why = route.logType ? 'its log type is not enabled' : 'not an ELB log file';
    telemetry.log('info', `skipped object: ${why}`, { ...where, kind: route.objectKind, logType: route.logType });
    await recordSkip(messageVersion(work), route.reason, deps, work.size);
    return { status: 'skipped', reason: route.reason };
  }
  if (work.size === 0) {
    telemetry.count('ObjectsSkipped');
    telemetry.log('info', 'skipped object: empty', where);
    await recordSkip(messageVersion(work), 'empty', deps, 0);
    return { status: 'skipped', reason: 'empty' };
  }
  if (deps.remainingMs() < config.safetyMarginMs) {
    const cause: StopCause = { kind: 'no-time-to-start', message: 'no time left to start', transient: true };
    return unfinished(work, { progress: false, deferred: true, causes: [cause] });
  }
  if (deps.ledger) return ingestClaimed(work, route, deps, deps.ledger);
  const opened = await openObject(work, work.etag, deps);
  if (opened === 'changed') {
    objectChanged(work, deps);
    return ingestObject(restarted(work), deps);
  }
  return 'status' in opened ? opened : streamObject(work, route, opened, deps);
}

/** The version a message names (its ETag: a continuation's, else the S3 event's), or `unknown` without one. */
const messageVersion = (work: ObjectWork): ObjectVersion => ({
  bucket: work.bucket,
  key: work.key,
  etag: normaliseEtag(work.etag ?? work.eventEtag),
});

/** The work for a changed object: the new version, from line 1. */
const restarted = (work: ObjectWork): ObjectWork => {
  const { eventEtag: _dropped, ...rest } = work;
  return { ...rest, etag: undefined, resumeAfterLine: 0, doneRanges: [] };
};

function objectChanged(work: ObjectWork, deps: IngestDeps): void {
  deps.telemetry.count('ObjectsRestarted');
  deps.telemetry.log('warn', 'object changed since the first attempt: restarting it from line 1', {
    bucket: work.bucket,
    key: work.key,
    previousEtag: work.etag ?? work.eventEtag,
  });
}

/** Records a skip in the ledger (when there is one). A failure is counted and logged: the object is skipped anyway. */
async function recordSkip(v: ObjectVersion, reason: string, deps: IngestDeps, size?: number): Promise<void> {
  if (!deps.ledger) return;
  try {
    await deps.ledger.ledger.skip(
      v,
      { reason, ...(size === undefined ? {} : { size }) },
      { abortSignal: dataCallsSignal(deps) },
    );
  } catch (e) {
    deps.telemetry.count('LedgerErrors');
    deps.telemetry.log('warn', 'could not record a skipped object in the ledger', {
      bucket: v.bucket,
      key: v.key,
      reason,
      error: describeLedgerError(e),
    });
  }
}

/**
 * With the ledger: claim the version, then read it. The version is the message's ETag when it has one (the claim
 * comes before GetObject, which then asks for exactly that version with If-Match); without one, GetObject comes
 * first and the claim uses its ETag (the body is dropped when the claim is refused).
 */
async function ingestClaimed(
  work: ObjectWork,
  route: IngestRoute,
  deps: IngestDeps,
  L: LedgerDeps,
): Promise<ObjectOutcome> {
  const { telemetry } = deps;
  const clock = L.clock ?? Date.now;
  const where = { bucket: work.bucket, key: work.key };
  let opened: OpenedObject | undefined;
  const named = work.etag ?? work.eventEtag;
  if (named === undefined) {
    const o = await openObject(work, undefined, deps);
    if (o === 'changed') throw new Error('unreachable: GetObject without If-Match cannot fail its precondition');
    if ('status' in o) {
      if (o.status === 'skipped') await recordSkip(messageVersion(work), o.reason, deps);
      return o;
    }
    opened = o;
  }
  const version: ObjectVersion = { bucket: work.bucket, key: work.key, etag: normaliseEtag(named ?? opened?.etag) };
  let claim: ClaimResult;
  try {
    const run = {
      owner: L.owner,
      // Until the invocation ends, plus clock skew: once SQS redelivers the message of a killed run (visibility
      // timeout > function timeout), the lease has expired and the next run takes over.
      leaseUntil: clock() + deps.remainingMs() + LEASE_CLOCK_SKEW_MS,
      ...(work.size !== undefined ? { size: work.size } : {}),
    };
    const call = { abortSignal: dataCallsSignal(deps) };
    // A re-ingest (backfill --reingest) starts a done version over from line 1; anything else claims as usual.
    claim = await (work.reingest ? L.ledger.restart(version, run, call) : L.ledger.claim(version, run, call));
  } catch (e) {
    opened?.body.destroy();
    telemetry.count('LedgerErrors');
    const cause = ledgerCause('claim', e);
    telemetry.log('warn', 'could not claim the object in the ledger: nothing read, it will be retried', {
      ...where,
      etag: version.etag,
      error: cause.message,
    });
    return unfinished(work, { progress: false, causes: [cause] });
  }
  if (claim.kind !== 'claimed') {
    opened?.body.destroy();
    return notClaimed(work, version, claim, deps, clock);
  }
  if (claim.takeover) {
    telemetry.count('ObjectsTakenOver');
    telemetry.log('warn', 'taking the object over: the run that held it stopped without releasing it', {
      ...where,
      etag: version.etag,
      previousOwner: claim.previousOwner,
      resumeAfterLine: claim.entry.checkpoint.resumeAfterLine,
    });
  }
  if (claim.restarted) {
    telemetry.log('warn', 're-ingesting an object the ledger had as done, from line 1 (backfill --reingest)', {
      ...where,
      etag: version.etag,
    });
  }
  const start = startPoint(claim.entry, work);
  if (start.ignoredMessagePosition !== undefined) {
    telemetry.log('warn', 'the ledger has no checkpoint for this version: reading it from line 1', {
      ...where,
      messageResumeAfterLine: start.ignoredMessagePosition,
    });
  }
  const resumed: ObjectWork = {
    ...work,
    etag: opened?.etag ?? named,
    resumeAfterLine: start.resumeAfterLine,
    doneRanges: start.doneRanges,
  };
  const held: HeldObject = { version, owner: L.owner, clock, start, takeover: claim.takeover, runs: claim.entry.runs };
  if (!opened) {
    const o = await openObject(resumed, quoted(version.etag), deps);
    if (o === 'changed') {
      // The named version is gone: it can never be finished. Its entry says so; the current version is a new entry.
      await recordSkip(version, 'replaced by a newer version before it was finished', deps);
      objectChanged(work, deps);
      return ingestObject(restarted(work), deps);
    }
    if ('status' in o) {
      if (o.status === 'skipped') {
        await recordSkip(version, o.reason, deps);
        return o;
      }
      const cause = o.status === 'unfinished' ? o.error : 'GetObject failed';
      await endWithRelease(held, { checkpoint: claim.entry.checkpoint, accounting: start.base }, cause, deps);
      return { ...o, ledgerVersion: version } as ObjectOutcome;
    }
    opened = o;
  }
  return streamObject(resumed, route, opened, deps, held);
}

const quoted = (etag: string) => `"${etag}"`;

function notClaimed(
  work: ObjectWork,
  version: ObjectVersion,
  claim: Exclude<ClaimResult, { kind: 'claimed' }>,
  deps: IngestDeps,
  clock: () => number,
): ObjectOutcome {
  const where = { bucket: work.bucket, key: work.key, etag: version.etag };
  if (claim.kind === 'done') {
    deps.telemetry.count('ObjectsAlreadyDone');
    deps.telemetry.log('info', 'skipped object: the ledger has it done', {
      ...where,
      linesDone: claim.entry.accounting.linesDone,
    });
    return { status: 'skipped', reason: 'already done' };
  }
  if (claim.kind === 'skipped') {
    deps.telemetry.log('info', 'skipped object: the ledger has it skipped', { ...where, reason: claim.entry.reason });
    return { status: 'skipped', reason: `already skipped (${claim.entry.reason ?? 'no reason recorded'})` };
  }
  deps.telemetry.count('ObjectsBusy');
  const untilMs = (claim.entry.leaseExpiresAt ?? clock()) - clock();
  const cause: StopCause = {
    kind: 'busy',
    message: `another run (${claim.entry.owner ?? 'unknown'}) holds the object for ${Math.max(0, Math.round(untilMs / 1000))} s more`,
    transient: true,
  };
  deps.telemetry.log('info', 'object busy: another run holds it; retried once its lease has expired', {
    ...where,
    owner: claim.entry.owner,
    leaseExpiresAt: claim.entry.leaseExpiresAt,
  });
  // One second past the lease's expiry, so the next claim finds it expired (or the object done).
  return unfinished(
    { ...work, etag: work.etag ?? version.etag },
    { progress: false, deferred: true, causes: [cause], retryAfterSeconds: Math.max(1, untilMs / 1000 + 1) },
  );
}

/** @returns the open body, 'changed' when `ifMatch` no longer matches, or the outcome of a failed GetObject. */
async function openObject(
  work: ObjectWork,
  ifMatch: string | undefined,
  deps: IngestDeps,
): Promise<OpenedObject | ObjectOutcome | 'changed'> {
  const where = { bucket: work.bucket, key: work.key };
  try {
    const res = await deps.s3.send(
      new GetObjectCommand({ Bucket: work.bucket, Key: work.key, ...(ifMatch ? { IfMatch: ifMatch } : {}) }),
      { abortSignal: dataCallsSignal(deps) },
    );
    return { body: res.Body as Readable, etag: res.ETag, contentLength: res.ContentLength };
  } catch (e) {
    const error = describeAwsError(e);
    if (error.kind === 'missing') {
      deps.telemetry.count('ObjectsMissing');
      deps.telemetry.log('warn', 'skipped object: it no longer exists', where);
      return { status: 'skipped', reason: 'missing' };
    }
    // The object was replaced since lines were delivered from it: splicing two versions would be wrong.
    if (ifMatch && error.kind === 'precondition') return 'changed';
    const cause: StopCause = {
      kind: 'get-object',
      message: `GetObject failed: ${error.message}`,
      transient: mayPass(error),
    };
    return unfinished(work, { progress: false, causes: [cause] });
  }
}

/** The ledger side of a claimed object. */

async function streamObject(
  work: ObjectWork,
  route: IngestRoute,
  opened: OpenedObject,
  deps: IngestDeps,
  held?: HeldObject,
): Promise<ObjectOutcome> {
  const now = deps.now ?? Date.now;
  const started = now();
  const run = new ObjectRun(work, route, deps, held);
  await readBody(run, opened);
  await finishSending(run);
  await run.checkpoints?.settle();
  const rejectsStored = (await run.closePart(false)) && run.rejectsStored > 0;
  const { progress, sender } = run;
  const done = run.causes.length === 0 && progress.pendingCount === 0;
  if (!done && run.causes.length === 0) {
    const message = `${progress.pendingCount} records not acknowledged by Firehose`;
    run.causes.push({ kind: 'unacknowledged', message, transient: true });
  }
  let finishError: unknown;
  if (held && !run.leaseLost) {
    const snapshot = run.snapshot();
    if (done) {
      try {
        await deps.ledger!.ledger.finish(held.version, held.owner, snapshot.accounting, {
          abortSignal: messageCallsSignal(deps),
        });
        run.facts.end = 'done';
      } catch (e) {
        finishError = e;
        run.facts.end = `finish failed: ${describeLedgerError(e)}`;
      }
    } else {
      run.facts.end = await endWithRelease(held, snapshot, describeCauses(run.causes).join('; '), deps);
    }
  }
  reportObject(deps.telemetry, {
    work,
    logType: route.logType,
    etag: opened.etag,
    stats: run.stats,
    sent: sender.stats,
    recordBytes: run.recordBytes,
    rejects: run.storedKeys.length > 0 || run.sink.count > 0 ? { key: run.sink.key, samples: run.samples } : undefined,
    causes: run.causes,
    durationMs: now() - started,
    ...(held ? { ledger: ledgerSummary(held, run) } : {}),
  });
  if (finishError !== undefined) {
    deps.telemetry.count('LedgerErrors');
    throw new LedgerFinishError(held!.version, finishError);
  }
  if (done) {
    deps.telemetry.count('ObjectsIngested', 1, route.logType);
    return { status: 'done' };
  }
  const checkpoint = progress.checkpoint();
  const outcome = unfinished(
    work,
    {
      progress: checkpoint > work.resumeAfterLine || run.acked > 0 || rejectsStored,
      causes: run.causes,
    },
    { etag: opened.etag, resumeAfterLine: checkpoint, doneRanges: progress.doneRangesAfterCheckpoint(work.doneRanges) },
  );
  return held ? ({ ...outcome, ledgerVersion: held.version } as ObjectOutcome) : outcome;
}

function ledgerSummary(held: HeldObject, run: ObjectRun): LedgerSummary {
  return {
    claim: held.takeover ? 'takeover' : 'claimed',
    run: held.runs,
    resumedFrom: held.start.from,
    resumeAfterLine: held.start.resumeAfterLine,
    checkpointsPersisted: run.facts.checkpointsPersisted,
    checkpointErrors: run.facts.checkpointErrors,
    ...(run.leaseLost ? { leaseLost: true } : {}),
    ...(run.facts.end ? { end: run.facts.end } : {}),
  };
}

/**
 * Releases an unfinished object with its checkpoint. A failure is counted and logged only: the continuation is
 * enqueued anyway (its position may be ahead of the ledger's; the ledger wins on the next claim, so some lines are
 * sent again and none is lost).
 * @returns what happened, for the summary
 */
async function endWithRelease(held: HeldObject, snapshot: Snapshot, cause: string, deps: IngestDeps): Promise<string> {
  try {
    await deps.ledger!.ledger.release(
      held.version,
      held.owner,
      { ...snapshot, cause },
      { abortSignal: messageCallsSignal(deps) },
    );
    return 'released';
  } catch (e) {
    deps.telemetry.count('LedgerErrors');
    deps.telemetry.log('warn', 'could not release the object in the ledger: enqueuing its continuation anyway', {
      bucket: held.version.bucket,
      key: held.version.key,
      error: describeLedgerError(e),
    });
    return `release failed: ${describeLedgerError(e)}`;
  }
}

/**
 * Decoded bytes a run may still read after its time is up, when the whole body has already been received: enough to
 * finish an object whose last chunk tripped the time check, small enough (a few ms of parsing) to stay far inside the
 * safety margin even for a decompression bomb whose last compressed bytes are in hand.
 */
const FINISH_ALLOWANCE_BYTES = 256 * 1024;

/**
 * Reads and hands on the body's lines until it ends or a cause stops it. When the time check trips after every byte
 * of the body was received, the run reads on for up to {@link FINISH_ALLOWANCE_BYTES} more decoded bytes: if the
 * object ends there it is finished, rather than queued only to be read again.
 */
async function readBody(run: ObjectRun, { body, contentLength }: OpenedObject): Promise<void> {
  // A body that stalls or outlives the deadline ends with a TimeoutError (transient), like a reset connection.
  const bytes = withDeadline(body, { signal: run.signal, stallMs: bodyStallMs(run.deps.config.safetyMarginMs) });
  const lines = parseLogObject(bytes, {
    key: run.work.key,
    logType: run.route.logType,
    engine: run.deps.config.parserEngine,
    resumeAfterLine: run.work.resumeAfterLine,
    alreadyDone: (line) => run.done.has(line),
    stats: run.stats,
  });
  const received = () =>
    body.readableEnded || (contentLength !== undefined && run.stats.compressedBytes >= contentLength);
  let finishBy: number | undefined;
  try {
    for await (const chunk of lines) {
      await run.take(chunk);
      await run.checkpoints?.boundary();
      const firehose = run.firehoseCause();
      if (firehose) {
        run.causes.push(firehose);
        return;
      }
      // The lease was lost, or a rejects part could not be stored.
      if (run.causes.length > 0) return;
      if (!run.timeUp()) continue;
      // Out of time: stop, unless the body is all here and its end is near (see above).
      finishBy ??= received() ? run.stats.rawBytes + FINISH_ALLOWANCE_BYTES : -1;
      if (run.stats.rawBytes > finishBy) {
        run.causes.push({ kind: 'time-budget', message: 'invocation time budget reached', transient: true });
        return;
      }
    }
  } catch (e) {
    run.causes.push(readFailure(e, run.stats.lines));
  } finally {
    // Stopping early (time, Firehose failure, damage) must release the S3 connection now, not at garbage collection.
    body.destroy();
  }
}

/**
 * The body failed mid-stream (connection reset, truncated or corrupt gzip): what was read is delivered, the damage
 * reported; a network reset may pass next time, a data error will not.
 */
function readFailure(e: unknown, linesRead: number): StopCause {
  const name = e instanceof Error ? e.name : 'Error';
  const code = (e as { code?: string }).code;
  return {
    kind: 'read-failed',
    message: `reading the object failed after line ${linesRead}: ${name}${code ? ` (${code})` : ''}: ${(e as Error).message}`,
    // Only network failures may pass: a zlib error has no HTTP status, which the shared classifier calls transient.
    transient: isNetworkError(e),
  };
}

async function finishSending(run: ObjectRun): Promise<void> {
  const last = run.batcher.flush();
  if (last && !run.sender.failure) await run.sender.submit(last);
  await run.sender.drain();
  const firehose = run.firehoseCause();
  if (firehose && !run.causes.some((c) => c.kind === 'firehose')) run.causes.push(firehose);
}

function unfinished(
  work: ObjectWork,
  why: {
    progress: boolean;
    causes: readonly StopCause[];
    deferred?: boolean;
    retryAfterSeconds?: number;
  },
  resume: { etag?: string | undefined; resumeAfterLine: number; doneRanges: [number, number][] } = {
    etag: work.etag,
    resumeAfterLine: work.resumeAfterLine,
    doneRanges: work.doneRanges.map(([a, b]) => [a, b] as [number, number]),
  },
): ObjectOutcome {
  return {
    status: 'unfinished',
    progress: why.progress,
    causes: why.causes,
    transient: allTransient(why.causes),
    ...(why.deferred ? { deferred: true } : {}),
    ...(why.retryAfterSeconds !== undefined ? { retryAfterSeconds: why.retryAfterSeconds } : {}),
    error: describeCauses(why.causes).join('; '),
    continuation: {
      bucket: work.bucket,
      key: work.key,
      ...(resume.etag ? { etag: resume.etag } : {}),
      resumeAfterLine: resume.resumeAfterLine,
      doneRanges: resume.doneRanges,
      // Progress resets the count; a deferral (nothing was tried) leaves it as it was.
      attemptsWithoutProgress: why.progress
        ? 0
        : why.deferred
          ? work.attemptsWithoutProgress
          : work.attemptsWithoutProgress + 1,
      continuations: work.continuations + 1,
    },
  };
}
