/**
 * LocalFirehose: a loopback stand-in for Amazon Data Firehose that speaks the AWS JSON 1.1 protocol the real
 * @aws-sdk/client-firehose uses (POST /, `X-Amz-Target: Firehose_20150804.<Operation>`,
 * `Content-Type: application/x-amz-json-1.1`). Implements PutRecordBatch and PutRecord; stores accepted records per
 * stream and logs every call (entries, bytes, outcome) so tests can assert the 500-record / 4 MiB limits.
 *
 * Faults are programmable per call (`script(...)` queue, then `behave(fn)`), per record (`failEntry`), or as a seeded
 * random storm (`firehoseFaults.storm`), or a call that is accepted and never answered (`firehoseFaults.hang()`). Error shapes are the real ones: body `{"__type": Code, "message": ...}` plus
 * an `x-amzn-ErrorType` header. What the SDK makes of them (verified in node_modules and by local-peers.test.ts):
 * - ServiceUnavailableException is modelled with httpError 503 (its Smithy trait); sent with 503 (the default here)
 *   it is a TRANSIENT error for the SDK's retry middleware and is retried by the SDK itself (default 3 attempts in
 *   total). The same error sent with HTTP 400 (`firehoseFaults.throttle({ status: 400 })`) is a CLIENT_ERROR and is
 *   NOT retried by the SDK. Either way it surfaces as `ServiceUnavailableException` (name + class).
 * - InternalFailure (HTTP 500) and a dropped connection (ECONNRESET) are TRANSIENT too: retried by the SDK.
 * - A partial failure (HTTP 200 with FailedPutCount > 0) is a success for the SDK: never retried by it.
 * - ResourceNotFoundException / InvalidArgumentException (HTTP 400) are not retried.
 *
 * Usage:
 *   const firehose = await LocalFirehose.start({ streams: ['logs'] });
 *   const client = new FirehoseClient(testClientConfig(firehose.endpoint, { maxAttempts: 1 }));
 *   firehose.script(firehoseFaults.throttle(), firehoseFaults.failEntries([0, 2]));
 *   ...
 *   firehose.texts('logs'); firehose.calls; await firehose.close();
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { LoopbackHttp, readBody, requestId, seededRandom, TEST_ACCOUNT_ID } from './aws-env';

export type FirehoseOperation = 'PutRecordBatch' | 'PutRecord';

/** What the behaviour functions see about an incoming call. */
export interface FirehoseCall {
  /** 0-based index of this call among all calls the server received. */
  readonly seq: number;
  readonly operation: FirehoseOperation;
  readonly streamName: string;
  /** Decoded record data, in request order. */
  readonly records: readonly Buffer[];
  /** The SDK's attempt number for this call (from the `amz-sdk-request: attempt=N; max=M` header), if sent. */
  readonly sdkAttempt: number | undefined;
}

/** One entry of `calls`: every HTTP call the server answered (or dropped). */
export interface FirehoseCallLog {
  seq: number;
  operation: FirehoseOperation | 'Unknown';
  streamName: string | undefined;
  /** Number of records in the request. */
  entries: number;
  /** Sum of decoded record sizes (what Firehose's 4 MiB per-call limit counts). */
  dataBytes: number;
  /** Largest decoded record. */
  maxRecordBytes: number;
  /** Size of the HTTP request body (JSON with base64 data). */
  requestBytes: number;
  sdkAttempt: number | undefined;
  /** HTTP status sent, or 0 when the connection was dropped. */
  status: number;
  /** Whole-call error code, when the call failed as a whole. */
  errorCode: string | undefined;
  /** Entries that failed individually (FailedPutCount). */
  failedPutCount: number;
  /** Entries stored. */
  accepted: number;
  delayMs: number;
}

export interface FirehoseCallError {
  /** `__type`, e.g. 'ServiceUnavailableException', 'InternalFailure', 'ResourceNotFoundException'. */
  code: string;
  /** HTTP status; defaults per code (see defaultStatus). */
  status?: number;
  message?: string;
}

/** How to answer one call. Every field is optional; an empty reply is a plain success. */
export interface FirehoseReply {
  /** Wait this long before answering (the server's close() cuts the wait short). */
  delayMs?: number;
  /** Fail the whole call with this error. */
  error?: FirehoseCallError;
  /** Destroy the connection without answering (the SDK sees a socket hang up / ECONNRESET). */
  dropConnection?: boolean;
  /**
   * Per-entry failure: return an error code (e.g. 'ServiceUnavailableException' or 'InternalFailure') to fail that
   * entry, undefined to accept it. Failed entries are not stored. (PutRecord: a failing entry fails the call with
   * that code, as PutRecord has no per-entry status.)
   */
  failEntry?: (index: number, data: Buffer) => string | undefined;
  /**
   * Accept the request and never answer: nothing is stored, and the connection stays open until the client gives
   * up (timeout or abort) or the server closes. A peer that hangs.
   */
  hang?: boolean;
  /**
   * Store the records as usual, then never answer (a lost acknowledgement: the client cannot know the records
   * landed). The connection stays open until the client gives up or the server closes.
   */
  hangAfterStoring?: boolean;
}

export type FirehoseBehaviour = (call: FirehoseCall) => FirehoseReply | undefined;

export interface FirehoseLimits {
  /** Records per PutRecordBatch call. Real: 500. */
  maxRecords: number;
  /** Decoded bytes per PutRecordBatch call. Real: 4 MiB. */
  maxBatchBytes: number;
  /** Decoded bytes per record. Real: 1,000 KiB. */
  maxRecordBytes: number;
}

export const FIREHOSE_LIMITS: Readonly<FirehoseLimits> = Object.freeze({
  maxRecords: 500,
  maxBatchBytes: 4 * 1024 * 1024,
  maxRecordBytes: 1000 * 1024,
});

export interface LocalFirehoseOptions {
  /** Streams that exist from the start. */
  streams?: string[];
  /** Accept any stream name (default false: unknown streams get ResourceNotFoundException). */
  autoCreateStreams?: boolean;
  /** Reject calls over the limits with InvalidArgumentException (default true). */
  enforceLimits?: boolean;
  limits?: Partial<FirehoseLimits>;
}

const DEFAULT_MESSAGES: Record<string, string> = {
  ServiceUnavailableException: 'Slow down.',
  InternalFailure: 'The request processing has failed because of an unknown error, exception or failure.',
  ResourceNotFoundException: 'Firehose stream not found.',
  InvalidArgumentException: 'Invalid argument.',
};

function defaultStatus(code: string): number {
  switch (code) {
    case 'ServiceUnavailableException':
      return 503;
    case 'InternalFailure':
      return 500;
    default:
      return 400;
  }
}

/** Ready-made replies and behaviours. */
export const firehoseFaults = {
  /** Whole-call ServiceUnavailableException (HTTP 503 by default; pass status 400 to see the non-retried variant). */
  throttle(options: { status?: number; message?: string } = {}): FirehoseReply {
    return { error: { code: 'ServiceUnavailableException', ...options } };
  },
  /** Whole-call InternalFailure, HTTP 500. */
  internalFailure(): FirehoseReply {
    return { error: { code: 'InternalFailure', status: 500 } };
  },
  /** Whole-call error with any code/status. */
  error(code: string, status?: number, message?: string): FirehoseReply {
    const error: FirehoseCallError = { code };
    if (status !== undefined) error.status = status;
    if (message !== undefined) error.message = message;
    return { error };
  },
  /** Fail the entries at these indices with `code`; accept the rest. */
  failEntries(indices: Iterable<number>, code = 'ServiceUnavailableException'): FirehoseReply {
    const failing = new Set(indices);
    return { failEntry: (index) => (failing.has(index) ? code : undefined) };
  },
  /** Fail every entry with `code` (HTTP 200, FailedPutCount = number of records). */
  failAllEntries(code = 'ServiceUnavailableException'): FirehoseReply {
    return { failEntry: () => code };
  },
  /** Answer after `ms`, otherwise as `then`. */
  slow(ms: number, then: FirehoseReply = {}): FirehoseReply {
    return { ...then, delayMs: ms };
  },
  /** Drop the connection without an answer. */
  drop(): FirehoseReply {
    return { dropConnection: true };
  },
  /** Accept the call and never answer (nothing stored); `{ afterStoring: true }` stores the records first. */
  hang(options: { afterStoring?: boolean } = {}): FirehoseReply {
    return options.afterStoring ? { hangAfterStoring: true } : { hang: true };
  },
  /**
   * A seeded random storm: each call fails as a whole with probability `callFailureRate` (with a code drawn from
   * `callCodes`), otherwise each entry fails with probability `entryFailureRate` (code drawn from `entryCodes`).
   * Same seed, same sequence of calls => same outcome.
   */
  storm(options: {
    seed: number;
    entryFailureRate?: number;
    callFailureRate?: number;
    entryCodes?: string[];
    callCodes?: string[];
    delayMs?: number;
  }): FirehoseBehaviour {
    const random = seededRandom(options.seed);
    const entryCodes = options.entryCodes ?? ['ServiceUnavailableException', 'InternalFailure'];
    const callCodes = options.callCodes ?? ['ServiceUnavailableException', 'InternalFailure'];
    const pick = (codes: string[]): string => codes[Math.floor(random() * codes.length)] ?? 'InternalFailure';
    return () => {
      const reply: FirehoseReply = {};
      if (options.delayMs) reply.delayMs = options.delayMs;
      if (random() < (options.callFailureRate ?? 0)) {
        reply.error = { code: pick(callCodes) };
        return reply;
      }
      const rate = options.entryFailureRate ?? 0;
      reply.failEntry = () => (random() < rate ? pick(entryCodes) : undefined);
      return reply;
    };
  },
};

interface AcceptedRecord {
  readonly recordId: string;
  readonly data: Buffer;
  readonly seq: number;
}

export class LocalFirehose {
  private readonly streams = new Map<string, AcceptedRecord[]>();
  private readonly scripted: (FirehoseReply | FirehoseBehaviour)[] = [];
  private behaviour: FirehoseBehaviour | undefined;
  private readonly log: FirehoseCallLog[] = [];
  private readonly limits: FirehoseLimits;
  /** Calls accepted and left unanswered by a hang fault (`hang`, `hangAfterStoring`) since the last reset. */
  hung = 0;

  private constructor(
    private readonly http: LoopbackHttp,
    private readonly options: LocalFirehoseOptions,
  ) {
    this.limits = { ...FIREHOSE_LIMITS, ...options.limits };
    for (const name of options.streams ?? []) this.createStream(name);
  }

  static async start(options: LocalFirehoseOptions = {}): Promise<LocalFirehose> {
    let self: LocalFirehose | undefined;
    const loop = await LoopbackHttp.listen((req, res) => self!.handle(req, res));
    self = new LocalFirehose(loop, options);
    return self;
  }

  /** `http://127.0.0.1:PORT` */
  get endpoint(): string {
    return this.http.endpoint;
  }

  get port(): number {
    return this.http.port;
  }

  createStream(name: string): void {
    if (!this.streams.has(name)) this.streams.set(name, []);
  }

  deleteStream(name: string): void {
    this.streams.delete(name);
  }

  /**
   * Queue replies for the next calls, one per call, in order (a function is called with the call). Scripted replies
   * win over behave(); when the queue is empty, behave() decides; without either, calls succeed.
   */
  script(...replies: (FirehoseReply | FirehoseBehaviour)[]): void {
    this.scripted.push(...replies);
  }

  /** Set (or with undefined, clear) the behaviour for calls the script does not cover. */
  behave(behaviour: FirehoseBehaviour | undefined): void {
    this.behaviour = behaviour;
  }

  /** Number of scripted replies not used yet. */
  get pendingScript(): number {
    return this.scripted.length;
  }

  /** Every call received, in order. */
  get calls(): readonly FirehoseCallLog[] {
    return this.log;
  }

  /** Accepted record data for a stream, in acceptance order. */
  records(streamName: string): Buffer[] {
    return (this.streams.get(streamName) ?? []).map((r) => r.data);
  }

  /** Accepted records as UTF-8 strings. */
  texts(streamName: string): string[] {
    return this.records(streamName).map((b) => b.toString('utf8'));
  }

  /** Accepted records across all streams. */
  get acceptedCount(): number {
    let n = 0;
    for (const records of this.streams.values()) n += records.length;
    return n;
  }

  /** Forget records, calls, script and behaviour (streams stay, emptied). */
  reset(): void {
    for (const name of this.streams.keys()) this.streams.set(name, []);
    this.scripted.length = 0;
    this.behaviour = undefined;
    this.log.length = 0;
    this.hung = 0;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private nextReply(call: FirehoseCall): FirehoseReply {
    const scripted = this.scripted.shift();
    if (scripted !== undefined) return (typeof scripted === 'function' ? scripted(call) : scripted) ?? {};
    return this.behaviour?.(call) ?? {};
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const seq = this.log.length;
    const target = String(req.headers['x-amz-target'] ?? '');
    const sdkAttempt = parseAttempt(req.headers['amz-sdk-request']);
    const entry: FirehoseCallLog = {
      seq,
      operation: 'Unknown',
      streamName: undefined,
      entries: 0,
      dataBytes: 0,
      maxRecordBytes: 0,
      requestBytes: raw.length,
      sdkAttempt,
      status: 0,
      errorCode: undefined,
      failedPutCount: 0,
      accepted: 0,
      delayMs: 0,
    };

    const fail = (error: FirehoseCallError): void => {
      entry.errorCode = error.code;
      entry.status = error.status ?? defaultStatus(error.code);
      sendError(res, entry.status, error.code, error.message ?? DEFAULT_MESSAGES[error.code] ?? error.code);
    };

    const [prefix, operation] = target.split('.');
    if (req.method !== 'POST' || prefix !== 'Firehose_20150804') {
      this.log.push(entry);
      fail({ code: 'UnknownOperationException', status: 400, message: `Unknown target ${target}` });
      return;
    }
    if (operation !== 'PutRecordBatch' && operation !== 'PutRecord') {
      this.log.push(entry);
      fail({ code: 'UnknownOperationException', status: 400, message: `LocalFirehose does not implement ${target}` });
      return;
    }

    let input: { DeliveryStreamName?: unknown; Records?: unknown; Record?: unknown };
    try {
      input = JSON.parse(raw.toString('utf8')) as typeof input;
    } catch {
      entry.operation = operation;
      this.log.push(entry);
      fail({ code: 'SerializationException', status: 400, message: 'Body is not JSON' });
      return;
    }
    const streamName = typeof input.DeliveryStreamName === 'string' ? input.DeliveryStreamName : '';
    const rawRecords: unknown[] =
      operation === 'PutRecordBatch' ? (Array.isArray(input.Records) ? input.Records : []) : [input.Record];
    const records = rawRecords.map((r) => {
      const data = (r as { Data?: unknown } | undefined)?.Data;
      return typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.alloc(0);
    });
    entry.operation = operation;
    entry.streamName = streamName;
    entry.entries = records.length;
    entry.dataBytes = records.reduce((n, r) => n + r.length, 0);
    entry.maxRecordBytes = records.reduce((n, r) => Math.max(n, r.length), 0);
    this.log.push(entry);

    const call: FirehoseCall = { seq, operation, streamName, records, sdkAttempt };
    const reply = this.nextReply(call);

    if (reply.delayMs) {
      entry.delayMs = reply.delayMs;
      if (!(await this.http.sleep(reply.delayMs))) {
        res.destroy();
        return;
      }
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
    if (reply.error) {
      fail(reply.error);
      return;
    }

    if (!streamName || (operation === 'PutRecordBatch' ? !Array.isArray(input.Records) : !input.Record)) {
      fail({ code: 'InvalidArgumentException', message: 'DeliveryStreamName and Records are required.' });
      return;
    }
    if (this.options.enforceLimits !== false) {
      const violation = this.limitViolation(operation, entry);
      if (violation) {
        fail({ code: 'InvalidArgumentException', message: violation });
        return;
      }
    }
    let stored = this.streams.get(streamName);
    if (!stored) {
      if (!this.options.autoCreateStreams) {
        fail({
          code: 'ResourceNotFoundException',
          message: `Firehose ${streamName} under account ${TEST_ACCOUNT_ID} not found.`,
        });
        return;
      }
      stored = [];
      this.streams.set(streamName, stored);
    }

    const responses: ({ RecordId: string } | { ErrorCode: string; ErrorMessage: string })[] = [];
    records.forEach((data, index) => {
      const code = reply.failEntry?.(index, data);
      if (code !== undefined) {
        responses.push({ ErrorCode: code, ErrorMessage: DEFAULT_MESSAGES[code] ?? code });
        return;
      }
      const recordId = newRecordId();
      stored.push({ recordId, data, seq });
      responses.push({ RecordId: recordId });
    });
    const failed = responses.filter((r) => 'ErrorCode' in r).length;
    entry.failedPutCount = failed;
    entry.accepted = responses.length - failed;
    if (reply.hangAfterStoring) {
      this.hung++;
      await untilClosed(res);
      return;
    }

    if (operation === 'PutRecord') {
      const only = responses[0];
      if (only && 'ErrorCode' in only) {
        entry.failedPutCount = 0;
        fail({ code: only.ErrorCode, message: only.ErrorMessage });
        return;
      }
      entry.status = 200;
      sendJson(res, 200, { RecordId: only && 'RecordId' in only ? only.RecordId : newRecordId(), Encrypted: false });
      return;
    }
    entry.status = 200;
    sendJson(res, 200, { FailedPutCount: failed, Encrypted: false, RequestResponses: responses });
  }

  private limitViolation(operation: FirehoseOperation, call: FirehoseCallLog): string | undefined {
    if (operation === 'PutRecordBatch') {
      if (call.entries < 1 || call.entries > this.limits.maxRecords) {
        return `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and ${this.limits.maxRecords} (got ${call.entries})`;
      }
      if (call.dataBytes > this.limits.maxBatchBytes) {
        return `Records size exceeds ${this.limits.maxBatchBytes} bytes (got ${call.dataBytes})`;
      }
    }
    if (call.maxRecordBytes > this.limits.maxRecordBytes) {
      return `Record size exceeds ${this.limits.maxRecordBytes} bytes (got ${call.maxRecordBytes})`;
    }
    return undefined;
  }
}

/** Resolves when the response's connection closes (the client gave up, or the server is closing). */
function untilClosed(res: http.ServerResponse): Promise<void> {
  if (res.destroyed || res.socket?.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => res.once('close', () => resolve()));
}

function parseAttempt(header: string | string[] | undefined): number | undefined {
  const match = /attempt=(\d+)/.exec(String(header ?? ''));
  return match?.[1] ? Number(match[1]) : undefined;
}

function newRecordId(): string {
  return randomBytes(56).toString('base64');
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': payload.length,
    'x-amzn-requestid': requestId(),
  });
  res.end(payload);
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  const payload = Buffer.from(JSON.stringify({ __type: code, message }));
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': payload.length,
    'x-amzn-requestid': requestId(),
    'x-amzn-errortype': `${code}:`,
  });
  res.end(payload);
}
