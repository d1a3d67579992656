/**
 * LocalSqs: a loopback stand-in for Amazon SQS speaking the AWS JSON 1.0 protocol that @aws-sdk/client-sqs 3.11xx
 * uses (POST /, `X-Amz-Target: AmazonSQS.<Operation>`, `Content-Type: application/x-amz-json-1.0`; the client is
 * "awsQueryCompatible": it sends `x-amzn-query-mode: true` and reads error codes from the `x-amzn-query-error`
 * header, which this server sends like SQS does).
 *
 * Operations: SendMessage, SendMessageBatch, ReceiveMessage (visibility timeout, DelaySeconds, long polling with
 * WaitTimeSeconds), DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility, GetQueueAttributes, GetQueueUrl,
 * CreateQueue, PurgeQueue. MD5OfMessageBody / MD5OfBody are the MD5 hex of the UTF-8 body (the SDK validates these
 * and throws on mismatch); MD5OfMessageAttributes follows SQS's documented algorithm (the SDK does not validate it,
 * but other consumers do). Message size limit defaults to SQS's current 1 MiB (262,144 bytes before August 2025).
 *
 * Queues are identified by name: any QueueUrl whose last path segment names a queue reaches it. Queue URLs handed
 * out are `http://127.0.0.1:PORT/000000000000/NAME`, so an SQS client whose endpoint comes from AWS_ENDPOINT_URL_SQS
 * (which then sends to the QueueUrl's origin) reaches this server too.
 *
 * Usage:
 *   const sqs = await LocalSqs.start({ queues: ['ingest'] });
 *   const client = new SQSClient(testClientConfig(sqs.endpoint));
 *   await client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl('ingest'), MessageBody: '{}' }));
 *   sqs.sent('ingest')[0]?.body; sqs.json('ingest'); sqs.calls; await sqs.close();
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { LoopbackHttp, readBody, requestId, TEST_ACCOUNT_ID, TEST_REGION } from './aws-env';

export interface SqsMessageAttributeValue {
  DataType: string;
  StringValue?: string;
  /** base64, as on the wire */
  BinaryValue?: string;
}

export interface SqsMessageState {
  readonly queueName: string;
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: Readonly<Record<string, SqsMessageAttributeValue>>;
  readonly md5OfMessageAttributes: string | undefined;
  readonly delaySeconds: number;
  readonly operation: 'SendMessage' | 'SendMessageBatch';
  /** SendMessageBatch entry Id. */
  readonly batchEntryId: string | undefined;
  readonly messageGroupId: string | undefined;
  readonly messageDeduplicationId: string | undefined;
  /** ms since epoch (server clock) */
  readonly sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  receiptHandle: string | undefined;
  deleted: boolean;
}

export interface SqsCall {
  readonly seq: number;
  readonly operation: string;
  readonly queueName: string | undefined;
  /** The parsed JSON request. */
  readonly input: Record<string, unknown>;
}

export interface SqsCallLog {
  seq: number;
  operation: string;
  queueName: string | undefined;
  requestBytes: number;
  status: number;
  errorCode: string | undefined;
}

export interface SqsErrorSpec {
  /** Shape name, e.g. 'QueueDoesNotExist', 'RequestThrottled', 'InvalidMessageContents'. */
  code: string;
  status?: number;
  /** Query-protocol code for the x-amzn-query-error header (defaults per code). */
  queryCode?: string;
  message?: string;
}

export interface SqsEntryFailure {
  code: string;
  senderFault?: boolean;
  message?: string;
}

export interface SqsReply {
  delayMs?: number;
  error?: SqsErrorSpec;
  dropConnection?: boolean;
  /** Answer with wrong MD5OfMessageBody / MD5OfBody values (the SDK then throws). */
  corruptMd5?: boolean;
  /** SendMessageBatch / DeleteMessageBatch: fail an entry (reported in `Failed`) instead of processing it. */
  failEntry?: (index: number, entry: Record<string, unknown>) => SqsEntryFailure | undefined;
  /**
   * Accept the request and never answer (nothing is done): the connection stays open until the client gives up
   * (timeout or abort) or the server closes. A peer that hangs.
   */
  hang?: boolean;
}

export type SqsBehaviour = (call: SqsCall) => SqsReply | undefined;

export interface LocalSqsOptions {
  queues?: string[];
  /** Any queue name is accepted (default false: QueueDoesNotExist). */
  autoCreateQueues?: boolean;
  /** Clock for delays and visibility (default Date.now). */
  now?: () => number;
  /** Hide delayed messages from ReceiveMessage until their delay passes (default true). */
  honourDelays?: boolean;
  /** Default 1 MiB. */
  maxMessageBytes?: number;
}

interface Queue {
  readonly name: string;
  readonly createdAt: number;
  readonly attributes: Record<string, string>;
  readonly messages: SqsMessageState[];
}

/** Shape name -> [query code, HTTP status], from the client's model (awsQueryError traits). */
const ERRORS: Record<string, [string, number]> = {
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  InvalidMessageContents: ['InvalidMessageContents', 400],
  TooManyEntriesInBatchRequest: ['AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400],
  EmptyBatchRequest: ['AWS.SimpleQueueService.EmptyBatchRequest', 400],
  BatchEntryIdsNotDistinct: ['AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400],
  BatchRequestTooLong: ['AWS.SimpleQueueService.BatchRequestTooLong', 400],
  InvalidBatchEntryId: ['AWS.SimpleQueueService.InvalidBatchEntryId', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  MessageNotInflight: ['AWS.SimpleQueueService.MessageNotInflight', 400],
  RequestThrottled: ['RequestThrottled', 403],
  OverLimit: ['OverLimit', 403],
  InvalidAddress: ['InvalidAddress', 404],
  InvalidParameterValue: ['InvalidParameterValue', 400],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 400],
  InternalError: ['InternalError', 500],
  ServiceUnavailable: ['ServiceUnavailable', 503],
};

class SqsFailure extends Error {
  constructor(
    readonly code: string,
    message?: string,
  ) {
    super(message ?? code);
  }
}

export class LocalSqs {
  private readonly queues = new Map<string, Queue>();
  private readonly scripted: (SqsReply | SqsBehaviour)[] = [];
  private behaviour: SqsBehaviour | undefined;
  private readonly log: SqsCallLog[] = [];
  private readonly now: () => number;
  /** Requests accepted and left unanswered by a `hang` reply since the last reset. */
  hung = 0;

  private constructor(
    private readonly http: LoopbackHttp,
    private readonly options: LocalSqsOptions,
  ) {
    this.now = options.now ?? Date.now;
    for (const name of options.queues ?? []) this.createQueue(name);
  }

  static async start(options: LocalSqsOptions = {}): Promise<LocalSqs> {
    let self: LocalSqs | undefined;
    const loop = await LoopbackHttp.listen((req, res) => self!.handle(req, res));
    self = new LocalSqs(loop, options);
    return self;
  }

  get endpoint(): string {
    return this.http.endpoint;
  }

  get port(): number {
    return this.http.port;
  }

  /** Create (if needed) and return the queue URL. */
  createQueue(name: string, attributes: Record<string, string> = {}): string {
    if (!this.queues.has(name)) {
      this.queues.set(name, {
        name,
        createdAt: this.now(),
        attributes: { VisibilityTimeout: '30', DelaySeconds: '0', ...attributes },
        messages: [],
      });
    }
    return this.queueUrl(name);
  }

  /** `http://127.0.0.1:PORT/000000000000/NAME` */
  queueUrl(name: string): string {
    return `${this.endpoint}/${TEST_ACCOUNT_ID}/${name}`;
  }

  queueArn(name: string): string {
    return `arn:aws:sqs:${TEST_REGION}:${TEST_ACCOUNT_ID}:${name}`;
  }

  /** Every message ever sent to the queue (name or URL), in order, deleted ones included. */
  sent(queue: string): SqsMessageState[] {
    return [...(this.queues.get(queueNameOf(queue))?.messages ?? [])];
  }

  /** Messages not deleted yet. */
  messages(queue: string): SqsMessageState[] {
    return this.sent(queue).filter((m) => !m.deleted);
  }

  /** Bodies of every message sent. */
  bodies(queue: string): string[] {
    return this.sent(queue).map((m) => m.body);
  }

  /** Bodies of every message sent, JSON-parsed. */
  json<T = unknown>(queue: string): T[] {
    return this.bodies(queue).map((b) => JSON.parse(b) as T);
  }

  script(...replies: (SqsReply | SqsBehaviour)[]): void {
    this.scripted.push(...replies);
  }

  behave(behaviour: SqsBehaviour | undefined): void {
    this.behaviour = behaviour;
  }

  get calls(): readonly SqsCallLog[] {
    return this.log;
  }

  /** Forget messages, script, behaviour and calls (queues stay, emptied). */
  reset(): void {
    for (const q of this.queues.values()) q.messages.length = 0;
    this.scripted.length = 0;
    this.behaviour = undefined;
    this.log.length = 0;
    this.hung = 0;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  // -------------------------------------------------------------------------------------------------------------

  private nextReply(call: SqsCall): SqsReply {
    const scripted = this.scripted.shift();
    if (scripted !== undefined) return (typeof scripted === 'function' ? scripted(call) : scripted) ?? {};
    return this.behaviour?.(call) ?? {};
  }

  private queue(queueUrl: unknown): Queue {
    if (typeof queueUrl !== 'string' || !queueUrl) throw new SqsFailure('InvalidAddress', 'QueueUrl is required');
    const name = queueNameOf(queueUrl);
    let q = this.queues.get(name);
    if (!q && this.options.autoCreateQueues) {
      this.createQueue(name);
      q = this.queues.get(name);
    }
    if (!q) throw new SqsFailure('QueueDoesNotExist', 'The specified queue does not exist.');
    return q;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const [prefix, operation = ''] = target.split('.');
    let input: Record<string, unknown> = {};
    try {
      input = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      input = {};
    }
    const queueName = typeof input.QueueUrl === 'string' ? queueNameOf(input.QueueUrl) : undefined;
    const entry: SqsCallLog = {
      seq: this.log.length,
      operation,
      queueName,
      requestBytes: raw.length,
      status: 0,
      errorCode: undefined,
    };
    this.log.push(entry);
    const reply = this.nextReply({ seq: entry.seq, operation, queueName, input });
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
      if (!res.destroyed) await new Promise<void>((resolve) => res.once('close', () => resolve()));
      return;
    }
    try {
      if (reply.error) {
        const spec = reply.error;
        const status = spec.status ?? ERRORS[spec.code]?.[1] ?? 400;
        const queryCode = spec.queryCode ?? ERRORS[spec.code]?.[0] ?? spec.code;
        entry.status = status;
        entry.errorCode = spec.code;
        sendError(res, status, spec.code, queryCode, spec.message ?? spec.code);
        return;
      }
      if (req.method !== 'POST' || prefix !== 'AmazonSQS') throw new SqsFailure('UnsupportedOperation', target);
      const output = await this.dispatch(operation, input, reply, res);
      if (res.destroyed) return;
      if (reply.corruptMd5) corruptMd5s(output);
      entry.status = 200;
      sendJson(res, 200, output);
    } catch (error) {
      if (!(error instanceof SqsFailure)) throw error;
      const [queryCode, status] = ERRORS[error.code] ?? [error.code, 400];
      entry.status = status;
      entry.errorCode = error.code;
      sendError(res, status, error.code, queryCode, error.message);
    }
  }

  private async dispatch(
    operation: string,
    input: Record<string, unknown>,
    reply: SqsReply,
    res: http.ServerResponse,
  ): Promise<unknown> {
    switch (operation) {
      case 'CreateQueue': {
        const name = String(input.QueueName ?? '');
        if (!/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(name)) throw new SqsFailure('InvalidParameterValue', 'Bad name');
        return { QueueUrl: this.createQueue(name, (input.Attributes as Record<string, string>) ?? {}) };
      }
      case 'GetQueueUrl': {
        const name = String(input.QueueName ?? '');
        if (!this.queues.has(name) && !this.options.autoCreateQueues) {
          throw new SqsFailure('QueueDoesNotExist', 'The specified queue does not exist.');
        }
        return { QueueUrl: this.createQueue(name) };
      }
      case 'SendMessage': {
        const q = this.queue(input.QueueUrl);
        const m = this.enqueue(q, input, 'SendMessage', undefined);
        return sendResult(m);
      }
      case 'SendMessageBatch': {
        const q = this.queue(input.QueueUrl);
        const entries = this.batchEntries(input.Entries);
        const total = entries.reduce((n, e) => n + messageSize(String(e.MessageBody ?? ''), attributesOf(e)), 0);
        if (total > this.maxBytes) {
          throw new SqsFailure('BatchRequestTooLong', `Batch requests cannot be longer than ${this.maxBytes} bytes.`);
        }
        return batchResult(entries, reply, (e, id) => sendResult(this.enqueue(q, e, 'SendMessageBatch', id)));
      }
      case 'ReceiveMessage':
        return this.receive(input, res);
      case 'DeleteMessage': {
        const q = this.queue(input.QueueUrl);
        this.deleteByHandle(q, input.ReceiptHandle);
        return {};
      }
      case 'DeleteMessageBatch': {
        const q = this.queue(input.QueueUrl);
        const entries = this.batchEntries(input.Entries);
        return batchResult(entries, reply, (e) => {
          this.deleteByHandle(q, e.ReceiptHandle);
          return {};
        });
      }
      case 'ChangeMessageVisibility': {
        const q = this.queue(input.QueueUrl);
        const m = this.byHandle(q, input.ReceiptHandle);
        if (!m || m.deleted || m.visibleAt <= this.now())
          throw new SqsFailure('MessageNotInflight', 'Message not inflight');
        m.visibleAt = this.now() + Number(input.VisibilityTimeout ?? 0) * 1000;
        return {};
      }
      case 'PurgeQueue': {
        const q = this.queue(input.QueueUrl);
        for (const m of q.messages) m.deleted = true;
        return {};
      }
      case 'GetQueueAttributes':
        return { Attributes: this.queueAttributes(this.queue(input.QueueUrl), input.AttributeNames) };
      default:
        throw new SqsFailure('UnsupportedOperation', `LocalSqs does not implement ${operation}`);
    }
  }

  private get maxBytes(): number {
    return this.options.maxMessageBytes ?? 1024 * 1024;
  }

  private batchEntries(raw: unknown): Record<string, unknown>[] {
    const entries = Array.isArray(raw) ? (raw as Record<string, unknown>[]) : [];
    if (entries.length === 0) throw new SqsFailure('EmptyBatchRequest', 'There should be at least one entry.');
    if (entries.length > 10) {
      throw new SqsFailure(
        'TooManyEntriesInBatchRequest',
        `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
      );
    }
    const ids = new Set<string>();
    for (const e of entries) {
      const id = String(e.Id ?? '');
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) throw new SqsFailure('InvalidBatchEntryId', `Bad batch entry id: ${id}`);
      if (ids.has(id)) throw new SqsFailure('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
      ids.add(id);
    }
    return entries;
  }

  private enqueue(
    q: Queue,
    input: Record<string, unknown>,
    operation: SqsMessageState['operation'],
    batchEntryId: string | undefined,
  ): SqsMessageState {
    const body = typeof input.MessageBody === 'string' ? input.MessageBody : '';
    if (body.length === 0)
      throw new SqsFailure('InvalidParameterValue', 'The request must contain the parameter MessageBody.');
    if (hasInvalidBodyChars(body)) {
      throw new SqsFailure(
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    }
    const attributes = attributesOf(input);
    if (messageSize(body, attributes) > this.maxBytes) {
      throw new SqsFailure('InvalidParameterValue', `Message must be shorter than ${this.maxBytes} bytes.`);
    }
    const delaySeconds =
      input.DelaySeconds === undefined ? Number(q.attributes.DelaySeconds ?? 0) : Number(input.DelaySeconds);
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > 900) {
      throw new SqsFailure('InvalidParameterValue', `Value ${delaySeconds} for parameter DelaySeconds is invalid.`);
    }
    const now = this.now();
    const message: SqsMessageState = {
      queueName: q.name,
      messageId: randomUUID(),
      body,
      md5OfBody: md5Hex(body),
      messageAttributes: attributes,
      md5OfMessageAttributes: Object.keys(attributes).length > 0 ? md5OfMessageAttributes(attributes) : undefined,
      delaySeconds,
      operation,
      batchEntryId,
      messageGroupId: typeof input.MessageGroupId === 'string' ? input.MessageGroupId : undefined,
      messageDeduplicationId:
        typeof input.MessageDeduplicationId === 'string' ? input.MessageDeduplicationId : undefined,
      sentAt: now,
      visibleAt: this.options.honourDelays === false ? now : now + delaySeconds * 1000,
      receiveCount: 0,
      firstReceivedAt: undefined,
      receiptHandle: undefined,
      deleted: false,
    };
    q.messages.push(message);
    return message;
  }

  private async receive(input: Record<string, unknown>, res: http.ServerResponse): Promise<unknown> {
    const q = this.queue(input.QueueUrl);
    const max = input.MaxNumberOfMessages === undefined ? 1 : Number(input.MaxNumberOfMessages);
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw new SqsFailure('InvalidParameterValue', `Value ${max} for parameter MaxNumberOfMessages is invalid.`);
    }
    const waitSeconds = Number(input.WaitTimeSeconds ?? q.attributes.ReceiveMessageWaitTimeSeconds ?? 0);
    const visibility = Number(input.VisibilityTimeout ?? q.attributes.VisibilityTimeout ?? 30);
    const deadline = Date.now() + waitSeconds * 1000;
    let ready = this.visible(q).slice(0, max);
    while (ready.length === 0 && Date.now() < deadline) {
      if (!(await this.http.sleep(Math.min(20, deadline - Date.now())))) return {};
      if (res.destroyed) return {};
      ready = this.visible(q).slice(0, max);
    }
    if (ready.length === 0) return {};
    const now = this.now();
    const systemNames = new Set([
      ...stringList(input.AttributeNames),
      ...stringList(input.MessageSystemAttributeNames),
    ]);
    const attributeNames = stringList(input.MessageAttributeNames);
    return {
      Messages: ready.map((m) => {
        m.receiveCount += 1;
        m.firstReceivedAt ??= now;
        m.visibleAt = now + visibility * 1000;
        m.receiptHandle = randomBytes(48).toString('base64url');
        const out: Record<string, unknown> = {
          MessageId: m.messageId,
          ReceiptHandle: m.receiptHandle,
          MD5OfBody: m.md5OfBody,
          Body: m.body,
        };
        const system = systemAttributes(m, systemNames);
        if (Object.keys(system).length > 0) out.Attributes = system;
        const selected = selectAttributes(m.messageAttributes, attributeNames);
        if (Object.keys(selected).length > 0) {
          out.MessageAttributes = selected;
          out.MD5OfMessageAttributes = md5OfMessageAttributes(selected);
        }
        return out;
      }),
    };
  }

  private visible(q: Queue): SqsMessageState[] {
    const now = this.now();
    return q.messages.filter((m) => !m.deleted && m.visibleAt <= now);
  }

  private byHandle(q: Queue, handle: unknown): SqsMessageState | undefined {
    if (typeof handle !== 'string' || handle.length === 0) {
      throw new SqsFailure('ReceiptHandleIsInvalid', 'The input receipt handle is invalid.');
    }
    return q.messages.find((m) => m.receiptHandle === handle);
  }

  private deleteByHandle(q: Queue, handle: unknown): void {
    const m = this.byHandle(q, handle);
    // Real SQS: an outdated receipt handle of a known message succeeds without deleting; an unknown one is invalid.
    if (!m) {
      if (typeof handle === 'string' && /^[A-Za-z0-9_-]{64}$/.test(handle)) return;
      throw new SqsFailure('ReceiptHandleIsInvalid', 'The input receipt handle is invalid.');
    }
    m.deleted = true;
  }

  private queueAttributes(q: Queue, names: unknown): Record<string, string> {
    const now = this.now();
    const live = q.messages.filter((m) => !m.deleted);
    const all: Record<string, string> = {
      ...q.attributes,
      QueueArn: this.queueArn(q.name),
      ApproximateNumberOfMessages: String(live.filter((m) => m.visibleAt <= now).length),
      ApproximateNumberOfMessagesNotVisible: String(live.filter((m) => m.visibleAt > now && m.receiveCount > 0).length),
      ApproximateNumberOfMessagesDelayed: String(live.filter((m) => m.visibleAt > now && m.receiveCount === 0).length),
      CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.createdAt / 1000)),
      MaximumMessageSize: String(this.maxBytes),
      MessageRetentionPeriod: q.attributes.MessageRetentionPeriod ?? '345600',
      ReceiveMessageWaitTimeSeconds: q.attributes.ReceiveMessageWaitTimeSeconds ?? '0',
    };
    const wanted = stringList(names);
    if (wanted.length === 0) return {};
    if (wanted.includes('All')) return all;
    const out: Record<string, string> = {};
    for (const name of wanted) if (all[name] !== undefined) out[name] = all[name];
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/** SQS accepts #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF (lone surrogates fail). */
function hasInvalidBodyChars(text: string): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    const ok =
      c === 0x9 ||
      c === 0xa ||
      c === 0xd ||
      (c >= 0x20 && c <= 0xd7ff) ||
      (c >= 0xe000 && c <= 0xfffd) ||
      (c >= 0x10000 && c <= 0x10ffff);
    if (!ok) return true;
  }
  return false;
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * MD5OfMessageAttributes as SQS computes it: attributes sorted by name; for each, 4-byte big-endian length + UTF-8
 * name, length + data type, one transport byte (1 = String/Number, 2 = Binary), length + value bytes.
 */
export function md5OfMessageAttributes(attributes: Readonly<Record<string, SqsMessageAttributeValue>>): string {
  const hash = createHash('md5');
  const put = (bytes: Buffer): void => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name];
    if (!value) continue;
    put(Buffer.from(name, 'utf8'));
    put(Buffer.from(value.DataType, 'utf8'));
    if (value.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      put(Buffer.from(value.BinaryValue, 'base64'));
    } else {
      hash.update(Buffer.from([1]));
      put(Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}

function queueNameOf(queueUrlOrName: string): string {
  try {
    const url = new URL(queueUrlOrName);
    return url.pathname.split('/').filter(Boolean).pop() ?? '';
  } catch {
    return queueUrlOrName;
  }
}

function attributesOf(input: Record<string, unknown>): Record<string, SqsMessageAttributeValue> {
  const raw = input.MessageAttributes;
  if (!raw || typeof raw !== 'object') return {};
  const out: Record<string, SqsMessageAttributeValue> = {};
  for (const [name, value] of Object.entries(raw as Record<string, Record<string, unknown>>)) {
    const attribute: SqsMessageAttributeValue = { DataType: String(value.DataType ?? 'String') };
    if (typeof value.StringValue === 'string') attribute.StringValue = value.StringValue;
    if (typeof value.BinaryValue === 'string') attribute.BinaryValue = value.BinaryValue;
    out[name] = attribute;
  }
  return out;
}

function messageSize(body: string, attributes: Record<string, SqsMessageAttributeValue>): number {
  let n = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    n += Buffer.byteLength(name) + Buffer.byteLength(value.DataType);
    n +=
      value.BinaryValue !== undefined
        ? Buffer.from(value.BinaryValue, 'base64').length
        : Buffer.byteLength(value.StringValue ?? '');
  }
  return n;
}

function sendResult(m: SqsMessageState): Record<string, string> {
  const out: Record<string, string> = { MessageId: m.messageId, MD5OfMessageBody: m.md5OfBody };
  if (m.md5OfMessageAttributes) out.MD5OfMessageAttributes = m.md5OfMessageAttributes;
  return out;
}

function stringList(raw: unknown): string[] {
  return Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : [];
}

function selectAttributes(
  attributes: Readonly<Record<string, SqsMessageAttributeValue>>,
  names: string[],
): Record<string, SqsMessageAttributeValue> {
  const out: Record<string, SqsMessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const wanted = names.some(
      (n) => n === 'All' || n === '.*' || n === name || (n.endsWith('.*') && name.startsWith(n.slice(0, -1))),
    );
    if (wanted) out[name] = value;
  }
  return out;
}

function systemAttributes(m: SqsMessageState, names: Set<string>): Record<string, string> {
  const all: Record<string, string> = {
    SenderId: 'AIDAEXAMPLELOCALSQS',
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
  };
  if (m.messageGroupId !== undefined) all.MessageGroupId = m.messageGroupId;
  if (m.messageDeduplicationId !== undefined) all.MessageDeduplicationId = m.messageDeduplicationId;
  if (names.has('All')) return all;
  const out: Record<string, string> = {};
  for (const name of names) if (all[name] !== undefined) out[name] = all[name];
  return out;
}

function corruptMd5s(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) corruptMd5s(item);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  for (const [name, field] of Object.entries(record)) {
    if (name === 'MD5OfMessageBody' || name === 'MD5OfBody') record[name] = '0'.repeat(32);
    else corruptMd5s(field);
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': payload.length,
    'x-amzn-requestid': requestId(),
  });
  res.end(payload);
}

function sendError(res: http.ServerResponse, status: number, code: string, queryCode: string, message: string): void {
  const payload = Buffer.from(JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message }));
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': payload.length,
    'x-amzn-requestid': requestId(),
    'x-amzn-query-error': `${queryCode};${status >= 500 ? 'Receiver' : 'Sender'}`,
  });
  res.end(payload);
}

/**
 * The answer to a *Batch call: each entry fails as the scripted reply says, else `apply` runs it; an SqsFailure it
 * throws fails that entry alone (SenderFault), as SQS does.
 */
function batchResult(
  entries: Record<string, unknown>[],
  reply: SqsReply,
  apply: (entry: Record<string, unknown>, id: string) => Record<string, unknown>,
): { Successful: unknown[]; Failed: unknown[] } {
  const Successful: unknown[] = [];
  const Failed: unknown[] = [];
  entries.forEach((e, index) => {
    const id = String(e.Id);
    const failure = reply.failEntry?.(index, e);
    if (failure) {
      Failed.push({
        Id: id,
        SenderFault: failure.senderFault ?? false,
        Code: failure.code,
        Message: failure.message ?? failure.code,
      });
      return;
    }
    try {
      Successful.push({ Id: id, ...apply(e, id) });
    } catch (error) {
      if (!(error instanceof SqsFailure)) throw error;
      Failed.push({ Id: id, SenderFault: true, Code: ERRORS[error.code]?.[0] ?? error.code, Message: error.message });
    }
  });
  return { Successful, Failed };
}
