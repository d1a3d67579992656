/**
 * Redrive: re-send the records Firehose could not deliver (the base64 `rawData` of each line of its error objects)
 * to the stream, with the ingest function's own Batcher and FirehoseSender (same packing, same retry of only the
 * failed entries with backoff and jitter), object by object, and record what was redriven so it is never sent twice.
 *
 * After an object is handled, the error prefix holds exactly what has not been delivered yet:
 * - every record acknowledged and no unusable line: the object is moved (CopyObject, then DeleteObject) to
 *   `<prefix folder>redriven/<rest of key>` (see error-objects.ts `redrivenKey`), which listings skip. A move whose
 *   delete failed is finished by the next run (the copy is found, the original deleted, nothing sent).
 * - some records not acknowledged (Firehose kept failing past the retry budget), or lines that cannot be redriven
 *   (not JSON, no rawData, rawData not decodable): the object is split. The acknowledged lines are written to
 *   `<redriven key>.part-<epoch ms>` and the original is overwritten with the remaining lines only (verbatim,
 *   gzipped), so a re-run sends only what is left. Unusable lines therefore stay visible to `alb-iceberg errors`.
 * - nothing acknowledged: the object is left as it was.
 * The one window for a duplicate is a failure of the S3 write after Firehose acknowledged records (the command then
 * names the object and the number of records a re-run would send again).
 */
import { gzipSync } from 'node:zlib';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { CopyObjectCommand, DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Batcher } from '../../lambda/ingest/batcher';
import { FirehoseSender, type SenderStats } from '../../lambda/ingest/firehose-sender';
import { errorText, type ListedObject } from '../../lambda/inventory/s3-objects';
import { decodeRawData, errorObjects, parseFirehoseErrorLine, redrivenKey } from './error-objects';
import { readObjectLines } from './object-lines';

export interface RedriveOptions {
  readonly bucket: string;
  /** The Firehose error prefix, e.g. `firehose-errors/`. */
  readonly prefix: string;
  readonly streamName: string;
  /** Read and count only: nothing is sent, moved or rewritten. */
  readonly dryRun: boolean;
  /** Only objects last modified at or after this instant (ms). */
  readonly since?: number;
  /** PutRecordBatch calls in flight (default 4). */
  readonly maxInFlight?: number;
  /** How long one batch may be retried, in ms (default 60 s). */
  readonly retryBudgetMs?: number;
}

export interface RedriveDeps {
  readonly s3: S3Client;
  readonly firehose: FirehoseClient;
  /** Stops after the object under way. */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Called after each object. */
  readonly onObject?: (outcome: RedriveObjectOutcome, result: RedriveResult) => void;
}

export type ObjectStatus =
  /** All records acknowledged; moved to the redriven folder. */
  | 'redriven'
  /** Some records acknowledged: split into a redriven part and the rest, left in place. */
  | 'partial'
  /** Nothing could be sent (no usable record, or Firehose acknowledged none): left as it was. */
  | 'not-sent'
  /** A previous run copied it but could not delete it: the original is now deleted. */
  | 'already-redriven'
  /** Reading it failed: left as it was. */
  | 'unreadable'
  /** Dry run: what would be sent. */
  | 'dry-run';

export interface RedriveObjectOutcome {
  readonly key: string;
  status: ObjectStatus;
  /** Records with a decodable rawData. */
  records: number;
  /** Records acknowledged by Firehose in this run. */
  sent: number;
  bytes: number;
  /** Lines that are not error records (not JSON, no errorCode/rawData). */
  unparseable: number;
  /** Records whose rawData does not decode. */
  undecodable: number;
  /** Where acknowledged records were recorded (moved object or part). */
  redrivenTo?: string;
  /** Why it is not fully redriven, or what went wrong. */
  problem?: string;
  /** Records acknowledged by Firehose that a re-run would send again (an S3 write failed after sending). */
  duplicateRisk?: number;
}

export interface RedriveResult {
  objects: number;
  /** Records found with a decodable rawData. */
  records: number;
  /** Records acknowledged by Firehose. */
  sent: number;
  bytesSent: number;
  unparseable: number;
  undecodable: number;
  readonly outcomes: RedriveObjectOutcome[];
  readonly sender: SenderStats;
  /** Objects skipped because they were already redriven. */
  redrivenObjectsSkipped: number;
  /** Why the run stopped before the last object. */
  stopped: string | undefined;
}

/** Whether every object was handled completely (nothing partial, unreadable, failing or left to clean up). */
export function redriveSucceeded(r: RedriveResult): boolean {
  return (
    r.stopped === undefined &&
    r.outcomes.every(
      (o) =>
        o.problem === undefined &&
        (o.status === 'redriven' || o.status === 'already-redriven' || o.status === 'dry-run'),
    )
  );
}

export async function runRedrive(options: RedriveOptions, deps: RedriveDeps): Promise<RedriveResult> {
  const now = deps.now ?? Date.now;
  const result: RedriveResult = {
    objects: 0,
    records: 0,
    sent: 0,
    bytesSent: 0,
    unparseable: 0,
    undecodable: 0,
    outcomes: [],
    sender: { calls: 0, recordsAcked: 0, retries: 0, throttles: 0 },
    redrivenObjectsSkipped: 0,
    stopped: undefined,
  };

  // List first (error objects are few and small next to the logs), noting redriven copies, so that a move whose
  // delete failed last time is recognised before anything is sent again.
  const objects: ListedObject[] = [];
  const redriven = new Map<string, number>();
  for await (const o of errorObjects(deps.s3, options.bucket, options.prefix, {
    ...(options.since !== undefined ? { since: options.since } : {}),
    onRedriven: (r) => {
      redriven.set(r.key, r.size);
      result.redrivenObjectsSkipped++;
    },
  })) {
    objects.push(o);
  }

  for (const o of objects) {
    if (deps.signal?.aborted) {
      result.stopped = 'interrupted';
      break;
    }
    result.objects++;
    const outcome = await redriveObject(o, options, deps, redriven, now, result);
    result.outcomes.push(outcome);
    result.records += outcome.records;
    result.sent += outcome.sent;
    result.unparseable += outcome.unparseable;
    result.undecodable += outcome.undecodable;
    deps.onObject?.(outcome, result);
    if (result.stopped) break;
  }
  return result;
}

async function redriveObject(
  o: ListedObject,
  options: RedriveOptions,
  deps: RedriveDeps,
  redriven: Map<string, number>,
  now: () => number,
  result: RedriveResult,
): Promise<RedriveObjectOutcome> {
  const { s3 } = deps;
  const bucket = options.bucket;
  const target = redrivenKey(o.key, options.prefix);
  const outcome: RedriveObjectOutcome = {
    key: o.key,
    status: 'not-sent',
    records: 0,
    sent: 0,
    bytes: 0,
    unparseable: 0,
    undecodable: 0,
  };

  if (redriven.get(target) === o.size) {
    outcome.status = 'already-redriven';
    outcome.redrivenTo = target;
    if (!options.dryRun) {
      try {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.key }));
      } catch (e) {
        outcome.problem = `already redriven to ${target}, but deleting the original failed: ${errorText(e)}`;
      }
    }
    return outcome;
  }

  const batcher = new Batcher();
  const acked = new Set<number>();
  const sender = options.dryRun
    ? undefined
    : new FirehoseSender(
        deps.firehose,
        {
          streamName: options.streamName,
          maxInFlight: options.maxInFlight ?? 4,
          retryBudgetMs: options.retryBudgetMs ?? 60_000,
          deadline: () => now() + 86_400_000,
          now,
          ...(deps.sleep ? { sleep: deps.sleep } : {}),
          ...(deps.random ? { random: deps.random } : {}),
        },
        (line, ok) => {
          if (ok) acked.add(line);
        },
      );
  /** Verbatim text of every non-blank line, by line number (needed to split the object). */
  const texts = new Map<number, string>();
  /** Lines with a usable record, and the record's size. */
  const sendable = new Map<number, number>();

  // Read the whole object before sending anything: a damaged object is left untouched, with nothing sent from it.
  try {
    for await (const l of readObjectLines(s3, bucket, o.key)) {
      if (l.text.trim() === '') continue;
      texts.set(l.line, l.text);
      if (l.overlongBytes !== undefined) {
        outcome.unparseable++;
        continue;
      }
      const decoded = decodeLine(l.text);
      if (decoded === 'unparseable') outcome.unparseable++;
      else if (decoded === 'undecodable') outcome.undecodable++;
      else {
        outcome.records++;
        outcome.bytes += decoded.length;
        sendable.set(l.line, decoded.length);
      }
    }
  } catch (e) {
    outcome.status = 'unreadable';
    outcome.problem = `reading it failed: ${errorText(e)}`;
    return outcome;
  }

  if (!sender) {
    outcome.status = 'dry-run';
    return outcome;
  }
  for (const line of sendable.keys()) {
    if (sender.failure) break; // the rest stays in the object
    const data = decodeLine(texts.get(line)!) as Buffer;
    const full = batcher.add({ lineNumber: line, data });
    if (full) await sender.submit(full);
  }
  const last = batcher.flush();
  if (last && !sender.failure) await sender.submit(last);
  await sender.drain();
  addStats(result.sender, sender.stats);
  outcome.sent = acked.size;
  for (const line of acked) result.bytesSent += sendable.get(line) ?? 0;
  if (sender.failure) {
    result.stopped = `Firehose: ${sender.failure.message}`;
    outcome.problem = `Firehose: ${sender.failure.message}`;
  }

  const unusable = outcome.unparseable + outcome.undecodable;
  if (acked.size === 0) {
    outcome.status = 'not-sent';
    outcome.problem ??= unusable > 0 ? `no usable record (${unusable} unusable line(s))` : 'no record';
    return outcome;
  }
  if (acked.size === texts.size) {
    // Everything in it is delivered: move it.
    try {
      await s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: target,
          CopySource: `${bucket}/${o.key.split('/').map(encodeURIComponent).join('/')}`,
        }),
      );
    } catch (e) {
      outcome.status = 'partial';
      outcome.duplicateRisk = acked.size;
      outcome.problem = `records delivered, but copying it to ${target} failed: ${errorText(e)}; a re-run would send them again`;
      return outcome;
    }
    try {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.key }));
    } catch (e) {
      // The next run sees the copy and only deletes the original.
      outcome.problem = `copied to ${target}, but deleting the original failed (the next run deletes it): ${errorText(e)}`;
    }
    outcome.status = 'redriven';
    outcome.redrivenTo = target;
    return outcome;
  }

  // Split: the delivered lines go to a part object, the original keeps only what is left.
  const part = `${target}.part-${now()}`;
  const delivered: string[] = [];
  const remaining: string[] = [];
  for (const [line, text] of [...texts].sort((a, b) => a[0] - b[0]))
    (acked.has(line) ? delivered : remaining).push(text);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: part,
        Body: gzipSync(`${delivered.join('\n')}\n`),
        ContentType: 'application/gzip',
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: o.key,
        Body: gzipSync(`${remaining.join('\n')}\n`),
        ContentType: 'application/gzip',
      }),
    );
  } catch (e) {
    outcome.status = 'partial';
    outcome.duplicateRisk = acked.size;
    outcome.problem = `${acked.size} record(s) delivered, but rewriting the object failed: ${errorText(e)}; a re-run would send them again`;
    return outcome;
  }
  outcome.status = 'partial';
  outcome.redrivenTo = part;
  const notSent = outcome.records - acked.size;
  outcome.problem ??= '';
  outcome.problem = [
    outcome.problem,
    notSent > 0 ? `${notSent} record(s) not acknowledged` : '',
    unusable > 0 ? `${unusable} unusable line(s)` : '',
  ]
    .filter(Boolean)
    .join('; ');
  outcome.problem += ': the object now holds only those lines';
  return outcome;
}

/** The record of an error line, or why there is none. */
function decodeLine(text: string): Buffer | 'unparseable' | 'undecodable' {
  const parsed = parseFirehoseErrorLine(text);
  if (!parsed.ok) return 'unparseable';
  const decoded = decodeRawData(parsed.value.rawData);
  return decoded.ok ? decoded.value.data : 'undecodable';
}

function addStats(total: SenderStats, s: SenderStats): void {
  total.calls += s.calls;
  total.recordsAcked += s.recordsAcked;
  total.retries += s.retries;
  total.throttles += s.throttles;
}
