/**
 * The ingest handler's full path (SQS event → GetObject stream → parse → batch → PutRecordBatch over HTTP) against
 * the local peers started by bench/peers.ts. Bundled by esbuild like the Lambda. Also runnable as a child process
 * (`node handler-path.js ENDPOINTS_JSON KEY [ENGINE]`) to measure peak RSS.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { processBatch } from '../lambda/ingest/process-batch';
import type { Telemetry } from '../lambda/ingest/telemetry';
import type { ParserEngine } from '../lambda/parser/line-encoder';
import { LOG_TYPE_IDS } from '../lambda/schema/log-types';
import type { LogTypeId } from '../lambda/schema/types';

export interface PeerEndpoints {
  readonly s3: string;
  readonly firehose: string;
  readonly sqs: string;
  readonly queueUrl: string;
}

export interface HandlerPathResult {
  readonly records: number;
  readonly lines: number;
  readonly failures: number;
}

const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

/** Every log type enabled, all into the one local stream: the key decides the type, as in production. */
const DELIVERY_STREAMS = Object.fromEntries(LOG_TYPE_IDS.map((t) => [t, 'bench-stream'])) as Record<LogTypeId, string>;

/**
 * One SQS message for the object `key` through the handler's `processBatch`, with the parser engine the ingest
 * function's `PARSER_ENGINE` would select (config.ts reads it into `parserEngine`).
 */
export async function handlerPath(
  peers: PeerEndpoints,
  key: string,
  engine: ParserEngine = 'kernel',
): Promise<HandlerPathResult> {
  const counts: Record<string, number> = {};
  const telemetry: Telemetry = {
    log: () => {},
    count: (m, v = 1) => {
      counts[m] = (counts[m] ?? 0) + v;
    },
    flush: () => {},
  };
  const region = 'us-east-1';
  const response = await processBatch(
    {
      Records: [
        {
          messageId: 'bench',
          receiptHandle: 'bench',
          body: JSON.stringify({ Records: [{ s3: { bucket: { name: 'bench-logs' }, object: { key } } }] }),
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: '0',
            SenderId: 'bench',
            ApproximateFirstReceiveTimestamp: '0',
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench-queue',
          awsRegion: region,
        },
      ],
    },
    {
      s3: new S3Client({ endpoint: peers.s3, region, credentials, forcePathStyle: true }),
      firehose: new FirehoseClient({ endpoint: peers.firehose, region, credentials }),
      sqs: new SQSClient({ endpoint: peers.sqs, region, credentials }),
      config: {
        deliveryStreams: DELIVERY_STREAMS,
        rejectsBucket: 'bench-lake',
        rejectsPrefix: 'rejects/',
        ingestQueueUrl: peers.queueUrl,
        maxInFlight: 4,
        retryBudgetMs: 60_000,
        safetyMarginMs: 20_000,
        maxAttemptsWithoutProgress: 5,
        parserEngine: engine,
      },
      telemetry,
      remainingMs: () => 900_000,
    },
  );
  return {
    records: counts.RecordsSent ?? 0,
    lines: counts.Lines ?? 0,
    failures: response.batchItemFailures.length + (counts.ObjectsUnfinished ?? 0),
  };
}

if (require.main === module) {
  const [peers, key, engine] = process.argv.slice(2);
  handlerPath(JSON.parse(peers!), key!, engine === 'reference' ? 'reference' : 'kernel').then((r) => {
    process.stdout.write(`${JSON.stringify({ ...r, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
  });
}
