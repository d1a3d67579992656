/**
 * Decodes the bodies of messages on the ingest queue into work. A message may carry:
 * - an S3 event notification (one or more `Records`), or a backfill message of the same shape;
 * - the `s3:TestEvent` S3 sends when a notification is configured (acknowledged, no work);
 * - an S3 event wrapped in an SNS notification (SNS fan-out, for buckets whose notifications are already taken);
 * - a continuation of our own (see {@link Continuation}).
 * Anything else is malformed: the caller fails that message so it ends in the DLQ, where an operator can read it.
 *
 * S3 event records: only `ObjectCreated:*` events are work (a record with no `eventName` is accepted too: older and
 * hand-made shapes omit it; this project's backfill sends `ObjectCreated:Backfill`). Other events (`ObjectRemoved:*`,
 * `ObjectRestore:*`, lifecycle, replication...) are returned as ignored. Each distinct (bucket, key) is ingested once
 * per message, however many records name it: the handler always reads the object's current version, so a second
 * record for the same key could only send the same lines again.
 *
 * Continuations are validated and normalised on decode: done ranges sorted, adjacent ones merged, those at or before
 * the checkpoint folded into it; overlapping or out-of-order-invalid ranges are a {@link MalformedMessageError}
 * (this handler never writes them, so they mean a damaged or forged message), never a silent skip.
 * S3 event structure: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
import { decodeEventKey } from '../s3/log-key';

/** One S3 object to ingest, from line `resumeAfterLine + 1` on. */
export interface ObjectWork {
  readonly bucket: string;
  /** URL-decoded key. */
  readonly key: string;
  /** Size from the notification, when known (0-byte objects are skipped without a GET). */
  readonly size?: number;
  /** ETag of the version whose lines were delivered so far (continuations), to detect a changed object. */
  readonly etag?: string;
  /**
   * ETag the S3 event (or backfill message) names (`s3.object.eTag`, unquoted). Used only with the object ledger, to
   * claim the version before reading it; without the ledger the handler reads the current version, as before.
   */
  readonly eventEtag?: string;
  /**
   * The message asks to ingest the object again even when the ledger has it done ({@link REINGEST_EVENT_NAME}, sent
   * by `backfill --reingest` after a parser fix). Continuations never carry it: they resume the re-ingest.
   */
  readonly reingest?: boolean;
  readonly resumeAfterLine: number;
  /** Lines after `resumeAfterLine` already done (delivered, rejected or blank), as inclusive [from, to] ranges. */
  readonly doneRanges: readonly (readonly [number, number])[];
  /** Continuations so far without progress (0 for fresh work). */
  readonly attemptsWithoutProgress: number;
  /** Continuations so far in total. */
  readonly continuations: number;
}

/** Our own message: resume an object that could not be finished in one invocation. */
export interface Continuation {
  readonly type: 'alb-iceberg/continuation';
  readonly version: 1;
  readonly bucket: string;
  /** Plain (not URL-encoded) key. */
  readonly key: string;
  readonly etag?: string;
  readonly resumeAfterLine: number;
  readonly doneRanges: readonly (readonly [number, number])[];
  readonly attemptsWithoutProgress: number;
  readonly continuations: number;
  /**
   * For people reading a dead-lettered continuation; ignored on decode (recomputed from the fields above).
   * `firstUndeliveredLine` is `resumeAfterLine + 1` once done ranges are folded into the checkpoint;
   * `undeliveredRanges` lists the lines still to deliver, the last range open-ended (`null`: to the end of the file).
   */
  readonly firstUndeliveredLine?: number;
  readonly undeliveredRanges?: readonly (readonly [number, number | null])[];
  /** Why the run that wrote this continuation stopped (every cause). */
  readonly stoppedBecause?: readonly string[];
}

export const CONTINUATION_TYPE = 'alb-iceberg/continuation';

/** An S3 event record that is not work: a non-ObjectCreated event, or a repeat of an object already listed. */
export interface IgnoredRecord {
  readonly index: number;
  readonly why: 'event' | 'duplicate';
  readonly eventName?: string;
  readonly bucket: string;
  readonly key: string;
}

export type DecodedMessage =
  | { readonly kind: 'test-event' }
  | { readonly kind: 'work'; readonly objects: ObjectWork[]; readonly ignored: IgnoredRecord[] };

/** Thrown for a body that is none of the accepted shapes; the message says what was wrong. */
export class MalformedMessageError extends Error {}

export function decodeMessageBody(body: string): DecodedMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MalformedMessageError(`body is not JSON: ${preview(body)}`);
  }
  if (!isObject(parsed)) throw new MalformedMessageError(`body is not a JSON object: ${preview(body)}`);
  if (parsed.Type === 'Notification' && typeof parsed.Message === 'string') return decodeMessageBody(parsed.Message);
  if (parsed.Event === 's3:TestEvent') return { kind: 'test-event' };
  if (parsed.type === CONTINUATION_TYPE) return { kind: 'work', objects: [decodeContinuation(parsed)], ignored: [] };
  if (Array.isArray(parsed.Records)) return decodeS3Records(parsed.Records);
  throw new MalformedMessageError(`not an S3 event, test event or continuation: ${preview(body)}`);
}

/**
 * Event name of a backfill message that re-ingests an object the ledger has as done (an `ObjectCreated:*` name, so
 * handlers of before the ledger ingest it as any backfill message).
 */
export const REINGEST_EVENT_NAME = 'ObjectCreated:Reingest';

/** Whether an S3 event name is one this handler ingests: `ObjectCreated:*`, or absent (older and hand-made shapes). */
export const isIngestEvent = (eventName: unknown): boolean =>
  eventName === undefined || (typeof eventName === 'string' && eventName.startsWith('ObjectCreated:'));

function decodeS3Records(records: readonly unknown[]): DecodedMessage {
  const objects: ObjectWork[] = [];
  const ignored: IgnoredRecord[] = [];
  const seen = new Set<string>();
  records.forEach((r, index) => {
    const eventName = (r as { eventName?: unknown }).eventName;
    const decoded = decodeS3Record(r, index);
    const work = eventName === REINGEST_EVENT_NAME ? { ...decoded, reingest: true } : decoded;
    const where = { index, bucket: work.bucket, key: work.key };
    if (!isIngestEvent(eventName)) ignored.push({ ...where, why: 'event', eventName: String(eventName) });
    else if (seen.has(JSON.stringify([work.bucket, work.key]))) ignored.push({ ...where, why: 'duplicate' });
    else {
      seen.add(JSON.stringify([work.bucket, work.key]));
      objects.push(work);
    }
  });
  return { kind: 'work', objects, ignored };
}

function decodeS3Record(record: unknown, index: number): ObjectWork {
  const s3 = isObject(record) && isObject(record.s3) ? record.s3 : undefined;
  const bucket = s3 && isObject(s3.bucket) ? s3.bucket.name : undefined;
  const object = s3 && isObject(s3.object) ? s3.object : undefined;
  if (typeof bucket !== 'string' || !object || typeof object.key !== 'string') {
    throw new MalformedMessageError(`Records[${index}] has no s3.bucket.name / s3.object.key`);
  }
  let key: string;
  try {
    key = decodeEventKey(object.key);
  } catch {
    throw new MalformedMessageError(`Records[${index}] key is not URL-encoded correctly: ${preview(object.key)}`);
  }
  return {
    bucket,
    key,
    ...(typeof object.size === 'number' ? { size: object.size } : {}),
    ...(typeof object.eTag === 'string' && object.eTag !== '' ? { eventEtag: object.eTag } : {}),
    resumeAfterLine: 0,
    doneRanges: [],
    attemptsWithoutProgress: 0,
    continuations: 0,
  };
}

function decodeContinuation(c: Record<string, unknown>): ObjectWork {
  const ok =
    c.version === 1 &&
    typeof c.bucket === 'string' &&
    typeof c.key === 'string' &&
    isCount(c.resumeAfterLine) &&
    isCount(c.attemptsWithoutProgress) &&
    isCount(c.continuations) &&
    Array.isArray(c.doneRanges) &&
    c.doneRanges.every((r) => Array.isArray(r) && r.length === 2 && isLine(r[0]) && isLine(r[1]) && r[0] <= r[1]) &&
    (c.etag === undefined || typeof c.etag === 'string');
  if (!ok) throw new MalformedMessageError(`invalid continuation: ${preview(JSON.stringify(c))}`);
  const position = normalisePosition(c.resumeAfterLine as number, c.doneRanges as [number, number][]);
  if (typeof position === 'string') {
    throw new MalformedMessageError(`invalid continuation: ${position}: ${preview(JSON.stringify(c))}`);
  }
  return {
    bucket: c.bucket as string,
    key: c.key as string,
    ...(c.etag ? { etag: c.etag as string } : {}),
    ...position,
    attemptsWithoutProgress: c.attemptsWithoutProgress as number,
    continuations: c.continuations as number,
  };
}

/** Where an object stands: every line through `resumeAfterLine` done, and the lines in `doneRanges` after it. */
export interface Position {
  readonly resumeAfterLine: number;
  readonly doneRanges: [number, number][];
}

/**
 * Sorts done ranges, merges adjacent ones, drops those at or before the checkpoint and folds a range that continues
 * the checkpoint into it. Pure.
 * @returns the normal form, or a description of the problem when two ranges overlap (a line cannot be done twice;
 *   this handler never writes that, so it means a damaged or forged continuation)
 */
export function normalisePosition(
  resumeAfterLine: number,
  ranges: readonly (readonly [number, number])[],
): Position | string {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  let checkpoint = resumeAfterLine;
  const out: [number, number][] = [];
  for (let i = 0; i < sorted.length; i++) {
    const [a, b] = sorted[i]!;
    const prev = sorted[i - 1];
    if (prev && a <= prev[1]) return `done ranges [${prev}] and [${a},${b}] overlap`;
    if (b <= checkpoint) continue;
    const last = out[out.length - 1];
    if (!last && a <= checkpoint + 1) checkpoint = b;
    else if (last && a === last[1] + 1) last[1] = b;
    else out.push([a, b]);
  }
  return { resumeAfterLine: checkpoint, doneRanges: out };
}

/** The lines not yet done, as inclusive ranges; the last is open-ended (`null`: to the end of the file). */
export function undeliveredRanges(position: Position): [number, number | null][] {
  const out: [number, number | null][] = [];
  let from = position.resumeAfterLine + 1;
  for (const [a, b] of position.doneRanges) {
    if (a > from) out.push([from, a - 1]);
    from = Math.max(from, b + 1);
  }
  out.push([from, null]);
  return out;
}

/**
 * The body of a continuation message for `c`'s object, normalised, with the human-readable position
 * ({@link Continuation.firstUndeliveredLine}, {@link Continuation.undeliveredRanges}) that a dead-lettered copy shows.
 */
export function encodeContinuation(
  c: Omit<Continuation, 'type' | 'version' | 'firstUndeliveredLine' | 'undeliveredRanges'>,
): string {
  const position = normalisePosition(c.resumeAfterLine, c.doneRanges);
  if (typeof position === 'string') throw new RangeError(`cannot encode a continuation: ${position}`);
  const message: Continuation = {
    type: CONTINUATION_TYPE,
    version: 1,
    ...c,
    ...position,
    firstUndeliveredLine: position.resumeAfterLine + 1,
    undeliveredRanges: undeliveredRanges(position),
  };
  return JSON.stringify(message);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isLine = (v: unknown): v is number => isCount(v) && v >= 1;
const preview = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);
