/**
 * Ingests one S3 object: stream GetObject → parse → batch → PutRecordBatch, rejected lines to one S3 object.
 *
 * Every line is accounted for. When the object cannot be finished (Firehose retry budget spent, the invocation's time
 * running out, the body failing mid-stream), the result carries a continuation: the checkpoint (end of the contiguous
 * prefix of done lines) plus the done lines beyond it, so that the next attempt sends exactly the lines not yet
 * delivered: no line lost, none sent twice by us.
 */
import type { Readable } from 'node:stream';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { newObjectStats, type ObjectStats, parseLogObject, type RejectedLine } from '../parser/parse-object';
import { describeLogKey } from '../s3/log-key';
import { Batcher } from './batcher';
import type { IngestConfig } from './config';
import { bodyStallMs, dataCallsSignal, withDeadline } from './deadline';
import { FirehoseSender, type SenderStats } from './firehose-sender';
import type { Continuation, ObjectWork } from './messages';
import { LineProgress, RangeCursor } from './progress';
import { RejectsSink, rejectsKey } from './rejects-sink';
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

export type ContinuationFields = Omit<Continuation, 'type' | 'version'>;

export type ObjectOutcome =
  | { readonly status: 'done' }
  | { readonly status: 'skipped'; readonly reason: string }
  | {
      readonly status: 'unfinished';
      /** Whether this attempt settled any line (a continuation then resets the no-progress count). */
      readonly progress: boolean;
      /** Whether trying again later may succeed. */
      readonly transient: boolean;
      /** Why the time ran out before the object was even opened: retry at once, as nothing was tried. */
      readonly deferred?: boolean;
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
    return unfinished(work, { progress: false, transient: true, deferred: true, error: 'no time left to start' });
  }

  let body: Readable;
  let etag: string | undefined;
  try {
    const res = await deps.s3.send(
      new GetObjectCommand({ Bucket: work.bucket, Key: work.key, ...(work.etag ? { IfMatch: work.etag } : {}) }),
      { abortSignal: dataCallsSignal(deps) },
    );
    body = res.Body as Readable;
    etag = res.ETag;
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const name = e instanceof Error ? e.name : 'Error';
    if (name === 'NoSuchKey' || status === 404) {
      telemetry.count('ObjectsMissing');
      telemetry.log('warn', 'skipped object: it no longer exists', where);
      return { status: 'skipped', reason: 'missing' };
    }
    if (work.etag && (name === 'PreconditionFailed' || status === 412)) {
      // The object was replaced since lines were delivered from it: splicing two versions would be wrong.
      telemetry.count('ObjectsRestarted');
      telemetry.log('warn', 'object changed since the first attempt: restarting it from line 1', {
        ...where,
        previousEtag: work.etag,
      });
      return ingestObject({ ...work, etag: undefined, resumeAfterLine: 0, doneRanges: [] }, deps);
    }
    const transient = status === undefined || status >= 500 || status === 429;
    return unfinished(work, {
      progress: false,
      transient,
      error: `GetObject failed: ${name}: ${(e as Error).message}`,
    });
  }
  return streamObject(work, body, etag, deps);
}

async function streamObject(
  work: ObjectWork,
  body: Readable,
  etag: string | undefined,
  deps: IngestDeps,
): Promise<ObjectOutcome> {
  const { config, telemetry } = deps;
  const started = (deps.now ?? Date.now)();
  const stats = newObjectStats();
  const progress = new LineProgress(work.resumeAfterLine);
  const done = new RangeCursor(work.doneRanges);
  const batcher = new Batcher();
  // Every data call (body reads, PutRecordBatch, rejects upload) ends by this deadline (deadline.ts).
  const signal = dataCallsSignal(deps);
  const sink = new RejectsSink(
    deps.s3,
    config.rejectsBucket,
    rejectsKey(
      { bucket: config.rejectsBucket, prefix: config.rejectsPrefix },
      work.bucket,
      work.key,
      work.resumeAfterLine + 1,
    ),
    { signal },
  );
  const sender = new FirehoseSender(
    deps.firehose,
    {
      streamName: config.deliveryStreamName,
      maxInFlight: config.maxInFlight,
      retryBudgetMs: config.retryBudgetMs,
      // A retry must not start once the invocation is inside its safety margin.
      deadline: () => (deps.now ?? Date.now)() + deps.remainingMs() - config.safetyMarginMs / 2,
      signal,
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(deps.random ? { random: deps.random } : {}),
    },
    (line, acked) => {
      if (acked) progress.markDone(line);
    },
  );
  const rejectedLines: number[] = [];
  const samples: RejectedLine[] = [];
  let recordBytes = 0;
  let stop: { error: string; transient: boolean } | undefined;
  // A body that stalls or outlives the deadline ends with a TimeoutError (transient), like a reset connection.
  const bytes = withDeadline(body, { signal, stallMs: bodyStallMs(config.safetyMarginMs) });

  try {
    for await (const chunk of parseLogObject(bytes, {
      key: work.key,
      resumeAfterLine: work.resumeAfterLine,
      alreadyDone: (line) => done.has(line),
      stats,
    })) {
      for (const reject of chunk.rejects) {
        await sink.add(reject);
        rejectedLines.push(reject.line);
        if (samples.length < REJECT_SAMPLES) samples.push(reject);
      }
      for (const record of chunk.records) {
        recordBytes += record.data.length;
        progress.markPending(record.lineNumber);
        const full = batcher.add(record);
        // Once a batch has been given up, send nothing more: those lines stay pending for the continuation.
        if (full && !sender.failure) await sender.submit(full);
      }
      progress.readThrough(stats.lines);
      if (sender.failure) {
        stop = { error: `Firehose: ${sender.failure.message}`, transient: sender.failure.transient };
        break;
      }
      if (deps.remainingMs() < config.safetyMarginMs) {
        stop = { error: 'invocation time budget reached', transient: true };
        break;
      }
    }
  } catch (e) {
    // The body failed mid-stream (connection reset, truncated or corrupt gzip): deliver what was read, report the
    // damage, and let the caller decide between a continuation and a failed message.
    const name = e instanceof Error ? e.name : 'Error';
    const code = (e as { code?: string }).code;
    stop = {
      error: `reading the object failed after line ${stats.lines}: ${name}${code ? ` (${code})` : ''}: ${(e as Error).message}`,
      // A network reset may succeed next time; a gzip data error will not.
      transient: code === 'ECONNRESET' || name === 'TimeoutError' || code === 'ETIMEDOUT',
    };
  } finally {
    // Stopping early (time, Firehose failure, damage) must release the S3 connection now, not at garbage collection.
    body.destroy();
  }

  const last = batcher.flush();
  if (last && !sender.failure) await sender.submit(last);
  await sender.drain();
  if (sender.failure && !stop)
    stop = { error: `Firehose: ${sender.failure.message}`, transient: sender.failure.transient };

  let rejectsStored = false;
  try {
    await sink.close();
    rejectsStored = sink.count > 0;
  } catch (e) {
    // The rejects were not stored, so those lines are not done: they must be read again.
    for (const line of rejectedLines) progress.markPending(line);
    stop ??= {
      error: `writing rejects to s3://${config.rejectsBucket}/${sink.key} failed: ${(e as Error).message}`,
      transient: true,
    };
  }

  const durationMs = (deps.now ?? Date.now)() - started;
  report(work, stats, sender.stats, recordBytes, sink, samples, durationMs, etag, telemetry);
  if (!stop && progress.pendingCount === 0) {
    telemetry.count('ObjectsIngested');
    return { status: 'done' };
  }
  const checkpoint = progress.checkpoint();
  const madeProgress = checkpoint > work.resumeAfterLine || sender.stats.recordsAcked > 0 || rejectsStored;
  return unfinished(
    work,
    {
      progress: madeProgress,
      transient: stop?.transient ?? true,
      error: stop?.error ?? `${progress.pendingCount} records not acknowledged by Firehose`,
    },
    { etag, resumeAfterLine: checkpoint, doneRanges: progress.doneRangesAfterCheckpoint(work.doneRanges) },
  );
}

function unfinished(
  work: ObjectWork,
  why: { progress: boolean; transient: boolean; error: string; deferred?: boolean },
  resume: { etag?: string | undefined; resumeAfterLine: number; doneRanges: [number, number][] } = {
    etag: work.etag,
    resumeAfterLine: work.resumeAfterLine,
    doneRanges: work.doneRanges.map(([a, b]) => [a, b] as [number, number]),
  },
): ObjectOutcome {
  return {
    status: 'unfinished',
    ...why,
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

/** One structured log line per object, with the accounting that proves no line was lost. */
function report(
  work: ObjectWork,
  stats: ObjectStats,
  sent: SenderStats,
  recordBytes: number,
  sink: RejectsSink,
  samples: RejectedLine[],
  durationMs: number,
  etag: string | undefined,
  telemetry: Telemetry,
): void {
  telemetry.count('BytesIn', stats.compressedBytes);
  telemetry.count('RawBytes', stats.rawBytes);
  telemetry.count('Lines', stats.lines - stats.resumedPast);
  telemetry.count('RecordsSent', sent.recordsAcked);
  telemetry.count('RecordBytes', recordBytes);
  telemetry.count('Rejects', stats.rejects);
  telemetry.count('ExtraFieldLines', stats.extraFieldLines);
  telemetry.count('Retries', sent.retries);
  telemetry.count('Throttles', sent.throttles);
  telemetry.count('DurationMs', durationMs);
  telemetry.log(stats.rejects > 0 ? 'warn' : 'info', 'object summary', {
    bucket: work.bucket,
    key: work.key,
    etag,
    resumeAfterLine: work.resumeAfterLine,
    linesRead: stats.lines,
    linesAlreadyDone: stats.resumedPast,
    blankLines: stats.blankLines,
    records: stats.records,
    recordsAcknowledged: sent.recordsAcked,
    rejects: stats.rejects,
    extraFieldLines: stats.extraFieldLines,
    bytesIn: stats.compressedBytes,
    rawBytes: stats.rawBytes,
    recordBytes,
    firehoseCalls: sent.calls,
    retries: sent.retries,
    throttles: sent.throttles,
    durationMs,
    ...(sink.count > 0 ? { rejectsObject: sink.key, rejectSamples: samples } : {}),
  });
}
