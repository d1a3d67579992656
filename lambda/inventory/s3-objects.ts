/**
 * S3 helpers shared by the operator commands: paged listing (keys and "folders"), S3's key order, and reading an
 * object as numbered text lines (gzipped or plain, by magic bytes) with the pipeline's own reader.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { decompressed } from '../reader/decompress';
import { CutLine, lineBlocks, OverlongLine } from '../reader/line-blocks';

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date | undefined;
  /** ETag as S3 lists it (quoted). */
  readonly etag: string | undefined;
}

export interface ListOptions {
  /** List keys after this one (exclusive). */
  readonly startAfter?: string;
  /** Called once per ListObjectsV2 request (for progress and tests). */
  readonly onRequest?: () => void;
  /**
   * The abort signal of each request, asked for just before it is sent: a caller with a deadline (the scheduled
   * check) bounds every call by the time it has left, on top of the client's own timeouts.
   */
  readonly callSignal?: () => AbortSignal | undefined;
}

/** The SDK's per-call options (`send(command, { abortSignal })`) for one request. */
function callOptions(options: Pick<ListOptions, 'callSignal'>): { abortSignal?: AbortSignal } {
  const abortSignal = options.callSignal?.();
  return abortSignal ? { abortSignal } : {};
}

/** Every object under `prefix`, in S3's order (UTF-8 byte order of the keys), page by page. */
export async function* listObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: ListOptions = {},
): AsyncGenerator<ListedObject> {
  let token: string | undefined;
  do {
    options.onRequest?.();
    const res = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : options.startAfter ? { StartAfter: options.startAfter } : {}),
      }),
      callOptions(options),
    );
    for (const o of res.Contents ?? []) {
      if (o.Key === undefined) continue;
      yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified, etag: o.ETag };
    }
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
}

/** The "folders" directly under `prefix` (CommonPrefixes with Delimiter '/'), each ending in '/', in S3's order. */
export async function listFolders(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: Pick<ListOptions, 'onRequest' | 'callSignal'> = {},
): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    options.onRequest?.();
    const res = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        Delimiter: '/',
        ...(token ? { ContinuationToken: token } : {}),
      }),
      callOptions(options),
    );
    for (const p of res.CommonPrefixes ?? []) if (p.Prefix !== undefined) out.push(p.Prefix);
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return out.sort(compareKeys);
}

/** S3 orders keys by their UTF-8 bytes (not by UTF-16 code units as JavaScript's `<` does). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** One line of an object: its 1-based number and text, or `overlong` when it was too long to keep. */
export interface NumberedLine {
  readonly line: number;
  readonly text: string;
  /** Set when the line exceeded the reader's limit (its length in bytes): `text` is only its head. */
  readonly overlongBytes?: number;
}

/** Reads an object as text lines (gunzipped when it starts with the gzip magic bytes). */
export async function* readObjectLines(s3: S3Client, bucket: string, key: string): AsyncGenerator<NumberedLine> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = res.Body as Readable | undefined;
  if (!body) return;
  let n = 0;
  try {
    for await (const block of lineBlocks(decompressed(body, { compressedBytes: 0, rawBytes: 0 }))) {
      if (block instanceof OverlongLine) yield { line: ++n, text: block.head, overlongBytes: block.length };
      // A line cut by gzip damage is shown as it is; the damage itself is thrown right after it.
      else if (block instanceof CutLine) yield { line: ++n, text: block.text };
      else {
        for (let i = 0; i < block.starts.length; i++) {
          yield { line: ++n, text: block.bytes.toString('utf8', block.starts[i], block.ends[i]) };
        }
      }
    }
  } finally {
    body.destroy();
  }
}

/** `12.3 MB`-style size for humans (decimal units, as S3's console shows). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

/** `528 bytes`, or `12.3 MB (12345678 bytes)` when a unit helps. */
export function bytesText(n: number): string {
  return n < 1000 ? `${n} bytes` : `${formatBytes(n)}, ${n} bytes`;
}

/** The HTTP status of an SDK error, when it has one. */
export function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.name && e.name !== 'Error' && !e.message.startsWith(e.name) ? `${e.name}: ${e.message}` : e.message;
}
