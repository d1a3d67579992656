/**
 * The local AWS test environment: client configuration and process environment that point the real AWS SDK v3
 * clients at the loopback peers in this folder (local-s3.ts, local-firehose.ts, local-sqs.ts), plus the small HTTP
 * plumbing those peers share. No AWS account and no network: everything listens on 127.0.0.1, random free ports.
 *
 * Two ways to point code at the peers:
 *
 * 1. Explicit client config (tests that build their own clients, or a handler that accepts injected clients):
 *      new S3Client(s3TestClientConfig(s3.endpoint))
 *      new FirehoseClient(testClientConfig(firehose.endpoint, { maxAttempts: 3, retryDelayMs: 1 }))
 *
 * 2. Process environment (a handler that builds its own clients with `new XClient({})`):
 *      const restore = setAwsTestEnv({ s3: s3.endpoint, firehose: firehose.endpoint, sqs: sqs.endpoint });
 *      try { ... } finally { restore(); }
 *    What the SDK (@aws-sdk/client-* 3.11xx, @smithy/core 3.41) does with it, verified in node_modules and by
 *    test/support/local-peers.test.ts:
 *    - AWS_ENDPOINT_URL_<SERVICE ID> is honoured (service ids "S3", "Firehose", "SQS"; plain AWS_ENDPOINT_URL is the
 *      fallback for all). It is read at a client's FIRST request and then cached for the client's lifetime, so a
 *      module-scope client keeps the first endpoint it saw: start the peers once per test file, not once per test.
 *    - There is no environment variable for S3 `forcePathStyle`. It is not needed for an IP endpoint: the S3
 *      endpoint rules use path style by themselves when the endpoint host is an IP address (http://127.0.0.1:PORT).
 *      With http://localhost:PORT the SDK would use virtual-hosted style (`bucket.localhost`), which does not
 *      resolve on this machine. So: always use 127.0.0.1 endpoints (the peers do).
 *    - AWS_MAX_ATTEMPTS sets the total attempts (default 3); AWS_RETRY_MODE is `standard` (default) or `adaptive`.
 *      No environment variable sets the backoff: a transient error (HTTP 500/502/503/504, ECONNRESET, TimeoutError…)
 *      waits random(0..50 ms * 2^retry); a throttling error (HTTP 429, or names like ThrottlingException,
 *      LimitExceededException, SlowDown, RequestThrottled) waits random(0..1000 ms * 2^retry). For fast tests use
 *      AWS_MAX_ATTEMPTS=1 (no SDK retries) or inject `fastRetryStrategy()` through client config.
 *    - Timeouts: the Node handler's `requestTimeout` only logs a warning unless `throwOnRequestTimeout: true` is also
 *      set; `requestHandler: { socketTimeout: ms }` (inactivity) fails the attempt with a TimeoutError, which the SDK
 *      retries as TRANSIENT. Both are client config (`requestHandler: {...}`), not environment variables.
 *    - SQS: when the endpoint comes from the environment (not from client config), the SQS client sends each request
 *      to the origin of the QueueUrl instead (useQueueUrlAsEndpoint). LocalSqs queue URLs point at LocalSqs itself,
 *      so use those; a made-up https://sqs.us-east-1.amazonaws.com/... URL would make the SDK try the real host.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const TEST_REGION = 'us-east-1';
export const TEST_ACCOUNT_ID = '000000000000';
export const TEST_CREDENTIALS: { readonly accessKeyId: string; readonly secretAccessKey: string } = Object.freeze({
  accessKeyId: 'test',
  secretAccessKey: 'test',
});

// ---------------------------------------------------------------------------------------------------------------
// Client configuration
// ---------------------------------------------------------------------------------------------------------------

/** The part of the SDK's retry-token contract this file uses (structurally @smithy/types' StandardRetryToken). */
interface FastRetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/**
 * A retry strategy with the SDK's own notion of what is retryable but a fixed, tiny backoff and no retry quota.
 * The SDK's retry middleware classifies each error (THROTTLING, TRANSIENT, SERVER_ERROR, CLIENT_ERROR) before
 * calling the strategy; like the SDK's StandardRetryStrategy, this retries THROTTLING and TRANSIENT only.
 * Differences from the default strategy: no exponential backoff/jitter, and no 500-token retry quota per client (the
 * default strategy stops retrying once ~35 transient retries have failed without successes in between).
 */
export class FastRetryStrategy {
  readonly mode = 'standard';
  readonly retried: { errorType: string; name: string | undefined }[] = [];
  constructor(
    readonly maxAttempts = 3,
    readonly delayMs = 0,
  ) {}

  async acquireInitialRetryToken(_scope: string): Promise<FastRetryToken> {
    return this.token(0, 0);
  }

  async refreshRetryTokenForRetry(
    token: FastRetryToken,
    errorInfo: { errorType: string; error?: { name?: string } },
  ): Promise<FastRetryToken> {
    const retries = token.getRetryCount() + 1;
    const retryable = errorInfo.errorType === 'THROTTLING' || errorInfo.errorType === 'TRANSIENT';
    if (!retryable || retries >= this.maxAttempts) throw new Error('No retry token available');
    this.retried.push({ errorType: errorInfo.errorType, name: errorInfo.error?.name });
    return this.token(retries, this.delayMs);
  }

  recordSuccess(_token: FastRetryToken): void {}

  private token(count: number, delay: number): FastRetryToken {
    return { getRetryCount: () => count, getRetryDelay: () => delay };
  }
}

export function fastRetryStrategy(maxAttempts = 3, delayMs = 0): FastRetryStrategy {
  return new FastRetryStrategy(maxAttempts, delayMs);
}

export interface TestClientOptions {
  /** Total attempts per call (SDK default 3). 1 disables SDK retries. */
  maxAttempts?: number;
  /**
   * When set, install `fastRetryStrategy(maxAttempts, retryDelayMs)` instead of the SDK's default strategy (whose
   * backoff is random up to 50 ms * 2^n, or 1000 ms * 2^n for throttling errors).
   */
  retryDelayMs?: number;
  /**
   * The client's `requestHandler` option, e.g. `requestHandlerOptions(timeouts)` from lambda/aws/client-config.ts,
   * so a test client has the timeouts production gives its clients. Unset: the SDK's default (no timeouts).
   */
  requestHandler?: RequestHandlerTimeouts;
}

/** The shape of lambda/aws/client-config.ts `requestHandlerOptions(...)` (structural, to keep this file standalone). */
export interface RequestHandlerTimeouts {
  connectionTimeout: number;
  requestTimeout: number;
  socketTimeout: number;
  throwOnRequestTimeout: boolean;
}

export interface TestClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts?: number;
  retryStrategy?: FastRetryStrategy;
  requestHandler?: RequestHandlerTimeouts;
}

/** Config for FirehoseClient / SQSClient (or S3Client, but prefer s3TestClientConfig). */
export function testClientConfig(endpoint: string, options: TestClientOptions = {}): TestClientConfig {
  const config: TestClientConfig = { endpoint, region: TEST_REGION, credentials: { ...TEST_CREDENTIALS } };
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  if (options.retryDelayMs !== undefined) {
    config.retryStrategy = fastRetryStrategy(options.maxAttempts ?? 3, options.retryDelayMs);
  }
  if (options.requestHandler !== undefined) config.requestHandler = { ...options.requestHandler };
  return config;
}

/** Config for S3Client: testClientConfig plus forcePathStyle. */
export function s3TestClientConfig(
  endpoint: string,
  options: TestClientOptions = {},
): TestClientConfig & { forcePathStyle: true } {
  return { ...testClientConfig(endpoint, options), forcePathStyle: true };
}

// ---------------------------------------------------------------------------------------------------------------
// Process environment
// ---------------------------------------------------------------------------------------------------------------

export interface LocalEndpoints {
  s3?: string;
  firehose?: string;
  sqs?: string;
  dynamodb?: string;
}

export interface AwsTestEnvOptions {
  /** AWS_MAX_ATTEMPTS; left unset (SDK default 3) unless given. */
  maxAttempts?: number;
  /** Further variables to set (a value of undefined deletes the variable); restored like the rest. */
  extra?: Record<string, string | undefined>;
}

/** Every variable setAwsTestEnv may touch; all are restored by the function it returns. */
const MANAGED_VARIABLES = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_FIREHOSE',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_MAX_ATTEMPTS',
  'AWS_RETRY_MODE',
] as const;

/**
 * Point SDK clients created from the environment at local peers. Sets AWS_ENDPOINT_URL_{S3,FIREHOSE,SQS,DYNAMODB} for the
 * endpoints given (and deletes the ones not given, and AWS_ENDPOINT_URL), AWS_REGION, fake static credentials, and
 * isolates the SDK from any ~/.aws config/credentials files and the EC2 metadata service. Returns a function that
 * restores every touched variable to its previous value (or absence).
 */
export function setAwsTestEnv(endpoints: LocalEndpoints, options: AwsTestEnvOptions = {}): () => void {
  const extraNames = Object.keys(options.extra ?? {});
  const saved = new Map<string, string | undefined>();
  for (const name of [...MANAGED_VARIABLES, ...extraNames]) saved.set(name, process.env[name]);

  const set = (name: string, value: string | undefined): void => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  set('AWS_ENDPOINT_URL', undefined);
  set('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', undefined);
  set('AWS_ENDPOINT_URL_S3', endpoints.s3);
  set('AWS_ENDPOINT_URL_FIREHOSE', endpoints.firehose);
  set('AWS_ENDPOINT_URL_SQS', endpoints.sqs);
  set('AWS_ENDPOINT_URL_DYNAMODB', endpoints.dynamodb);
  set('AWS_REGION', TEST_REGION);
  set('AWS_DEFAULT_REGION', TEST_REGION);
  set('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
  set('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
  set('AWS_SESSION_TOKEN', undefined);
  set('AWS_CREDENTIAL_EXPIRATION', undefined);
  set('AWS_PROFILE', undefined);
  // Missing files are read as empty by the SDK's shared-config loader.
  set('AWS_CONFIG_FILE', '/nonexistent/alb-iceberg-test/aws-config');
  set('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/alb-iceberg-test/aws-credentials');
  set('AWS_EC2_METADATA_DISABLED', 'true');
  set('AWS_MAX_ATTEMPTS', options.maxAttempts === undefined ? undefined : String(options.maxAttempts));
  set('AWS_RETRY_MODE', undefined);
  for (const [name, value] of Object.entries(options.extra ?? {})) set(name, value);

  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    for (const [name, value] of saved) set(name, value);
  };
}

/** Run fn with setAwsTestEnv applied; restores the environment afterwards, also on failure. */
export async function withAwsTestEnv<T>(
  endpoints: LocalEndpoints,
  fn: () => T | Promise<T>,
  options: AwsTestEnvOptions = {},
): Promise<T> {
  const restore = setAwsTestEnv(endpoints, options);
  try {
    return await fn();
  } finally {
    restore();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Shared plumbing for the loopback peers
// ---------------------------------------------------------------------------------------------------------------

export type LoopbackHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void;

/**
 * An HTTP server on 127.0.0.1 at a random free port whose close() never hangs: it destroys every open socket
 * (the SDK keeps connections alive) and wakes every pending sleep() with `false`.
 */
export class LoopbackHttp {
  private readonly sockets = new Set<Socket>();
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private closing: Promise<void> | undefined;

  private constructor(
    readonly server: http.Server,
    readonly port: number,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** `http://127.0.0.1:PORT` */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  static async listen(handler: LoopbackHandler): Promise<LoopbackHttp> {
    const server = http.createServer();
    server.keepAliveTimeout = 60_000;
    server.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const loop = new LoopbackHttp(server, (server.address() as AddressInfo).port);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      Promise.resolve()
        .then(() => handler(req, res))
        .catch((error: unknown) => {
          if (res.headersSent || res.destroyed) {
            res.destroy();
            return;
          }
          const message = error instanceof Error ? error.message : String(error);
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`local peer failure: ${message}`);
        });
    });
    return loop;
  }

  /** Resolves true after ms, or false as soon as the server closes. */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve(true);
        }, ms),
        wake: () => resolve(false),
      };
      this.sleepers.add(sleeper);
    });
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    this.sleepers.clear();
    this.closing = new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    });
    return this.closing;
  }
}

/** Read a whole request body. */
export async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Deterministic PRNG (mulberry32) for seeded fault storms: returns numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A request id in the style AWS services send back. */
export function requestId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}
