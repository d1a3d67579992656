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

export class RejectsSink {
  private gzip: Gzip | undefined;
  private upload: Promise<unknown> | undefined;
  count = 0;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    readonly key: string,
  ) {}

  /** Queues one rejected line; waits when the upload is slower than the input (backpressure). */
  async add(reject: RejectedLine): Promise<void> {
    if (!this.gzip) this.open();
    this.count++;
    if (!this.gzip!.write(`${JSON.stringify(reject)}\n`)) await new Promise<void>((r) => this.gzip!.once('drain', r));
  }

  /** Completes the object (if any line was rejected). Throws if the upload failed. */
  async close(): Promise<void> {
    if (!this.gzip) return;
    this.gzip.end();
    await this.upload;
  }

  private open(): void {
    const gzip = createGzip();
    const body = new PassThrough();
    gzip.pipe(body);
    this.gzip = gzip;
    this.upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: this.key,
        Body: body,
        ContentType: 'application/gzip',
      },
    }).done();
    // Surface an upload failure at close(), not as an unhandled rejection while lines are still being parsed.
    this.upload.catch(() => {});
  }
}
