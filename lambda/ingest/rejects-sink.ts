/**
 * Writes one source file's rejected lines as a single gzipped NDJSON object, streamed as they arrive (one PUT per
 * file however many lines are bad, so a bad format day cannot flood logs or queues). Nothing is written when no line
 * was rejected.
 *
 * Key: `<prefix><source bucket>/<source key>.from-line-<n>.ndjson.gz`, where n is the first line this invocation
 * read. The name is deterministic, so a retried segment overwrites its own object instead of adding a copy.
 */
import { PassThrough } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { RejectedLine } from '../parser/parse-object';

export interface RejectsLocation {
  readonly bucket: string;
  readonly prefix: string;
}

export function rejectsKey(location: RejectsLocation, sourceBucket: string, sourceKey: string, fromLine: number) {
  return `${location.prefix}${sourceBucket}/${sourceKey}.from-line-${fromLine}.ndjson.gz`;
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
    private readonly options: RejectsSinkOptions = {},
  ) {}

  /**
   * Queues one rejected line; waits when the upload is slower than the input (backpressure), but never past the
   * upload's end: once it failed or was aborted, lines are dropped here and close() reports the failure.
   */
  async add(reject: RejectedLine): Promise<void> {
    if (!this.gzip) this.open();
    this.count++;
    if (this.failed) return;
    if (!this.gzip!.write(`${JSON.stringify(reject)}\n`)) {
      const gzip = this.gzip!;
      let onDrain = () => {};
      const drained = new Promise<void>((resolve) => {
        onDrain = resolve;
        gzip.once('drain', resolve);
      });
      await Promise.race([drained, this.settled]);
      gzip.off('drain', onDrain);
    }
  }

  /** Completes the object (if any line was rejected). Throws if the upload failed or was aborted. */
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
