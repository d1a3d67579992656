/**
 * Writes one run's rejected lines of one source file as a single gzipped NDJSON object, streamed as they arrive (one
 * PUT per run however many lines are bad, so a bad format day cannot flood logs or queues). Nothing is written when no
 * line was rejected. Each NDJSON line is `{bucket, file, line, reason, raw}`: the full source bucket and key are
 * always inside the object, even when its name had to be shortened.
 *
 * Key: `<prefix><source bucket>/<source key>.from-line-<n>.run-<c>.ndjson.gz`, where n is the first line the run
 * could read (`resumeAfterLine + 1`) and c the number of continuations before it (0 for the S3 event itself).
 * - A retry of the same run (SQS redelivering the same message, a redrive from the dead-letter queue, a crash before
 *   the continuation was enqueued) has the same input, so the same name: it overwrites its own object, and the lines
 *   it rejects again are the ones it did not skip, the same set.
 * - The next run of the chain has a higher c, so a new name, even when it resumes at the same checkpoint (the first
 *   Firehose batch failed): it never replaces an object holding lines it will skip. A rejected line only counts as
 *   done once its object is stored (the caller marks the lines pending again when the write fails).
 * - S3 keys are at most 1,024 UTF-8 bytes (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
 *   When the full name would be longer, the source part is cut on a character boundary and followed by `~` and the
 *   SHA-256 (hex) of `<source bucket>/<source key>`, so the name stays unique and deterministic.
 */
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { RejectedLine } from '../parser/parse-object';

/** S3's limit on the UTF-8 length of an object key. */
export const MAX_S3_KEY_BYTES = 1024;

export interface RejectsLocation {
  readonly bucket: string;
  readonly prefix: string;
}

/** Which run over a source file wrote the object: first line it could read, and continuations before it. */
export interface RejectsSegment {
  readonly fromLine: number;
  readonly run: number;
  /**
   * With the object ledger only: the lines the ledger had done when the run started, and the part of this run (a
   * run that persists checkpoints closes its rejects object at a checkpoint and starts a new part). Key suffix
   * `.done-<d>.part-<p>`. The ledger's done set only grows, so `d` names the starting state: a run that starts where
   * a killed run started (nothing persisted in between) overwrites that run's parts, whose lines the ledger does not
   * count as done; a run that starts after a persisted checkpoint has a larger `d`, so it never replaces a part the
   * ledger counts. Without the ledger there are no parts and the key is as before.
   */
  readonly ledger?: { readonly doneLines: number; readonly part: number };
}

/** The rejects object's key for one run over `sourceKey`; always a valid S3 key (see the module comment). */
export function rejectsKey(
  location: RejectsLocation,
  sourceBucket: string,
  sourceKey: string,
  segment: RejectsSegment,
): string {
  const source = `${sourceBucket}/${sourceKey}`;
  const parts = segment.ledger ? `.done-${segment.ledger.doneLines}.part-${segment.ledger.part}` : '';
  const suffix = `.from-line-${segment.fromLine}.run-${segment.run}${parts}.ndjson.gz`;
  const full = `${location.prefix}${source}${suffix}`;
  if (Buffer.byteLength(full) <= MAX_S3_KEY_BYTES) return full;
  const hash = `~${createHash('sha256').update(source).digest('hex')}`;
  const room = MAX_S3_KEY_BYTES - Buffer.byteLength(location.prefix) - Buffer.byteLength(suffix) - hash.length;
  if (room < 0) throw new RangeError(`rejects prefix too long for an S3 key: ${location.prefix.slice(0, 80)}…`);
  return `${location.prefix}${utf8Head(source, room)}${hash}${suffix}`;
}

/** The longest prefix of `s` whose UTF-8 form fits in `maxBytes`, cut between characters. */
export function utf8Head(s: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) break;
    bytes += n;
    out += ch;
  }
  return out;
}

export interface RejectsSinkOptions {
  /**
   * Aborts the upload (lib-storage's `Upload.abort()`): the invocation's deadline for data calls. close() then
   * throws, so the caller counts the rejected lines as not done and reads them again next time.
   */
  readonly signal?: AbortSignal;
}

export class RejectsSink {
  private gzip: Gzip | undefined;
  private upload: Promise<unknown> | undefined;
  /** Settles (never rejects) when the upload ends, either way. */
  private settled: Promise<void> | undefined;
  private failed = false;
  count = 0;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    readonly key: string,
    /** The source file's bucket, written into every line. */
    private readonly sourceBucket: string,
    private readonly options: RejectsSinkOptions = {},
  ) {}

  /**
   * Queues one rejected line; waits when the upload is slower than the input (backpressure), but never past the
   * upload's end: a failed or aborted upload stops reading its body, so 'drain' would never come. Once it has
   * failed, lines are dropped here and close() reports the failure.
   */
  async add(reject: RejectedLine): Promise<void> {
    if (!this.gzip) this.open();
    this.count++;
    if (this.failed) return;
    const gzip = this.gzip!;
    if (gzip.write(`${JSON.stringify({ bucket: this.sourceBucket, ...reject })}\n`)) return;
    let onDrain = () => {};
    const drained = new Promise<void>((resolve) => {
      onDrain = resolve;
      gzip.once('drain', resolve);
    });
    await Promise.race([drained, this.settled]);
    gzip.off('drain', onDrain);
  }

  /** Completes the object (if any line was rejected). Throws the upload's own error if it failed or was aborted. */
  async close(): Promise<void> {
    if (!this.gzip) return;
    if (!this.failed) this.gzip.end();
    await this.upload;
  }

  private open(): void {
    const gzip = createGzip();
    const body = new PassThrough();
    gzip.pipe(body);
    this.gzip = gzip;
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: this.key,
        Body: body,
        ContentType: 'application/gzip',
      },
    });
    this.upload = upload.done();
    // After done(): it is what listens for the abort.
    const { signal } = this.options;
    const abort = () => void upload.abort();
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
    this.settled = this.upload.then(
      () => {},
      () => {
        this.failed = true;
      },
    );
    this.settled.then(() => signal?.removeEventListener('abort', abort));
    // Surface an upload failure at close(), not as an unhandled rejection while lines are still being parsed.
    this.upload.catch(() => {});
  }
}
