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
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { classifyAwsError, mayPass } from '../aws/errors';
import { newObjectStats, type ObjectStats, type ParsedChunk, parseLogObject } from '../parser/parse-object';
import { describeLogKey } from '../s3/log-key';
import { Batcher } from './batcher';
import type { IngestConfig } from './config';
import { bodyStallMs, dataCallsSignal, withDeadline } from './deadline';
import { FirehoseSender } from './firehose-sender';
import type { Continuation, ObjectWork } from './messages';
import { LineProgress, RangeCursor } from './progress';
import { RejectsSink, rejectsKey } from './rejects-sink';
import { allTransient, describeCauses, type StopCause } from './stop-causes';
import { type RejectSample, reportObject, sampleOf } from './summary';
import type { Telemetry } from './telemetry';

export interface IngestDeps {
  readonly s3: S3Client;
  readonly firehose: FirehoseClient;
  readonly config: IngestConfig;
  readonly telemetry: Telemetry;
  /** Milliseconds left in this invocation. */
  readonly remainingMs: () => number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

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
      /** The causes, one string, for logs. */
      readonly error: string;
      readonly continuation: ContinuationFields;
    };

const REJECT_SAMPLES = 3;

export async function ingestObject(work: ObjectWork, deps: IngestDeps): Promise<ObjectOutcome> {
  const { telemetry, config } = deps;
  const where = { bucket: work.bucket, key: work.key };
  const kind = describeLogKey(work.key).kind;
  if (kind !== 'alb-access-log') {
    telemetry.count('ObjectsSkipped');
    telemetry.log('info', 'skipped object: not an ALB access log', { ...where, kind });
    return { status: 'skipped', reason: kind };
  }
  if (work.size === 0) {
    telemetry.count('ObjectsSkipped');
    telemetry.log('info', 'skipped object: empty', where);
    return { status: 'skipped', reason: 'empty' };
  }
  if (deps.remainingMs() < config.safetyMarginMs) {
    const cause: StopCause = { kind: 'no-time-to-start', message: 'no time left to start', transient: true };
    return unfinished(work, { progress: false, deferred: true, causes: [cause] });
  }
  const opened = await openObject(work, deps);
  return 'status' in opened ? opened : streamObject(work, opened, deps);
}

interface OpenedObject {
  readonly body: Readable;
  readonly etag: string | undefined;
  readonly contentLength: number | undefined;
}

async function openObject(work: ObjectWork, deps: IngestDeps): Promise<OpenedObject | ObjectOutcome> {
  const where = { bucket: work.bucket, key: work.key };
  try {
    const res = await deps.s3.send(
      new GetObjectCommand({ Bucket: work.bucket, Key: work.key, ...(work.etag ? { IfMatch: work.etag } : {}) }),
      { abortSignal: dataCallsSignal(deps) },
    );
    return { body: res.Body as Readable, etag: res.ETag, contentLength: res.ContentLength };
  } catch (e) {
    const error = classifyAwsError(e);
    if (error.kind === 'missing') {
      deps.telemetry.count('ObjectsMissing');
      deps.telemetry.log('warn', 'skipped object: it no longer exists', where);
      return { status: 'skipped', reason: 'missing' };
    }
    if (work.etag && error.kind === 'precondition') {
      // The object was replaced since lines were delivered from it: splicing two versions would be wrong.
      deps.telemetry.count('ObjectsRestarted');
      deps.telemetry.log('warn', 'object changed since the first attempt: restarting it from line 1', {
        ...where,
        previousEtag: work.etag,
      });
      return ingestObject({ ...work, etag: undefined, resumeAfterLine: 0, doneRanges: [] }, deps);
    }
    const cause: StopCause = {
      kind: 'get-object',
      message: `GetObject failed: ${error.message}`,
      transient: mayPass(error),
    };
    return unfinished(work, { progress: false, causes: [cause] });
  }
}

/** The state of one run over one object. */
class ObjectRun {
  readonly stats: ObjectStats = newObjectStats();
  readonly progress: LineProgress;
  readonly done: RangeCursor;
  readonly batcher = new Batcher();
  readonly sink: RejectsSink;
  readonly sender: FirehoseSender;
  readonly rejectedLines: number[] = [];
  readonly samples: RejectSample[] = [];
  readonly causes: StopCause[] = [];
  /** Every data call of the run (body reads, PutRecordBatch, rejects upload) ends by this deadline (deadline.ts). */
  readonly signal: AbortSignal;
  recordBytes = 0;

  constructor(
    readonly work: ObjectWork,
    readonly deps: IngestDeps,
  ) {
    const { config } = deps;
    this.progress = new LineProgress(work.resumeAfterLine);
    this.done = new RangeCursor(work.doneRanges);
    const location = { bucket: config.rejectsBucket, prefix: config.rejectsPrefix };
    const segment = { fromLine: work.resumeAfterLine + 1, run: work.continuations };
    const key = rejectsKey(location, work.bucket, work.key, segment);
    this.signal = dataCallsSignal(deps);
    this.sink = new RejectsSink(deps.s3, config.rejectsBucket, key, work.bucket, { signal: this.signal });
    const now = deps.now ?? Date.now;
    this.sender = new FirehoseSender(
      deps.firehose,
      {
        streamName: config.deliveryStreamName,
        maxInFlight: config.maxInFlight,
        retryBudgetMs: config.retryBudgetMs,
        // A retry must not start once the invocation is inside its safety margin.
        deadline: () => now() + deps.remainingMs() - config.safetyMarginMs / 2,
        signal: this.signal,
        ...(deps.now ? { now: deps.now } : {}),
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
        ...(deps.random ? { random: deps.random } : {}),
      },
      (line, acked) => {
        if (acked) this.progress.markDone(line);
      },
    );
  }

  async take(chunk: ParsedChunk): Promise<void> {
    for (const reject of chunk.rejects) {
      await this.sink.add(reject);
      this.rejectedLines.push(reject.line);
      if (this.samples.length < REJECT_SAMPLES) this.samples.push(sampleOf(reject));
    }
    for (const record of chunk.records) {
      this.recordBytes += record.data.length;
      this.progress.markPending(record.lineNumber);
      const full = this.batcher.add(record);
      // Once a batch has been given up, send nothing more: those lines stay pending for the continuation.
      if (full && !this.sender.failure) await this.sender.submit(full);
    }
    this.progress.readThrough(this.stats.lines);
  }

  firehoseCause(): StopCause | undefined {
    const f = this.sender.failure;
    return f && { kind: 'firehose', message: `Firehose: ${f.message}`, transient: f.transient };
  }

  timeUp(): boolean {
    return this.deps.remainingMs() < this.deps.config.safetyMarginMs;
  }
}

async function streamObject(work: ObjectWork, opened: OpenedObject, deps: IngestDeps): Promise<ObjectOutcome> {
  const now = deps.now ?? Date.now;
  const started = now();
  const run = new ObjectRun(work, deps);
  await readBody(run, opened);
  await finishSending(run);
  const rejectsStored = await storeRejects(run);
  reportObject(deps.telemetry, {
    work,
    etag: opened.etag,
    stats: run.stats,
    sent: run.sender.stats,
    recordBytes: run.recordBytes,
    rejects: run.sink.count > 0 ? { key: run.sink.key, samples: run.samples } : undefined,
    causes: run.causes,
    durationMs: now() - started,
  });
  const { progress, sender } = run;
  if (run.causes.length === 0 && progress.pendingCount === 0) {
    deps.telemetry.count('ObjectsIngested');
    return { status: 'done' };
  }
  if (run.causes.length === 0) {
    const message = `${progress.pendingCount} records not acknowledged by Firehose`;
    run.causes.push({ kind: 'unacknowledged', message, transient: true });
  }
  const checkpoint = progress.checkpoint();
  return unfinished(
    work,
    {
      progress: checkpoint > work.resumeAfterLine || sender.stats.recordsAcked > 0 || rejectsStored,
      causes: run.causes,
    },
    { etag: opened.etag, resumeAfterLine: checkpoint, doneRanges: progress.doneRangesAfterCheckpoint(work.doneRanges) },
  );
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
      const firehose = run.firehoseCause();
      if (firehose) {
        run.causes.push(firehose);
        return;
      }
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
  const classified = classifyAwsError(e);
  const network = code === 'ECONNRESET' || code === 'ETIMEDOUT' || name === 'TimeoutError';
  return {
    kind: 'read-failed',
    message: `reading the object failed after line ${linesRead}: ${name}${code ? ` (${code})` : ''}: ${(e as Error).message}`,
    // Only network failures may pass: a zlib error has no HTTP status, which the shared classifier calls transient.
    transient: network && mayPass(classified),
  };
}

async function finishSending(run: ObjectRun): Promise<void> {
  const last = run.batcher.flush();
  if (last && !run.sender.failure) await run.sender.submit(last);
  await run.sender.drain();
  const firehose = run.firehoseCause();
  if (firehose && !run.causes.some((c) => c.kind === 'firehose')) run.causes.push(firehose);
}

/** @returns whether a rejects object was stored; when the write fails, the rejected lines are pending again. */
async function storeRejects(run: ObjectRun): Promise<boolean> {
  try {
    await run.sink.close();
    return run.sink.count > 0;
  } catch (e) {
    // The rejects were not stored, so those lines are not done: they must be read again.
    for (const line of run.rejectedLines) run.progress.markPending(line);
    const error = classifyAwsError(e);
    run.causes.push({
      kind: 'rejects-write',
      message: `writing rejects to s3://${run.deps.config.rejectsBucket}/${run.sink.key} failed: ${error.message}`,
      transient: mayPass(error),
    });
    return false;
  }
}

function unfinished(
  work: ObjectWork,
  why: { progress: boolean; causes: readonly StopCause[]; deferred?: boolean },
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
