/**
 * S3 helpers shared by the scheduled check and the operator commands: paged listing (keys and "folders") and S3's
 * key order.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

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

export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.name && e.name !== 'Error' && !e.message.startsWith(e.name) ? `${e.name}: ${e.message}` : e.message;
}
