/**
 * LocalS3: a minimal, in-memory, S3-compatible server on loopback for the real @aws-sdk/client-s3, path-style
 * (`http://127.0.0.1:PORT/bucket/key`). Implements: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, PutObject,
 * GetObject (Range, If-Match, If-None-Match), HeadObject, CopyObject, DeleteObject, ListObjectsV2 (prefix, delimiter,
 * start-after, max-keys, continuation-token, encoding-type=url). Errors are S3's XML (`<Error><Code>NoSuchKey</Code>…`)
 * with S3's status codes; HEAD errors have no body, as on S3 (the SDK then names them NotFound / Forbidden).
 *
 * Why not s3rver (npm 3.7.1, tried): it runs with SDK v3 on Node 20 for Buffer bodies, but it stores a streaming
 * PutObject body verbatim in the SDK's `aws-chunked` framing (`3\r\nabc\r\n…0\r\nx-amz-checksum-crc32:…`), because
 * it predates the SDK's default flexible checksums; it has no fault injection, is file-system backed, unmaintained
 * since 2021 and pulls in ~140 packages. This server decodes aws-chunked bodies (signed and unsigned, with trailers),
 * verifies Content-MD5 and the CRC32/CRC32C/SHA1/SHA256 checksums it is sent (BadDigest on mismatch), and returns
 * stored checksums on full-object GETs that ask for them (`x-amz-checksum-mode: ENABLED`, which the SDK sends by
 * default), so the SDK's response checksum validation runs too. Signatures are not checked.
 *
 * Faults: `denyAccess(bucket, key)` (AccessDenied 403 for that key), `cutBody(bucket, key, afterBytes)` (next GET
 * sends full headers, then `afterBytes` of body, then destroys the socket: the SDK's body stream errors mid-read),
 * `stallBody(bucket, key, afterBytes)` (same, but the socket stays open and silent: a body that stalls), and the
 * general `script(...)` / `behave(fn)` hooks (error, delay, dropped connection, cut body, hang: accept and never
 * answer) per request.
 *
 * SDK behaviours seen against this server (local-peers.test.ts):
 * - GetObject on a missing key: NoSuchKey (404). HeadObject errors have no body (as on S3): a 404 is named NotFound,
 *   a 403 is named 'Unknown' (check `$metadata.httpStatusCode`, not the name).
 * - A cut body: GetObject resolves (headers were complete); reading Body rejects with Error code ECONNRESET,
 *   message 'aborted'. The SDK does not retry that: the reader must re-issue the GET (e.g. with a Range).
 * - The SDK retries 5xx (e.g. SlowDown 503) for Buffer/string bodies, but never a PutObject whose Body is a stream
 *   ("An error was encountered in a non-retryable streaming request.").
 * - GetObject sends `x-amz-checksum-mode: ENABLED` by default and verifies a returned CRC32 while the body is read.
 *
 * Usage:
 *   const s3 = await LocalS3.start({ buckets: ['logs'] });
 *   s3.putObject('logs', 'AWSLogs/x.log.gz', gzipSync(text));            // seed directly
 *   const client = new S3Client(s3TestClientConfig(s3.endpoint));
 *   s3.cutBody('logs', 'AWSLogs/x.log.gz', 1000);
 *   s3.body('rejects', key)?.toString(); s3.keys('rejects'); s3.requests; await s3.close();
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { LoopbackHttp, readBody, requestId } from './aws-env';

export type S3Operation =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'HeadBucket'
  | 'DeleteBucket'
  | 'ListObjectsV2'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'Unsupported';

export interface S3ObjectState {
  readonly bucket: string;
  readonly key: string;
  readonly body: Buffer;
  /** Quoted MD5 hex, as S3 sends it. */
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  /** Checksums supplied at upload (e.g. { crc32: 'base64' }), keyed by lower-case algorithm. */
  readonly checksums: Readonly<Record<string, string>>;
}

/** What behaviour functions see about a request. */
export interface S3Request {
  readonly seq: number;
  readonly operation: S3Operation;
  readonly method: string;
  readonly bucket: string | undefined;
  readonly key: string | undefined;
  readonly headers: http.IncomingHttpHeaders;
  readonly query: URLSearchParams;
}

/** One entry of `requests`. */
export interface S3RequestLog {
  seq: number;
  operation: S3Operation;
  method: string;
  bucket: string | undefined;
  key: string | undefined;
  /** Request body bytes on the wire (before aws-chunked decoding). */
  requestBytes: number;
  status: number;
  errorCode: string | undefined;
  /** Body bytes sent for GetObject (less than the object when cut). */
  bytesSent: number;
}

export interface S3ErrorSpec {
  code: string;
  status?: number;
  message?: string;
}

/** How to answer one request; empty = normal handling. */
export interface S3Reply {
  delayMs?: number;
  /** Answer with this S3 error instead of handling the request. */
  error?: S3ErrorSpec;
  /** Destroy the connection without an answer. */
  dropConnection?: boolean;
  /** GetObject: send status and headers as usual, then only this many body bytes, then destroy the socket. */
  cutAfterBytes?: number;
  /**
   * Accept the request and never answer: the connection stays open until the client gives up (timeout or abort)
   * or the server closes. A peer that hangs. (A PutObject's body is read first, and nothing is stored.)
   */
  hang?: boolean;
  /**
   * GetObject: send status and headers as usual, then only this many body bytes, then nothing more, with the
   * connection left open until the client gives up or the server closes (a body that stalls mid-stream).
   */
  stallAfterBytes?: number;
}

export type S3Behaviour = (request: S3Request) => S3Reply | undefined;

export interface LocalS3Options {
  buckets?: string[];
}

const STATUS: Record<string, number> = {
  AccessDenied: 403,
  NoSuchKey: 404,
  NoSuchBucket: 404,
  BucketNotEmpty: 409,
  InvalidRange: 416,
  PreconditionFailed: 412,
  NotModified: 304,
  BadDigest: 400,
  InvalidDigest: 400,
  InvalidArgument: 400,
  InvalidRequest: 400,
  NotImplemented: 501,
  InternalError: 500,
  SlowDown: 503,
  ServiceUnavailable: 503,
};

const MESSAGES: Record<string, string> = {
  AccessDenied: 'Access Denied',
  NoSuchKey: 'The specified key does not exist.',
  NoSuchBucket: 'The specified bucket does not exist',
  BucketNotEmpty: 'The bucket you tried to delete is not empty',
  InvalidRange: 'The requested range is not satisfiable',
  PreconditionFailed: 'At least one of the pre-conditions you specified did not hold',
  BadDigest: 'The Content-MD5 or checksum value that you specified did not match what the server received.',
  NotImplemented: 'A header or query you provided implies functionality that is not implemented.',
  InternalError: 'We encountered an internal error. Please try again.',
  SlowDown: 'Please reduce your request rate.',
};

class S3Failure extends Error {
  constructor(
    readonly code: string,
    message?: string,
    readonly extra: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? MESSAGES[code] ?? code);
  }
}

interface Bucket {
  readonly name: string;
  readonly created: Date;
  readonly objects: Map<string, S3ObjectState>;
}

export class LocalS3 {
  private readonly buckets = new Map<string, Bucket>();
  private readonly scripted: (S3Reply | S3Behaviour)[] = [];
  private behaviour: S3Behaviour | undefined;
  private readonly denied = new Map<string, Set<S3Operation> | 'all'>();
  private readonly cuts = new Map<string, { afterBytes: number; remaining: number }>();
  private readonly stalls = new Map<string, { afterBytes: number; remaining: number }>();
  /** Requests accepted and left unanswered (hang) or with a stalled body (stallBody) since the last reset. */
  hung = 0;
  private readonly log: S3RequestLog[] = [];

  private constructor(private readonly http: LoopbackHttp) {}

  static async start(options: LocalS3Options = {}): Promise<LocalS3> {
    let self: LocalS3 | undefined;
    const loop = await LoopbackHttp.listen((req, res) => self!.handle(req, res));
    self = new LocalS3(loop);
    for (const name of options.buckets ?? []) self.createBucket(name);
    return self;
  }

  /** `http://127.0.0.1:PORT` (an IP endpoint: the SDK uses path style with it even without forcePathStyle). */
  get endpoint(): string {
    return this.http.endpoint;
  }

  get port(): number {
    return this.http.port;
  }

  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, { name, created: new Date(), objects: new Map() });
  }

  /** Store an object directly (no HTTP). */
  putObject(
    bucket: string,
    key: string,
    body: Buffer | Uint8Array | string,
    options: {
      contentType?: string;
      contentEncoding?: string;
      metadata?: Record<string, string>;
      /** LastModified of the stored object (default: now, whole seconds as S3 lists it), to seed old objects. */
      lastModified?: Date;
    } = {},
  ): S3ObjectState {
    const b = this.requireBucket(bucket);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    const state: S3ObjectState = {
      bucket,
      key,
      body: bytes,
      etag: etagOf(bytes),
      lastModified: options.lastModified ?? nowSeconds(),
      contentType: options.contentType,
      contentEncoding: options.contentEncoding,
      metadata: { ...options.metadata },
      checksums: {},
    };
    b.objects.set(key, state);
    return state;
  }

  getObject(bucket: string, key: string): S3ObjectState | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  /** The stored bytes of an object, or undefined. */
  body(bucket: string, key: string): Buffer | undefined {
    return this.getObject(bucket, key)?.body;
  }

  /** Keys in a bucket (sorted as S3 lists them), optionally under a prefix. */
  keys(bucket: string, prefix = ''): string[] {
    const b = this.buckets.get(bucket);
    if (!b) return [];
    return sortKeys([...b.objects.keys()].filter((k) => k.startsWith(prefix)));
  }

  deleteObject(bucket: string, key: string): void {
    this.buckets.get(bucket)?.objects.delete(key);
  }

  /**
   * Answer AccessDenied (403) for requests on this key: all operations, or only those listed (e.g. ['GetObject']).
   * CopyObject is denied when either its source (as GetObject) or its destination (as PutObject) is denied.
   */
  denyAccess(bucket: string, key: string, operations?: S3Operation[]): void {
    this.denied.set(`${bucket}/${key}`, operations ? new Set(operations) : 'all');
  }

  allowAccess(bucket: string, key: string): void {
    this.denied.delete(`${bucket}/${key}`);
  }

  /** The next `times` GetObject responses for this key are cut after `afterBytes` body bytes (socket destroyed). */
  cutBody(bucket: string, key: string, afterBytes: number, times = 1): void {
    this.cuts.set(`${bucket}/${key}`, { afterBytes, remaining: times });
  }

  /**
   * The next `times` GetObject responses for this key send headers and `afterBytes` body bytes, then stall: no
   * more bytes, connection open, until the client gives up or the server closes.
   */
  stallBody(bucket: string, key: string, afterBytes: number, times = 1): void {
    this.stalls.set(`${bucket}/${key}`, { afterBytes, remaining: times });
  }

  /** Queue replies for the next requests, one each (functions are called with the request), before behave(). */
  script(...replies: (S3Reply | S3Behaviour)[]): void {
    this.scripted.push(...replies);
  }

  behave(behaviour: S3Behaviour | undefined): void {
    this.behaviour = behaviour;
  }

  get requests(): readonly S3RequestLog[] {
    return this.log;
  }

  /** Forget objects, faults, script, behaviour and the request log (buckets stay, emptied). */
  reset(): void {
    for (const b of this.buckets.values()) b.objects.clear();
    this.scripted.length = 0;
    this.behaviour = undefined;
    this.denied.clear();
    this.cuts.clear();
    this.stalls.clear();
    this.hung = 0;
    this.log.length = 0;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  // -------------------------------------------------------------------------------------------------------------

  private requireBucket(name: string): Bucket {
    const b = this.buckets.get(name);
    if (!b) throw new S3Failure('NoSuchBucket', undefined, { BucketName: name });
    return b;
  }

  private isDenied(bucket: string, key: string, operation: S3Operation): boolean {
    const rule = this.denied.get(`${bucket}/${key}`);
    return rule === 'all' || rule?.has(operation) === true;
  }

  private nextReply(request: S3Request): S3Reply {
    const scripted = this.scripted.shift();
    if (scripted !== undefined) return (typeof scripted === 'function' ? scripted(request) : scripted) ?? {};
    return this.behaviour?.(request) ?? {};
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const { bucket, key } = splitPath(url.pathname, req.headers.host);
    const method = req.method ?? 'GET';
    const operation = classify(method, bucket, key, url.searchParams, req.headers);
    const entry: S3RequestLog = {
      seq: this.log.length,
      operation,
      method,
      bucket,
      key,
      requestBytes: raw.length,
      status: 0,
      errorCode: undefined,
      bytesSent: 0,
    };
    this.log.push(entry);
    const request: S3Request = {
      seq: entry.seq,
      operation,
      method,
      bucket,
      key,
      headers: req.headers,
      query: url.searchParams,
    };
    const reply = this.nextReply(request);

    if (reply.delayMs && !(await this.http.sleep(reply.delayMs))) {
      res.destroy();
      return;
    }
    if (res.destroyed) return;
    if (reply.dropConnection) {
      res.socket?.destroy();
      res.destroy();
      return;
    }
    if (reply.hang) {
      this.hung++;
      await untilClosed(res);
      return;
    }
    try {
      if (reply.error) throw new S3Failure(reply.error.code, reply.error.message, {}, {});
      if (bucket !== undefined && key !== undefined && this.isDenied(bucket, key, operation)) {
        throw new S3Failure('AccessDenied');
      }
      await this.dispatch(operation, req, res, { bucket, key, url, raw, entry, reply });
    } catch (error) {
      if (!(error instanceof S3Failure)) throw error;
      const status = (reply.error?.code === error.code ? reply.error.status : undefined) ?? STATUS[error.code] ?? 400;
      entry.status = status;
      entry.errorCode = error.code;
      sendError(res, method, status, error, bucket, key);
    }
  }

  private async dispatch(
    operation: S3Operation,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    ctx: {
      bucket: string | undefined;
      key: string | undefined;
      url: URL;
      raw: Buffer;
      entry: S3RequestLog;
      reply: S3Reply;
    },
  ): Promise<void> {
    const { bucket, key, entry } = ctx;
    const ok = (status: number, headers: Record<string, string | number>, body?: Buffer | string): void => {
      entry.status = status;
      const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
      res.writeHead(status, {
        'x-amz-request-id': requestId(),
        'x-amz-id-2': requestId(),
        ...(payload ? { 'content-length': payload.length } : { 'content-length': 0 }),
        ...headers,
      });
      res.end(payload);
    };

    switch (operation) {
      case 'ListBuckets': {
        const items = [...this.buckets.values()]
          .map((b) => `<Bucket><Name>${xml(b.name)}</Name><CreationDate>${iso(b.created)}</CreationDate></Bucket>`)
          .join('');
        ok(
          200,
          { 'content-type': 'application/xml' },
          `${XML_HEAD}<ListAllMyBucketsResult xmlns="${S3_NS}"><Owner><ID>local</ID></Owner><Buckets>${items}</Buckets></ListAllMyBucketsResult>`,
        );
        return;
      }
      case 'CreateBucket':
        this.createBucket(bucket!);
        ok(200, { location: `/${bucket}` });
        return;
      case 'HeadBucket':
        this.requireBucket(bucket!);
        ok(200, { 'x-amz-bucket-region': 'us-east-1' });
        return;
      case 'DeleteBucket': {
        const b = this.requireBucket(bucket!);
        if (b.objects.size > 0) throw new S3Failure('BucketNotEmpty', undefined, { BucketName: bucket! });
        this.buckets.delete(bucket!);
        ok(204, {});
        return;
      }
      case 'ListObjectsV2':
        ok(200, { 'content-type': 'application/xml' }, this.listObjectsV2(bucket!, ctx.url.searchParams));
        return;
      case 'PutObject': {
        const b = this.requireBucket(bucket!);
        const body = decodeUploadBody(req.headers, ctx.raw);
        const checksums = verifyChecksums(req.headers, body.trailers, body.bytes);
        if (req.headers['if-none-match'] === '*' && b.objects.has(key!)) throw new S3Failure('PreconditionFailed');
        const state: S3ObjectState = {
          bucket: bucket!,
          key: key!,
          body: body.bytes,
          etag: etagOf(body.bytes),
          lastModified: nowSeconds(),
          contentType: header(req.headers, 'content-type'),
          contentEncoding: stripAwsChunked(header(req.headers, 'content-encoding')),
          metadata: metadataOf(req.headers),
          checksums,
        };
        b.objects.set(key!, state);
        const checksumHeaders: Record<string, string> = {};
        for (const [algorithm, value] of Object.entries(checksums))
          checksumHeaders[`x-amz-checksum-${algorithm}`] = value;
        ok(200, { etag: state.etag, ...checksumHeaders });
        return;
      }
      case 'CopyObject': {
        const source = parseCopySource(header(req.headers, 'x-amz-copy-source') ?? '');
        if (this.isDenied(source.bucket, source.key, 'GetObject')) throw new S3Failure('AccessDenied');
        if (this.isDenied(bucket!, key!, 'PutObject')) throw new S3Failure('AccessDenied');
        const from = this.requireBucket(source.bucket).objects.get(source.key);
        if (!from) throw new S3Failure('NoSuchKey', undefined, { Key: source.key });
        const to = this.requireBucket(bucket!);
        const replace = header(req.headers, 'x-amz-metadata-directive')?.toUpperCase() === 'REPLACE';
        const state: S3ObjectState = {
          ...from,
          bucket: bucket!,
          key: key!,
          lastModified: nowSeconds(),
          ...(replace
            ? {
                contentType: header(req.headers, 'content-type'),
                contentEncoding: header(req.headers, 'content-encoding'),
                metadata: metadataOf(req.headers),
              }
            : {}),
        };
        to.objects.set(key!, state);
        ok(
          200,
          { 'content-type': 'application/xml' },
          `${XML_HEAD}<CopyObjectResult xmlns="${S3_NS}"><LastModified>${iso(state.lastModified)}</LastModified><ETag>${xml(state.etag)}</ETag></CopyObjectResult>`,
        );
        return;
      }
      case 'DeleteObject':
        this.requireBucket(bucket!).objects.delete(key!);
        ok(204, {});
        return;
      case 'GetObject':
      case 'HeadObject': {
        const state = this.requireBucket(bucket!).objects.get(key!);
        if (!state) throw new S3Failure('NoSuchKey', undefined, { Key: key! });
        const ifMatch = header(req.headers, 'if-match');
        if (ifMatch !== undefined && !etagMatches(ifMatch, state.etag)) throw new S3Failure('PreconditionFailed');
        const ifNoneMatch = header(req.headers, 'if-none-match');
        if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, state.etag)) {
          entry.status = 304;
          res.writeHead(304, { etag: state.etag, 'last-modified': state.lastModified.toUTCString() });
          res.end();
          return;
        }
        const size = state.body.length;
        const range = parseRange(header(req.headers, 'range'), size);
        const headers: Record<string, string | number> = {
          'accept-ranges': 'bytes',
          etag: state.etag,
          'last-modified': state.lastModified.toUTCString(),
          'content-type': state.contentType ?? 'binary/octet-stream',
        };
        if (state.contentEncoding) headers['content-encoding'] = state.contentEncoding;
        for (const [name, value] of Object.entries(state.metadata)) headers[`x-amz-meta-${name}`] = value;
        let start = 0;
        let end = size - 1;
        let status = 200;
        if (range) {
          ({ start, end } = range);
          status = 206;
          headers['content-range'] = `bytes ${start}-${end}/${size}`;
        } else if (header(req.headers, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') {
          for (const [algorithm, value] of Object.entries(state.checksums)) {
            headers[`x-amz-checksum-${algorithm}`] = value;
          }
          if (Object.keys(state.checksums).length > 0) headers['x-amz-checksum-type'] = 'FULL_OBJECT';
        }
        const slice = state.body.subarray(start, end + 1);
        headers['content-length'] = slice.length;
        headers['x-amz-request-id'] = requestId();
        entry.status = status;
        res.writeHead(status, headers);
        if (operation === 'HeadObject') {
          res.end();
          return;
        }
        const stall = ctx.reply.stallAfterBytes ?? this.takeStall(bucket!, key!);
        if (stall !== undefined && stall < slice.length) {
          this.hung++;
          const part = slice.subarray(0, stall);
          entry.bytesSent = part.length;
          res.write(part);
          await untilClosed(res);
          return;
        }
        const cut = ctx.reply.cutAfterBytes ?? this.takeCut(bucket!, key!);
        if (cut !== undefined && cut < slice.length) {
          const part = slice.subarray(0, cut);
          entry.bytesSent = part.length;
          res.write(part, () => {
            // Give the bytes a moment to leave, then kill the connection mid-body.
            setTimeout(() => res.socket?.destroy(), 5);
          });
          return;
        }
        entry.bytesSent = slice.length;
        res.end(slice);
        return;
      }
      default:
        throw new S3Failure('NotImplemented', `LocalS3 does not implement ${req.method} ${req.url}`);
    }
  }

  private takeStall(bucket: string, key: string): number | undefined {
    const id = `${bucket}/${key}`;
    const stall = this.stalls.get(id);
    if (!stall) return undefined;
    stall.remaining -= 1;
    if (stall.remaining <= 0) this.stalls.delete(id);
    return stall.afterBytes;
  }

  private takeCut(bucket: string, key: string): number | undefined {
    const id = `${bucket}/${key}`;
    const cut = this.cuts.get(id);
    if (!cut) return undefined;
    cut.remaining -= 1;
    if (cut.remaining <= 0) this.cuts.delete(id);
    return cut.afterBytes;
  }

  private listObjectsV2(bucketName: string, query: URLSearchParams): string {
    const b = this.requireBucket(bucketName);
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const startAfter = query.get('start-after') ?? '';
    const token = query.get('continuation-token');
    const urlEncoding = query.get('encoding-type') === 'url';
    const maxKeysRaw = query.get('max-keys');
    const maxKeys = maxKeysRaw === null ? 1000 : Number(maxKeysRaw);
    if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new S3Failure('InvalidArgument', 'Invalid max-keys');

    let after = startAfter;
    let skipPrefix: string | undefined;
    if (token !== null) {
      try {
        const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { a: string; p?: string };
        after = parsed.a;
        skipPrefix = parsed.p;
      } catch {
        throw new S3Failure('InvalidArgument', 'The continuation token provided is incorrect');
      }
    }

    type Item = { kind: 'key'; state: S3ObjectState } | { kind: 'prefix'; prefix: string; lastKey: string };
    const items: Item[] = [];
    for (const k of sortKeys([...b.objects.keys()])) {
      if (!k.startsWith(prefix)) continue;
      if (after && compareKeys(k, after) <= 0) continue;
      if (skipPrefix !== undefined && k.startsWith(skipPrefix)) continue;
      const rest = k.slice(prefix.length);
      const at = delimiter ? rest.indexOf(delimiter) : -1;
      if (at >= 0) {
        const common = prefix + rest.slice(0, at + delimiter.length);
        const last = items[items.length - 1];
        if (last?.kind === 'prefix' && last.prefix === common) {
          last.lastKey = k;
          continue;
        }
        items.push({ kind: 'prefix', prefix: common, lastKey: k });
      } else {
        items.push({ kind: 'key', state: b.objects.get(k)! });
      }
    }
    const page = items.slice(0, maxKeys);
    const truncated = items.length > page.length;
    const enc = (s: string): string => xml(urlEncoding ? encodeS3Url(s) : s);
    const parts: string[] = [
      `<Name>${xml(bucketName)}</Name>`,
      `<Prefix>${enc(prefix)}</Prefix>`,
      `<KeyCount>${page.length}</KeyCount>`,
      `<MaxKeys>${maxKeys}</MaxKeys>`,
    ];
    if (delimiter) parts.push(`<Delimiter>${enc(delimiter)}</Delimiter>`);
    parts.push(`<IsTruncated>${truncated}</IsTruncated>`);
    if (token !== null) parts.push(`<ContinuationToken>${xml(token)}</ContinuationToken>`);
    if (startAfter) parts.push(`<StartAfter>${enc(startAfter)}</StartAfter>`);
    if (urlEncoding) parts.push('<EncodingType>url</EncodingType>');
    const lastItem = page[page.length - 1];
    if (truncated && lastItem) {
      const next = lastItem.kind === 'key' ? { a: lastItem.state.key } : { a: lastItem.lastKey, p: lastItem.prefix };
      parts.push(
        `<NextContinuationToken>${xml(Buffer.from(JSON.stringify(next)).toString('base64'))}</NextContinuationToken>`,
      );
    }
    for (const item of page) {
      if (item.kind === 'key') {
        const s = item.state;
        parts.push(
          `<Contents><Key>${enc(s.key)}</Key><LastModified>${iso(s.lastModified)}</LastModified><ETag>${xml(s.etag)}</ETag><Size>${s.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
        );
      }
    }
    for (const item of page) {
      if (item.kind === 'prefix') parts.push(`<CommonPrefixes><Prefix>${enc(item.prefix)}</Prefix></CommonPrefixes>`);
    }
    return `${XML_HEAD}<ListBucketResult xmlns="${S3_NS}">${parts.join('')}</ListBucketResult>`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';
const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function iso(d: Date): string {
  return d.toISOString();
}

function nowSeconds(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

function etagOf(bytes: Buffer): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}

function etagMatches(condition: string, etag: string): boolean {
  return condition
    .split(',')
    .map((s) => s.trim())
    .some((c) => c === '*' || c === etag || `"${c}"` === etag);
}

function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function metadataOf(headers: http.IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) {
      metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
    }
  }
  return metadata;
}

function stripAwsChunked(encoding: string | undefined): string | undefined {
  if (encoding === undefined) return undefined;
  const rest = encoding
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'aws-chunked');
  return rest.length > 0 ? rest.join(',') : undefined;
}

/** S3 sorts keys by their UTF-8 bytes. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function sortKeys(keys: string[]): string[] {
  return keys.sort(compareKeys);
}

function encodeS3Url(s: string): string {
  return encodeURIComponent(s).replace(/%2F/g, '/');
}

/** Path style `/bucket/key`; also `bucket.localhost` virtual-hosted style, should a Host header carry it. */
/** Resolves when the response's connection closes (the client gave up, or the server is closing). */
function untilClosed(res: http.ServerResponse): Promise<void> {
  if (res.destroyed || res.socket?.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => res.once('close', () => resolve()));
}

function splitPath(pathname: string, host: string | undefined): { bucket?: string; key?: string } {
  const hostname = (host ?? '').replace(/:\d+$/, '');
  const decode = (s: string): string => decodeURIComponent(s);
  if (hostname.endsWith('.localhost')) {
    const bucket = hostname.slice(0, -'.localhost'.length);
    const key = pathname.slice(1);
    return key ? { bucket, key: decode(key) } : { bucket };
  }
  const path = pathname.slice(1);
  if (!path) return {};
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: decode(path) };
  const key = path.slice(slash + 1);
  const bucket = decode(path.slice(0, slash));
  return key ? { bucket, key: decode(key) } : { bucket };
}

function classify(
  method: string,
  bucket: string | undefined,
  key: string | undefined,
  query: URLSearchParams,
  headers: http.IncomingHttpHeaders,
): S3Operation {
  if (bucket === undefined) return method === 'GET' ? 'ListBuckets' : 'Unsupported';
  if (key === undefined) {
    const plain = [...query.keys()].every((k) => k !== 'delete' && k !== 'uploads' && k !== 'versions');
    if (method === 'PUT' && [...query.keys()].length === 0) return 'CreateBucket';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'DELETE' && [...query.keys()].length === 0) return 'DeleteBucket';
    if (method === 'GET' && plain && query.get('list-type') === '2') return 'ListObjectsV2';
    return 'Unsupported';
  }
  const subresource = ['uploads', 'uploadId', 'tagging', 'acl', 'retention', 'legal-hold', 'attributes'].some((s) =>
    query.has(s),
  );
  if (subresource) return 'Unsupported';
  switch (method) {
    case 'PUT':
      return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
    case 'GET':
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return 'DeleteObject';
    default:
      return 'Unsupported';
  }
}

function parseCopySource(raw: string): { bucket: string; key: string } {
  const withoutVersion = raw.split('?')[0] ?? '';
  const decoded = decodeURIComponent(withoutVersion.replace(/^\//, ''));
  const slash = decoded.indexOf('/');
  if (slash <= 0) throw new S3Failure('InvalidArgument', 'Invalid copy source object key');
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

function parseRange(raw: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!raw) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(raw.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined; // S3 ignores malformed ranges
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) throw rangeError(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== '' && Number(match[2]) < start) return undefined;
  }
  if (start >= size) throw rangeError(size);
  return { start, end };
}

function rangeError(size: number): S3Failure {
  return new S3Failure(
    'InvalidRange',
    undefined,
    { ActualObjectSize: String(size) },
    { 'content-range': `bytes */${size}` },
  );
}

/** Decode the SDK's `aws-chunked` upload framing (signed or unsigned, with optional trailers). */
function decodeUploadBody(
  headers: http.IncomingHttpHeaders,
  raw: Buffer,
): { bytes: Buffer; trailers: Record<string, string> } {
  const sha = header(headers, 'x-amz-content-sha256') ?? '';
  const chunked = (header(headers, 'content-encoding') ?? '').includes('aws-chunked') || sha.startsWith('STREAMING-');
  if (!chunked) return { bytes: raw, trailers: {} };
  const parts: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let at = 0;
  const line = (): string => {
    const end = raw.indexOf('\r\n', at);
    if (end < 0) throw new S3Failure('IncompleteBody', 'aws-chunked body ended early');
    const text = raw.subarray(at, end).toString('latin1');
    at = end + 2;
    return text;
  };
  for (;;) {
    const sizeLine = line();
    const size = Number.parseInt(sizeLine.split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) throw new S3Failure('InvalidRequest', `Bad aws-chunked size line: ${sizeLine}`);
    if (size === 0) break;
    parts.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  while (at < raw.length) {
    const trailer = line();
    if (trailer === '') break;
    const colon = trailer.indexOf(':');
    if (colon > 0) trailers[trailer.slice(0, colon).trim().toLowerCase()] = trailer.slice(colon + 1).trim();
  }
  const bytes = Buffer.concat(parts);
  const declared = header(headers, 'x-amz-decoded-content-length');
  if (declared !== undefined && Number(declared) !== bytes.length) {
    throw new S3Failure('IncompleteBody', `Decoded ${bytes.length} bytes, x-amz-decoded-content-length ${declared}`);
  }
  return { bytes, trailers };
}

const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'sha1', 'sha256', 'crc64nvme'] as const;

function verifyChecksums(
  headers: http.IncomingHttpHeaders,
  trailers: Record<string, string>,
  bytes: Buffer,
): Record<string, string> {
  const contentMd5 = header(headers, 'content-md5');
  if (contentMd5 !== undefined && contentMd5 !== createHash('md5').update(bytes).digest('base64')) {
    throw new S3Failure('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  const supplied: Record<string, string> = {};
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const name = `x-amz-checksum-${algorithm}`;
    const value = trailers[name] ?? header(headers, name);
    if (value === undefined) continue;
    const actual = computeChecksum(algorithm, bytes);
    if (actual !== undefined && actual !== value) {
      throw new S3Failure(
        'BadDigest',
        `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
      );
    }
    supplied[algorithm] = value;
  }
  return supplied;
}

function computeChecksum(algorithm: (typeof CHECKSUM_ALGORITHMS)[number], bytes: Buffer): string | undefined {
  const be32 = (n: number): string => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    return b.toString('base64');
  };
  switch (algorithm) {
    case 'crc32':
      return be32(crc(bytes, CRC32_TABLE));
    case 'crc32c':
      return be32(crc(bytes, CRC32C_TABLE));
    case 'sha1':
    case 'sha256':
      return createHash(algorithm).update(bytes).digest('base64');
    default:
      return undefined; // crc64nvme: stored, not verified
  }
}

function crcTable(polynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? polynomial ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const CRC32_TABLE = crcTable(0xedb88320);
const CRC32C_TABLE = crcTable(0x82f63b78);

function crc(bytes: Uint8Array, table: Uint32Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (table[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function sendError(
  res: http.ServerResponse,
  method: string,
  status: number,
  error: S3Failure,
  bucket: string | undefined,
  key: string | undefined,
): void {
  const id = requestId();
  const headers: Record<string, string | number> = {
    'x-amz-request-id': id,
    'x-amz-id-2': requestId(),
    ...error.headers,
  };
  if (method === 'HEAD' || status === 304) {
    headers['content-length'] = 0;
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const extra = { ...error.extra };
  if (error.code === 'NoSuchKey' && key !== undefined && extra.Key === undefined) extra.Key = key;
  if (error.code === 'NoSuchBucket' && bucket !== undefined && extra.BucketName === undefined)
    extra.BucketName = bucket;
  const extraXml = Object.entries(extra)
    .map(([k, v]) => `<${k}>${xml(v)}</${k}>`)
    .join('');
  const body = Buffer.from(
    `${XML_HEAD}<Error><Code>${xml(error.code)}</Code><Message>${xml(error.message)}</Message>${extraXml}<RequestId>${id}</RequestId><HostId>${requestId()}</HostId></Error>`,
  );
  headers['content-type'] = 'application/xml';
  headers['content-length'] = body.length;
  res.writeHead(status, headers);
  res.end(body);
}
