/**
 * Runs the ingest pipeline end to end against the local S3, Firehose and SQS servers, with real SDK clients over
 * HTTP, and plays the part of SQS: continuation messages the handler enqueues are delivered back to it.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { requestHandlerOptions } from '../../lambda/aws/client-config';
import type { IngestConfig } from '../../lambda/ingest/config';
import { ingestClientTimeouts, s3ClientTimeouts } from '../../lambda/ingest/deadline';
import { type BatchDeps, processBatch } from '../../lambda/ingest/process-batch';
import type { LogLevel, MetricName, Telemetry } from '../../lambda/ingest/telemetry';
import type { LogTypeId } from '../../lambda/schema/types';
import { s3TestClientConfig, seededRandom, testClientConfig } from './aws-env';
import { LocalFirehose } from './local-firehose';
import { LocalS3 } from './local-s3';
import { LocalSqs } from './local-sqs';

export const LOG_BUCKET = 'alb-logs';
export const LAKE_BUCKET = 'lake';
export const STREAM = 'alb-stream';
/** One stream per log type, as the stack creates them; ALB access logs go to {@link STREAM}. */
export const STREAMS: Readonly<Record<LogTypeId, string>> = {
  'alb-access': STREAM,
  'alb-connection': 'alb-connection-stream',
  'alb-health-check': 'alb-health-check-stream',
  'nlb-access': 'nlb-access-stream',
  'clb-access': 'clb-access-stream',
};
export const QUEUE = 'ingest';

export function logKey(random = 'r4nd0m', day = '23'): string {
  return (
    `prod/AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/${day}/` +
    `123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_202611${day}T1805Z_10.0.1.23_${random}.log.gz`
  );
}

export interface CapturedTelemetry extends Telemetry {
  readonly logs: { level: LogLevel; message: string; fields: Record<string, unknown> }[];
  readonly metrics: Partial<Record<MetricName, number>>;
}

export function captureTelemetry(): CapturedTelemetry {
  const logs: CapturedTelemetry['logs'] = [];
  const metrics: Partial<Record<MetricName, number>> = {};
  return {
    logs,
    metrics,
    log: (level, message, fields = {}) => logs.push({ level, message, fields }),
    count: (metric, value = 1) => {
      metrics[metric] = (metrics[metric] ?? 0) + value;
    },
    flush: () => {},
  };
}

export class IngestHarness {
  telemetry = captureTelemetry();
  /** Fake clock: advanced only by the handler's backoff sleeps, so retry budgets are deterministic and instant. */
  clock = 1_000_000;
  private sentSeen = 0;
  private messageSeq = 0;

  private constructor(
    readonly s3: LocalS3,
    readonly firehose: LocalFirehose,
    readonly sqs: LocalSqs,
  ) {}

  static async start(): Promise<IngestHarness> {
    const [s3, firehose, sqs] = await Promise.all([
      LocalS3.start({ buckets: [LOG_BUCKET, LAKE_BUCKET] }),
      LocalFirehose.start({ streams: Object.values(STREAMS) }),
      LocalSqs.start({ queues: [QUEUE] }),
    ]);
    return new IngestHarness(s3, firehose, sqs);
  }

  config(overrides: Partial<IngestConfig> = {}): IngestConfig {
    return {
      deliveryStreams: STREAMS,
      rejectsBucket: LAKE_BUCKET,
      rejectsPrefix: 'rejects/',
      ingestQueueUrl: this.sqs.queueUrl(QUEUE),
      maxInFlight: 4,
      retryBudgetMs: 10_000,
      safetyMarginMs: 5_000,
      maxAttemptsWithoutProgress: 3,
      ...overrides,
    };
  }

  /**
   * Dependencies with SDK retries off (maxAttempts 1), so the handler's own retry logic is what is tested. The
   * clients have the timeouts production derives from the safety margin (lambda/ingest/deadline.ts).
   */
  deps(overrides: Omit<Partial<BatchDeps>, 'config'> & { config?: Partial<IngestConfig> } = {}): BatchDeps {
    const { config, ...rest } = overrides;
    const resolved = this.config(config);
    const timeouts = requestHandlerOptions(ingestClientTimeouts(resolved.safetyMarginMs));
    const s3Timeouts = requestHandlerOptions(s3ClientTimeouts(resolved.safetyMarginMs));
    return {
      s3: new S3Client(s3TestClientConfig(this.s3.endpoint, { maxAttempts: 1, requestHandler: s3Timeouts })),
      firehose: new FirehoseClient(
        testClientConfig(this.firehose.endpoint, { maxAttempts: 1, requestHandler: timeouts }),
      ),
      sqs: new SQSClient(testClientConfig(this.sqs.endpoint, { maxAttempts: 1, requestHandler: timeouts })),
      config: resolved,
      telemetry: this.telemetry,
      remainingMs: () => 600_000,
      now: () => this.clock,
      sleep: async (ms) => {
        this.clock += ms;
      },
      random: seededRandom(7),
      ...rest,
    };
  }

  reset(): void {
    this.s3.reset();
    this.s3.createBucket(LOG_BUCKET);
    this.s3.createBucket(LAKE_BUCKET);
    this.firehose.reset();
    for (const stream of Object.values(STREAMS)) this.firehose.createStream(stream);
    this.sqs.reset();
    this.sqs.createQueue(QUEUE);
    this.telemetry = captureTelemetry();
    this.sentSeen = 0;
  }

  record(body: string): SQSRecord {
    const id = `m-${++this.messageSeq}`;
    return {
      messageId: id,
      receiptHandle: `rh-${id}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:ingest',
      awsRegion: 'us-east-1',
    };
  }

  /** An S3 ObjectCreated notification body, with the key URL-encoded as S3 does. */
  s3Event(key: string, size?: number, bucket = LOG_BUCKET): string {
    const encoded = encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
    return JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: bucket }, object: { key: encoded, ...(size === undefined ? {} : { size }) } },
        },
      ],
    });
  }

  /**
   * Invokes the batch processor with `bodies`, then keeps delivering the continuation messages it enqueues (as SQS
   * would, ignoring delays) until none is left or `maxRounds` is reached. `depsFor(round)` may vary the environment.
   */
  async drive(
    bodies: string[],
    depsFor: (round: number) => BatchDeps = () => this.deps(),
    maxRounds = 50,
  ): Promise<{ responses: SQSBatchResponse[]; events: SQSEvent[] }> {
    const responses: SQSBatchResponse[] = [];
    const events: SQSEvent[] = [];
    let pending = bodies;
    for (let round = 0; pending.length > 0; round++) {
      if (round >= maxRounds) throw new Error(`still enqueuing continuations after ${maxRounds} rounds`);
      const event: SQSEvent = { Records: pending.map((b) => this.record(b)) };
      events.push(event);
      responses.push(await processBatch(event, depsFor(round)));
      pending = this.takeNewMessages();
    }
    return { responses, events };
  }

  /** Bodies sent to the ingest queue since the last call. */
  takeNewMessages(): string[] {
    const sent = this.sqs.sent(QUEUE);
    const fresh = sent.slice(this.sentSeen).map((m) => m.body);
    this.sentSeen = sent.length;
    return fresh;
  }

  /** Delivered rows of one log type's stream (default ALB access logs), parsed. */
  rows(logType: LogTypeId = 'alb-access'): Record<string, unknown>[] {
    return this.firehose.texts(STREAMS[logType]).map((t) => JSON.parse(t));
  }

  /** Delivered line numbers per source file, in delivery order. */
  deliveredLines(sourceFile?: string): number[] {
    return this.rows()
      .filter((r) => sourceFile === undefined || r.source_file === sourceFile)
      .map((r) => r.line_number as number);
  }

  close(): Promise<unknown> {
    return Promise.all([this.s3.close(), this.firehose.close(), this.sqs.close()]);
  }
}
