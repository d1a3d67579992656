/**
 * The state of one run over one object (ObjectRun: progress, batcher, Firehose sender, rejects parts, accounting)
 * and, with the object ledger, the checkpoints it persists while the object streams (Checkpointer). The flow that
 * drives them, from claim to outcome, is in ingest-object.ts.
 */
import type { Readable } from 'node:stream';
import { describeAwsError, mayPass } from '../aws/errors';
import { type Accounting, NO_ACCOUNTING, type ObjectVersion } from '../ledger/entry';
import { LeaseLostError } from '../ledger/object-ledger';
import { newObjectStats, type ObjectStats, type ParsedChunk } from '../parser/parse-object';
import { Batcher } from './batcher';
import { dataCallsSignal } from './deadline';
import { FirehoseSender } from './firehose-sender';
import type { IngestDeps, IngestRoute } from './ingest-deps';
import {
  describeLedgerError,
  type LedgerDeps,
  ledgerCause,
  type Snapshot,
  type StartPoint,
  TimeRange,
} from './ledger-run';
import type { ObjectWork } from './messages';
import { LineProgress, RangeCursor } from './progress';
import { RejectsSink, rejectsKey } from './rejects-sink';
import type { StopCause } from './stop-causes';
import { type RejectSample, sampleOf } from './summary';

const REJECT_SAMPLES = 3;

export interface OpenedObject {
  readonly body: Readable;
  readonly etag: string | undefined;
  readonly contentLength: number | undefined;
}

export interface HeldObject {
  readonly version: ObjectVersion;
  readonly owner: string;
  readonly clock: () => number;
  readonly start: StartPoint;
  readonly takeover: boolean;
  /** Claims of this version so far, this one included. */
  readonly runs: number;
}

/** What the ledger did during one run, for the summary. */
export interface LedgerFacts {
  checkpointsPersisted: number;
  checkpointErrors: number;
  end?: string;
}

/** The state of one run over one object. */
export class ObjectRun {
  readonly stats: ObjectStats = newObjectStats();
  readonly progress: LineProgress;
  readonly done: RangeCursor;
  readonly batcher = new Batcher();
  sink: RejectsSink;
  readonly sender: FirehoseSender;
  /** Rejected lines in the current rejects part (pending until it is stored). */
  partLines: number[] = [];
  part = 0;
  readonly samples: RejectSample[] = [];
  readonly causes: StopCause[] = [];
  /** Every data call of the run (body reads, PutRecordBatch, rejects upload) ends by this deadline (deadline.ts). */
  readonly signal: AbortSignal;
  recordBytes = 0;
  /** Lines this run settled: records acknowledged, rejects stored, and blank lines as of the last chunk boundary. */
  acked = 0;
  rejectsStored = 0;
  blankAtBoundary = 0;
  readonly storedKeys: string[] = [];
  readonly times: TimeRange;
  readonly started: number;
  readonly facts: LedgerFacts = { checkpointsPersisted: 0, checkpointErrors: 0 };
  readonly checkpoints: Checkpointer | undefined;
  leaseLost = false;

  constructor(
    readonly work: ObjectWork,
    /** The object's log type and the stream its records go to. */
    readonly route: IngestRoute,
    readonly deps: IngestDeps,
    readonly held?: HeldObject,
  ) {
    const { config } = deps;
    this.progress = new LineProgress(work.resumeAfterLine);
    this.done = new RangeCursor(work.doneRanges);
    this.signal = dataCallsSignal(deps);
    this.sink = this.newSink();
    this.times = new TimeRange(held?.start.base);
    this.started = (held?.clock ?? Date.now)();
    const now = deps.now ?? Date.now;
    this.sender = new FirehoseSender(
      deps.firehose,
      {
        streamName: route.streamName,
        maxInFlight: config.maxInFlight,
        retryBudgetMs: config.retryBudgetMs,
        // A retry must not start once the invocation is inside its safety margin.
        deadline: () => now() + deps.remainingMs() - config.safetyMarginMs / 2,
        signal: this.signal,
        ...(deps.now ? { now: deps.now } : {}),
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
        ...(deps.random ? { random: deps.random } : {}),
      },
      (line, acked, record) => {
        if (!acked) return;
        this.progress.markDone(line);
        this.acked++;
        if (record && this.held) this.times.add(record.data);
      },
    );
    if (held && deps.ledger && config.ledger) {
      this.checkpoints = new Checkpointer(this, deps.ledger, config.ledger.checkpointEveryLines);
    }
  }

  /** The rejects object of the current part (one per run without the ledger, see rejects-sink.ts). */
  private newSink(): RejectsSink {
    const { config } = this.deps;
    const location = { bucket: config.rejectsBucket, prefix: config.rejectsPrefix };
    const segment = {
      fromLine: this.work.resumeAfterLine + 1,
      run: this.work.continuations,
      ...(this.held ? { ledger: { doneLines: this.held.start.base.linesDone, part: this.part } } : {}),
    };
    const key = rejectsKey(location, this.work.bucket, this.work.key, segment);
    return new RejectsSink(this.deps.s3, config.rejectsBucket, key, this.work.bucket, { signal: this.signal });
  }

  async take(chunk: ParsedChunk): Promise<void> {
    for (const reject of chunk.rejects) {
      // A rejected line is done only once its rejects object is stored (closePart).
      this.progress.markPending(reject.line);
      this.partLines.push(reject.line);
      await this.sink.add(reject);
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
    // A chunk boundary: every counted line is at or before the progress's read line, so a snapshot is consistent.
    this.blankAtBoundary = this.stats.blankLines;
  }

  /**
   * Closes the current rejects part and, with the ledger, starts the next one.
   * @returns whether it was stored (true also when it held nothing); on failure its lines stay pending.
   */
  async closePart(next: boolean): Promise<boolean> {
    const sink = this.sink;
    const lines = this.partLines;
    if (next) {
      this.part++;
      this.sink = this.newSink();
      this.partLines = [];
    }
    try {
      await sink.close();
    } catch (e) {
      const error = describeAwsError(e);
      this.causes.push({
        kind: 'rejects-write',
        message: `writing rejects to s3://${this.deps.config.rejectsBucket}/${sink.key} failed: ${error.message}`,
        transient: mayPass(error),
      });
      return false;
    }
    if (sink.count === 0) return true;
    for (const line of lines) this.progress.markDone(line);
    this.rejectsStored += lines.length;
    this.storedKeys.push(sink.key);
    return true;
  }

  /** The checkpoint and its accounting now: call only at a chunk boundary (or after the run). */
  snapshot(): Snapshot {
    const base = this.held?.start.base ?? NO_ACCOUNTING;
    const clock = this.held?.clock ?? Date.now;
    const checkpoint = {
      resumeAfterLine: this.progress.checkpoint(),
      doneRanges: this.progress.doneRangesAfterCheckpoint(this.work.doneRanges),
    };
    const { minTime, maxTime } = this.times;
    const accounting: Accounting = {
      linesDone: base.linesDone + this.acked + this.rejectsStored + this.blankAtBoundary,
      records: base.records + this.acked,
      rejects: base.rejects + this.rejectsStored,
      blankLines: base.blankLines + this.blankAtBoundary,
      compressedBytes: base.compressedBytes + this.stats.compressedBytes,
      rawBytes: base.rawBytes + this.stats.rawBytes,
      durationMs: base.durationMs + Math.max(0, clock() - this.started),
      ...(minTime ? { minTime } : {}),
      ...(maxTime ? { maxTime } : {}),
      rejectsKeys: [...base.rejectsKeys, ...this.storedKeys],
    };
    return { checkpoint, accounting };
  }

  /** Lines settled by this run so far. */
  settled(): number {
    return this.acked + this.rejectsStored + this.blankAtBoundary;
  }

  firehoseCause(): StopCause | undefined {
    const f = this.sender.failure;
    return f && { kind: 'firehose', message: `Firehose: ${f.message}`, transient: f.transient };
  }

  timeUp(): boolean {
    return this.deps.remainingMs() < this.deps.config.safetyMarginMs;
  }
}

/**
 * Persists checkpoints while an object streams: at a chunk boundary once `every` lines were settled since the last
 * snapshot. Rejected lines are done only once stored, so a checkpoint that finds rejects in the current part first
 * closes that part (and starts the next one), then takes its snapshot.
 *
 * While the ledger answers, the stream waits at that boundary for the part upload and the ledger write (a few ms per
 * `every` lines; the PutRecordBatch calls in flight carry on meanwhile), which keeps the crash bound independent of
 * latency. Once a checkpoint write has failed in this run (throttled after the SDK's retries, an outage, a timeout),
 * the stream no longer waits: at most one write is in flight, started at the first due boundary after the previous one
 * ended, so a failing or hanging ledger never slows ingestion; only the crash bound grows, by the lines streamed
 * since the last checkpoint that landed.
 *
 * Records sent again after a hard kill (out of memory, Lambda timeout, runtime crash), with N = `every`, C = lines
 * of one parsed chunk (64 KiB of decoded text: about 110 ALB lines of 600 bytes), F = MAX_IN_FLIGHT_BATCHES, while
 * the ledger answers:
 *   re-sent ≤ (N − 1) + (C + 500)   lines settled after the last persisted snapshot, up to the boundary of the next
 *                                   snapshot (one chunk step settles its blank lines and at most C + 500 acks)
 *            + F × 500              acknowledgements that arrive while that next snapshot's write is in flight
 *            + F × 500              entries of the calls in flight at the kill (unknown: sent again)
 *   so with N = 10,000, C ≈ 110, F = 4: at most about 14,600 records; re-read lines add the batch being filled
 *   (≤ 500, read but never sent) and blank or rejected lines of the same span (rejects may be stored twice).
 */
export class Checkpointer {
  private inFlight: Promise<void> | undefined;
  private settledAtSnapshot = 0;
  private snapshotNext = false;
  /** A checkpoint write failed in this run: stop waiting for the ledger. */
  private degraded = false;

  constructor(
    private readonly run: ObjectRun,
    private readonly L: LedgerDeps,
    private readonly every: number,
  ) {}

  /** At a chunk boundary: persists a checkpoint when one is due (see the class comment for when it waits). */
  async boundary(): Promise<void> {
    const run = this.run;
    if (this.inFlight || run.leaseLost) return;
    if (!this.snapshotNext && run.settled() - this.settledAtSnapshot < this.every) return;
    if (!this.degraded) {
      // Waiting here keeps the state at this boundary: no chunk is taken until the write ends.
      if (run.partLines.length > 0 && !(await run.closePart(true))) return;
      this.settledAtSnapshot = run.settled();
      await this.write(run.snapshot());
      return;
    }
    if (!this.snapshotNext && run.partLines.length > 0) {
      // The snapshot waits for the part, and is taken at the first boundary after it is stored.
      this.inFlight = run.closePart(true).then((stored) => {
        this.snapshotNext = stored;
        this.inFlight = undefined;
      });
      return;
    }
    this.snapshotNext = false;
    this.settledAtSnapshot = run.settled();
    this.inFlight = this.write(run.snapshot()).finally(() => {
      this.inFlight = undefined;
    });
  }

  private async write(snapshot: Snapshot): Promise<void> {
    const run = this.run;
    const held = run.held!;
    try {
      await this.L.ledger.checkpoint(held.version, held.owner, snapshot, { abortSignal: run.signal });
      run.facts.checkpointsPersisted++;
      run.deps.telemetry.count('CheckpointsPersisted');
    } catch (e) {
      if (e instanceof LeaseLostError) {
        // Another run holds the object now: stop at once, and write nothing more to the ledger.
        run.leaseLost = true;
        run.causes.push(ledgerCause('checkpoint', e));
        run.deps.telemetry.log('warn', 'lease lost mid-stream: stopping this run', {
          bucket: held.version.bucket,
          key: held.version.key,
          error: e.message,
        });
        return;
      }
      run.facts.checkpointErrors++;
      this.degraded = true;
      run.deps.telemetry.count('LedgerErrors');
      run.deps.telemetry.log('warn', 'could not persist a checkpoint: streaming on (more lines resent after a crash)', {
        bucket: held.version.bucket,
        key: held.version.key,
        resumeAfterLine: snapshot.checkpoint.resumeAfterLine,
        error: describeLedgerError(e),
      });
    }
  }

  /** Waits for the write or part upload in flight. */
  async settle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }
}
