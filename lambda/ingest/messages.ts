/**
 * Decodes the bodies of messages on the ingest queue into work. A message may carry:
 * - an S3 event notification (one or more `Records`), or a backfill message of the same shape;
 * - the `s3:TestEvent` S3 sends when a notification is configured (acknowledged, no work);
 * - an S3 event wrapped in an SNS notification (SNS fan-out, for buckets whose notifications are already taken);
 * - a continuation of our own (see {@link Continuation}).
 * Anything else is malformed: the caller fails that message so it ends in the DLQ, where an operator can read it.
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
}

export const CONTINUATION_TYPE = 'alb-iceberg/continuation';

export type DecodedMessage =
  | { readonly kind: 'test-event' }
  | { readonly kind: 'work'; readonly objects: ObjectWork[] };

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
  if (parsed.type === CONTINUATION_TYPE) return { kind: 'work', objects: [decodeContinuation(parsed)] };
  if (Array.isArray(parsed.Records)) {
    const objects = parsed.Records.map((r, i) => decodeS3Record(r, i));
    return { kind: 'work', objects };
  }
  throw new MalformedMessageError(`not an S3 event, test event or continuation: ${preview(body)}`);
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
    c.doneRanges.every((r) => Array.isArray(r) && r.length === 2 && isCount(r[0]) && isCount(r[1]) && r[0] <= r[1]) &&
    (c.etag === undefined || typeof c.etag === 'string');
  if (!ok) throw new MalformedMessageError(`invalid continuation: ${preview(JSON.stringify(c))}`);
  return {
    bucket: c.bucket as string,
    key: c.key as string,
    ...(c.etag ? { etag: c.etag as string } : {}),
    resumeAfterLine: c.resumeAfterLine as number,
    doneRanges: c.doneRanges as [number, number][],
    attemptsWithoutProgress: c.attemptsWithoutProgress as number,
    continuations: c.continuations as number,
  };
}

/** The body of a continuation message for `work`'s object. */
export function encodeContinuation(c: Omit<Continuation, 'type' | 'version'>): string {
  const message: Continuation = { type: CONTINUATION_TYPE, version: 1, ...c };
  return JSON.stringify(message);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const preview = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);
