/**
 * Proves the loopback peers (local-s3, local-firehose, local-sqs) work with the real AWS SDK v3 clients over real
 * HTTP, and pins down the SDK behaviours the ingest handler relies on (error names, which errors the SDK retries
 * by itself, endpoint environment variables).
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  FirehoseClient,
  FirehoseServiceException,
  InvalidArgumentException,
  PutRecordBatchCommand,
  PutRecordCommand,
  ResourceNotFoundException,
  ServiceUnavailableException,
} from '@aws-sdk/client-firehose';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  FastRetryStrategy,
  s3TestClientConfig,
  seededRandom,
  setAwsTestEnv,
  TEST_REGION,
  testClientConfig,
  withAwsTestEnv,
} from './aws-env';
import { firehoseFaults, LocalFirehose } from './local-firehose';
import { LocalS3 } from './local-s3';
import { LocalSqs, md5Hex, md5OfMessageAttributes } from './local-sqs';

/** Await a rejection and return the error (assert.rejects does not hand it back). */
async function caught(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  assert.fail('expected a rejection');
}

function metadataOf(error: Record<string, unknown>): { httpStatusCode?: number; attempts?: number } {
  return (error.$metadata ?? {}) as { httpStatusCode?: number; attempts?: number };
}

const records = (...texts: string[]) => texts.map((t) => ({ Data: Buffer.from(t) }));

describe('LocalS3 with the real S3Client', () => {
  let s3: LocalS3;
  let client: S3Client;

  before(async () => {
    s3 = await LocalS3.start({ buckets: ['logs', 'rejects'] });
    client = new S3Client(s3TestClientConfig(s3.endpoint, { maxAttempts: 1 }));
  });
  after(async () => {
    client.destroy();
    await s3.close();
  });

  test('PutObject then GetObject round-trips a binary gzip body', async () => {
    const text = 'line one\nline two\n'.repeat(5000);
    const gz = gzipSync(text);
    const put = await client.send(
      new PutObjectCommand({
        Bucket: 'logs',
        Key: 'AWSLogs/1/a b+c.log.gz',
        Body: gz,
        ContentType: 'application/gzip',
      }),
    );
    assert.equal(put.ETag, s3.getObject('logs', 'AWSLogs/1/a b+c.log.gz')?.etag);
    assert.deepEqual(s3.body('logs', 'AWSLogs/1/a b+c.log.gz'), gz);

    const got = await client.send(new GetObjectCommand({ Bucket: 'logs', Key: 'AWSLogs/1/a b+c.log.gz' }));
    assert.equal(got.ContentLength, gz.length);
    assert.equal(got.ContentType, 'application/gzip');
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    assert.equal(gunzipSync(bytes).toString('utf8'), text);
  });

  test('a streaming PutObject (aws-chunked framing, checksum trailer) is stored decoded', async () => {
    const parts = [Buffer.from('abc'), Buffer.from('def'), Buffer.alloc(70_000, 0x61)];
    const total = parts.reduce((n, p) => n + p.length, 0);
    await client.send(
      new PutObjectCommand({ Bucket: 'rejects', Key: 'streamed', Body: Readable.from(parts), ContentLength: total }),
    );
    assert.deepEqual(s3.body('rejects', 'streamed'), Buffer.concat(parts));
    assert.ok(s3.getObject('rejects', 'streamed')?.checksums.crc32, 'the SDK sent a CRC32 trailer, verified');
  });

  test('GetObject with Range, and seeded objects', async () => {
    s3.putObject('logs', 'seeded.txt', '0123456789');
    const got = await client.send(new GetObjectCommand({ Bucket: 'logs', Key: 'seeded.txt', Range: 'bytes=3-5' }));
    assert.equal(got.ContentRange, 'bytes 3-5/10');
    assert.equal(await got.Body!.transformToString(), '345');

    const etag = s3.getObject('logs', 'seeded.txt')?.etag;
    const same = await client.send(new GetObjectCommand({ Bucket: 'logs', Key: 'seeded.txt', IfMatch: etag }));
    assert.equal(await same.Body!.transformToString(), '0123456789');
    const changed = await caught(
      client.send(new GetObjectCommand({ Bucket: 'logs', Key: 'seeded.txt', IfMatch: '"0"' })),
    );
    assert.equal(changed.name, 'PreconditionFailed');
    assert.equal(metadataOf(changed).httpStatusCode, 412);
  });

  test('HeadObject, and missing keys: NoSuchKey (GET) / NotFound (HEAD)', async () => {
    s3.putObject('logs', 'head-me', Buffer.alloc(123), { metadata: { source: 'x' } });
    const head = await client.send(new HeadObjectCommand({ Bucket: 'logs', Key: 'head-me' }));
    assert.equal(head.ContentLength, 123);
    assert.equal(head.Metadata?.source, 'x');

    const missingGet = await caught(client.send(new GetObjectCommand({ Bucket: 'logs', Key: 'nope' })));
    assert.ok(missingGet instanceof NoSuchKey);
    assert.equal(missingGet.name, 'NoSuchKey');
    assert.equal(metadataOf(missingGet).httpStatusCode, 404);

    const missingHead = await caught(client.send(new HeadObjectCommand({ Bucket: 'logs', Key: 'nope' })));
    assert.equal(missingHead.name, 'NotFound');
    assert.equal(metadataOf(missingHead).httpStatusCode, 404);
  });

  test('ListObjectsV2 with prefix, delimiter, StartAfter and pagination', async () => {
    for (const key of ['p/a/1', 'p/a/2', 'p/b/1', 'p/c', 'p/d', 'q/x']) s3.putObject('logs', key, key);

    const grouped = await client.send(new ListObjectsV2Command({ Bucket: 'logs', Prefix: 'p/', Delimiter: '/' }));
    assert.deepEqual(
      grouped.Contents?.map((c) => c.Key),
      ['p/c', 'p/d'],
    );
    assert.deepEqual(
      grouped.CommonPrefixes?.map((c) => c.Prefix),
      ['p/a/', 'p/b/'],
    );
    assert.equal(grouped.KeyCount, 4);

    const afterKey = await client.send(new ListObjectsV2Command({ Bucket: 'logs', Prefix: 'p/', StartAfter: 'p/b/1' }));
    assert.deepEqual(
      afterKey.Contents?.map((c) => c.Key),
      ['p/c', 'p/d'],
    );

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: 'logs',
          Prefix: 'p/',
          Delimiter: '/',
          MaxKeys: 1,
          ContinuationToken: token,
        }),
      );
      seen.push(...(page.Contents ?? []).map((c) => c.Key!), ...(page.CommonPrefixes ?? []).map((c) => c.Prefix!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    assert.deepEqual(seen, ['p/a/', 'p/b/', 'p/c', 'p/d']);
  });

  test('CopyObject and DeleteObject', async () => {
    s3.putObject('logs', 'dir/src key', 'payload');
    const copied = await client.send(
      new CopyObjectCommand({ Bucket: 'rejects', Key: 'dst', CopySource: `logs/${encodeURIComponent('dir/src key')}` }),
    );
    assert.equal(copied.CopyObjectResult?.ETag, s3.getObject('logs', 'dir/src key')?.etag);
    assert.equal(s3.body('rejects', 'dst')?.toString(), 'payload');

    await client.send(new DeleteObjectCommand({ Bucket: 'rejects', Key: 'dst' }));
    assert.equal(s3.getObject('rejects', 'dst'), undefined);
  });

  test('AccessDenied injected per key', async () => {
    s3.putObject('logs', 'secret', 'x');
    s3.denyAccess('logs', 'secret', ['GetObject', 'HeadObject']);
    const get = await caught(client.send(new GetObjectCommand({ Bucket: 'logs', Key: 'secret' })));
    assert.ok(get instanceof S3ServiceException);
    assert.equal(get.name, 'AccessDenied');
    assert.equal(metadataOf(get).httpStatusCode, 403);
    const head = await caught(client.send(new HeadObjectCommand({ Bucket: 'logs', Key: 'secret' })));
    // S3 sends HEAD errors without a body; the SDK names a bodiless 404 NotFound, but anything else 'Unknown'.
    assert.equal(head.name, 'Unknown');
    assert.equal(metadataOf(head).httpStatusCode, 403);
    s3.allowAccess('logs', 'secret');
    await client.send(new HeadObjectCommand({ Bucket: 'logs', Key: 'secret' }));
  });

  test('a body cut mid-stream fails the read, not the GetObject call', async () => {
    const gz = gzipSync(Buffer.alloc(200_000, 'x'));
    s3.putObject('logs', 'cut.gz', gz);
    s3.cutBody('logs', 'cut.gz', 100);
    const got = await client.send(new GetObjectCommand({ Bucket: 'logs', Key: 'cut.gz' }));
    assert.equal(got.ContentLength, gz.length);
    const readError = await caught(got.Body!.transformToByteArray());
    assert.ok(readError instanceof Error);
    assert.equal(s3.requests.at(-1)?.bytesSent, 100);

    const again = await client.send(new GetObjectCommand({ Bucket: 'logs', Key: 'cut.gz' }));
    assert.deepEqual(Buffer.from(await again.Body!.transformToByteArray()), gz, 'only the next GET was cut');
  });

  test('S3 error injected by script (SlowDown 503) is retried by the SDK', async () => {
    const retrying = new S3Client(s3TestClientConfig(s3.endpoint, { maxAttempts: 3, retryDelayMs: 0 }));
    try {
      s3.putObject('logs', 'busy', 'ok');
      s3.script({ error: { code: 'SlowDown' } });
      const got = await retrying.send(new GetObjectCommand({ Bucket: 'logs', Key: 'busy' }));
      assert.equal(await got.Body!.transformToString(), 'ok');
      assert.equal(got.$metadata.attempts, 2);
    } finally {
      retrying.destroy();
    }
  });

  test('from the environment alone (no forcePathStyle), an IP endpoint gets path-style requests', async () => {
    await withAwsTestEnv({ s3: s3.endpoint }, async () => {
      const envClient = new S3Client({});
      try {
        s3.putObject('logs', 'env.txt', 'via env');
        const got = await envClient.send(new GetObjectCommand({ Bucket: 'logs', Key: 'env.txt' }));
        assert.equal(await got.Body!.transformToString(), 'via env');
        assert.equal(s3.requests.at(-1)?.bucket, 'logs');
      } finally {
        envClient.destroy();
      }
    });
  });
});

describe('LocalFirehose with the real FirehoseClient', () => {
  let firehose: LocalFirehose;
  let client: FirehoseClient;

  before(async () => {
    firehose = await LocalFirehose.start({ streams: ['alb'] });
    client = new FirehoseClient(testClientConfig(firehose.endpoint, { maxAttempts: 1 }));
  });
  after(async () => {
    client.destroy();
    await firehose.close();
  });

  test('PutRecordBatch success: records stored, call logged', async () => {
    firehose.reset();
    const out = await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: records('{"a":1}\n', '{"a":2}\n') }),
    );
    assert.equal(out.FailedPutCount, 0);
    assert.equal(out.RequestResponses?.length, 2);
    assert.ok(out.RequestResponses?.every((r) => r.RecordId && !r.ErrorCode));
    assert.deepEqual(firehose.texts('alb'), ['{"a":1}\n', '{"a":2}\n']);
    const [call] = firehose.calls;
    assert.equal(call?.operation, 'PutRecordBatch');
    assert.equal(call?.entries, 2);
    assert.equal(call?.dataBytes, 16);
    assert.equal(call?.status, 200);
    assert.equal(call?.sdkAttempt, 1);
  });

  test('partial failure: FailedPutCount and per-entry error codes; failed entries not stored', async () => {
    firehose.reset();
    firehose.script(firehoseFaults.failEntries([0, 2], 'ServiceUnavailableException'));
    const out = await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: records('a', 'b', 'c') }),
    );
    assert.equal(out.FailedPutCount, 2);
    assert.equal(out.RequestResponses?.[0]?.ErrorCode, 'ServiceUnavailableException');
    assert.ok(out.RequestResponses?.[0]?.ErrorMessage);
    assert.ok(out.RequestResponses?.[1]?.RecordId);
    assert.equal(out.RequestResponses?.[2]?.ErrorCode, 'ServiceUnavailableException');
    assert.equal(out.$metadata.attempts, 1, 'a partial failure is an HTTP 200: never retried by the SDK');
    assert.deepEqual(firehose.texts('alb'), ['b']);
    assert.equal(firehose.calls[0]?.failedPutCount, 2);

    firehose.script(firehoseFaults.failAllEntries('InternalFailure'));
    const all = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: records('d', 'e') }));
    assert.equal(all.FailedPutCount, 2);
    assert.equal(all.RequestResponses?.[1]?.ErrorCode, 'InternalFailure');
  });

  test('whole-call throttling surfaces as ServiceUnavailableException (HTTP 503)', async () => {
    firehose.reset();
    firehose.script(firehoseFaults.throttle());
    const error = await caught(
      client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: records('x') })),
    );
    assert.ok(error instanceof ServiceUnavailableException);
    assert.equal(error.name, 'ServiceUnavailableException');
    assert.equal(error.message, 'Slow down.');
    assert.equal(metadataOf(error).httpStatusCode, 503);
    assert.equal(error.$fault, 'server');

    firehose.script(firehoseFaults.internalFailure());
    const internal = await caught(
      client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: records('x') })),
    );
    assert.ok(internal instanceof FirehoseServiceException, 'not modelled: the base exception class, named by __type');
    assert.equal(internal.name, 'InternalFailure');
    assert.equal(metadataOf(internal).httpStatusCode, 500);
    assert.deepEqual(firehose.texts('alb'), []);
  });

  test('the SDK retries 503 ServiceUnavailableException, 500 InternalFailure and dropped connections itself', async () => {
    firehose.reset();
    const strategy = new FastRetryStrategy(4, 0);
    const retrying = new FirehoseClient({
      ...testClientConfig(firehose.endpoint),
      maxAttempts: 4,
      retryStrategy: strategy,
    });
    try {
      firehose.script(firehoseFaults.throttle(), firehoseFaults.internalFailure(), firehoseFaults.drop());
      const out = await retrying.send(new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: records('x') }));
      assert.equal(out.$metadata.attempts, 4);
      assert.deepEqual(
        strategy.retried.map((r) => r.errorType),
        ['TRANSIENT', 'TRANSIENT', 'TRANSIENT'],
      );
      assert.deepEqual(
        firehose.calls.map((c) => [c.status, c.sdkAttempt]),
        [
          [503, 1],
          [500, 2],
          [0, 3],
          [200, 4],
        ],
      );
      assert.deepEqual(firehose.texts('alb'), ['x']);
    } finally {
      retrying.destroy();
    }
  });

  test('the default retry strategy (3 attempts, ~50 ms jittered backoff) also retries a 503', async () => {
    firehose.reset();
    const defaults = new FirehoseClient(testClientConfig(firehose.endpoint));
    try {
      firehose.script(firehoseFaults.throttle(), firehoseFaults.throttle());
      const out = await defaults.send(new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: records('y') }));
      assert.equal(out.$metadata.attempts, 3);

      firehose.script(firehoseFaults.throttle(), firehoseFaults.throttle(), firehoseFaults.throttle());
      const error = await caught(
        defaults.send(new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: records('z') })),
      );
      assert.equal(error.name, 'ServiceUnavailableException');
      assert.equal(metadataOf(error).attempts, 3);
    } finally {
      defaults.destroy();
    }
  });

  test('ServiceUnavailableException sent with HTTP 400 is NOT retried by the SDK', async () => {
    firehose.reset();
    const retrying = new FirehoseClient(testClientConfig(firehose.endpoint, { maxAttempts: 3, retryDelayMs: 0 }));
    try {
      firehose.script(firehoseFaults.throttle({ status: 400 }));
      const error = await caught(
        retrying.send(new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: records('x') })),
      );
      assert.ok(error instanceof ServiceUnavailableException);
      assert.equal(metadataOf(error).attempts, 1);
      assert.equal(firehose.calls.length, 1);
    } finally {
      retrying.destroy();
    }
  });

  test('unknown stream: ResourceNotFoundException; over the limits: InvalidArgumentException', async () => {
    firehose.reset();
    const missing = await caught(
      client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'nope', Records: records('x') })),
    );
    assert.ok(missing instanceof ResourceNotFoundException);

    const tooMany = Array.from({ length: 501 }, () => ({ Data: Buffer.from('r') }));
    const overCount = await caught(
      client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: tooMany })),
    );
    assert.ok(overCount instanceof InvalidArgumentException);
    assert.equal(firehose.calls.at(-1)?.entries, 501);

    const big = Array.from({ length: 5 }, () => ({ Data: Buffer.alloc(900 * 1024) }));
    const overBytes = await caught(client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: big })));
    assert.ok(overBytes instanceof InvalidArgumentException);
    assert.equal(firehose.calls.at(-1)?.dataBytes, 5 * 900 * 1024);
    assert.deepEqual(firehose.texts('alb'), []);
  });

  test('PutRecord', async () => {
    firehose.reset();
    const out = await client.send(
      new PutRecordCommand({ DeliveryStreamName: 'alb', Record: { Data: Buffer.from('one') } }),
    );
    assert.ok(out.RecordId);
    assert.deepEqual(firehose.texts('alb'), ['one']);
  });

  test('slow responses: delayed answers, and a client socket timeout becomes a retried TimeoutError', async () => {
    firehose.reset();
    firehose.script(firehoseFaults.slow(60));
    const started = Date.now();
    await client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: records('slow') }));
    assert.ok(Date.now() - started >= 55);

    const strategy = new FastRetryStrategy(2, 0);
    const impatient = new FirehoseClient({
      ...testClientConfig(firehose.endpoint),
      maxAttempts: 2,
      retryStrategy: strategy,
      requestHandler: { socketTimeout: 30 },
    });
    try {
      firehose.script(firehoseFaults.slow(300));
      const out = await impatient.send(
        new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: records('late') }),
      );
      assert.equal(out.$metadata.attempts, 2);
      assert.deepEqual(strategy.retried, [{ errorType: 'TRANSIENT', name: 'TimeoutError' }]);
    } finally {
      impatient.destroy();
    }
  });

  test('a seeded storm is reproducible', async () => {
    const run = async (): Promise<number[]> => {
      firehose.reset();
      firehose.behave(firehoseFaults.storm({ seed: 42, entryFailureRate: 0.3 }));
      const failed: number[] = [];
      for (let i = 0; i < 5; i++) {
        const out = await client.send(
          new PutRecordBatchCommand({ DeliveryStreamName: 'alb', Records: records(...'abcdefghij'.split('')) }),
        );
        failed.push(out.FailedPutCount ?? -1);
      }
      return failed;
    };
    const first = await run();
    const second = await run();
    assert.deepEqual(first, second);
    const total = first.reduce((a, b) => a + b, 0);
    assert.ok(total > 0 && total < 50, `some but not all of 50 entries failed (${total})`);
    assert.equal(firehose.texts('alb').length, 50 - total);
    firehose.behave(undefined);
  });

  test('close() does not hang on a call in flight', async () => {
    const lonely = await LocalFirehose.start({ streams: ['s'] });
    const lonelyClient = new FirehoseClient(testClientConfig(lonely.endpoint, { maxAttempts: 1 }));
    try {
      lonely.script(firehoseFaults.slow(10_000));
      const pending = lonelyClient.send(new PutRecordBatchCommand({ DeliveryStreamName: 's', Records: records('x') }));
      while (lonely.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
      const started = Date.now();
      await lonely.close();
      assert.ok(Date.now() - started < 1000);
      await caught(pending);
    } finally {
      lonelyClient.destroy();
    }
  });
});

describe('LocalSqs with the real SQSClient', () => {
  let sqs: LocalSqs;
  let client: SQSClient;
  let queueUrl: string;
  let clock = 1_000_000;
  const tick = (seconds: number): void => {
    clock += seconds * 1000;
  };

  before(async () => {
    sqs = await LocalSqs.start({ queues: ['ingest'], now: () => clock });
    client = new SQSClient(testClientConfig(sqs.endpoint, { maxAttempts: 1 }));
    queueUrl = sqs.queueUrl('ingest');
  });
  after(async () => {
    client.destroy();
    await sqs.close();
  });

  test('MD5OfMessageAttributes matches known SQS values', () => {
    assert.equal(
      md5OfMessageAttributes({ SellerName: { DataType: 'String', StringValue: 'Example Store' } }),
      'cd28f3b68aeee4b2eac9c66f2f694b58',
    );
    assert.equal(
      md5OfMessageAttributes({
        ordinal: { DataType: 'Number', StringValue: '1' },
        category: { DataType: 'String', StringValue: 'test' },
      }),
      'd21ae90c49061e927f57df5f5d72be1f',
    );
  });

  test('SendMessage: the SDK accepts the MD5s; the message is stored with its delay and attributes', async () => {
    sqs.reset();
    const body = JSON.stringify({ bucket: 'logs', key: 'k', offset: 12, note: 'ünïcødé ✓' });
    const out = await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        DelaySeconds: 30,
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'continuation' } },
      }),
    );
    assert.equal(out.MD5OfMessageBody, md5Hex(body));
    assert.equal(
      out.MD5OfMessageAttributes,
      md5OfMessageAttributes({ kind: { DataType: 'String', StringValue: 'continuation' } }),
    );
    const [stored] = sqs.sent('ingest');
    assert.equal(stored?.body, body);
    assert.equal(stored?.delaySeconds, 30);
    assert.equal(stored?.messageAttributes.kind?.StringValue, 'continuation');
    assert.deepEqual(sqs.json('ingest'), [JSON.parse(body)]);
  });

  test('SendMessageBatch with an injected entry failure', async () => {
    sqs.reset();
    sqs.script({ failEntry: (i) => (i === 1 ? { code: 'InternalError', message: 'boom' } : undefined) });
    const out = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'A' },
          { Id: 'b', MessageBody: 'B' },
          { Id: 'c', MessageBody: 'C', DelaySeconds: 5 },
        ],
      }),
    );
    assert.deepEqual(
      out.Successful?.map((s) => s.Id),
      ['a', 'c'],
    );
    assert.deepEqual(
      out.Failed?.map((f) => [f.Id, f.Code, f.SenderFault]),
      [['b', 'InternalError', false]],
    );
    assert.deepEqual(sqs.bodies('ingest'), ['A', 'C']);
  });

  test('ReceiveMessage honours DelaySeconds; the SDK validates MD5OfBody; DeleteMessage removes', async () => {
    sqs.reset();
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'now' }));
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'later',
        DelaySeconds: 10,
        MessageAttributes: { n: { DataType: 'Number', StringValue: '7' } },
      }),
    );
    const first = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    assert.deepEqual(
      first.Messages?.map((m) => m.Body),
      ['now'],
    );
    await client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first.Messages![0]!.ReceiptHandle! }),
    );

    tick(10);
    const second = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const [later] = second.Messages ?? [];
    assert.equal(later?.Body, 'later');
    assert.equal(later?.MessageAttributes?.n?.StringValue, '7');
    assert.equal(
      later?.MD5OfMessageAttributes,
      md5OfMessageAttributes({ n: { DataType: 'Number', StringValue: '7' } }),
    );
    assert.equal(later?.Attributes?.ApproximateReceiveCount, '1');
    assert.deepEqual(
      sqs.messages('ingest').map((m) => m.body),
      ['later'],
    );

    const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    assert.equal(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible, '1');
    assert.equal(attrs.Attributes?.QueueArn, sqs.queueArn('ingest'));
  });

  test('long polling: ReceiveMessage with WaitTimeSeconds returns when a message arrives', async () => {
    sqs.reset();
    const started = Date.now();
    const receiving = client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5 }));
    setTimeout(() => {
      void client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'awaited' }));
    }, 50);
    const got = await receiving;
    assert.deepEqual(
      got.Messages?.map((m) => m.Body),
      ['awaited'],
    );
    assert.ok(Date.now() - started < 2000);
  });

  test('unknown queue: QueueDoesNotExist (via the x-amzn-query-error header)', async () => {
    const error = await caught(
      client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl('missing'), MessageBody: 'x' })),
    );
    assert.ok(error instanceof QueueDoesNotExist);
    assert.equal(metadataOf(error).httpStatusCode, 400);
  });

  test('a wrong MD5 from the server is rejected by the SDK (its validation runs against this server)', async () => {
    sqs.script({ corruptMd5: true });
    const error = await caught(client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'checked' })));
    assert.match(error.message, /InvalidChecksumError/);
  });

  test('from the environment alone, the SQS client reaches LocalSqs', async () => {
    await withAwsTestEnv({ sqs: sqs.endpoint }, async () => {
      const envClient = new SQSClient({});
      try {
        sqs.reset();
        await envClient.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'env' }));
        assert.deepEqual(sqs.bodies('ingest'), ['env']);
      } finally {
        envClient.destroy();
      }
    });
  });
});

describe('aws-env', () => {
  test('setAwsTestEnv sets and restores variables', () => {
    const before = { region: process.env.AWS_REGION, s3: process.env.AWS_ENDPOINT_URL_S3 };
    const restore = setAwsTestEnv({ s3: 'http://127.0.0.1:1' }, { maxAttempts: 1, extra: { SOME_TEST_VAR: 'x' } });
    assert.equal(process.env.AWS_ENDPOINT_URL_S3, 'http://127.0.0.1:1');
    assert.equal(process.env.AWS_ENDPOINT_URL_FIREHOSE, undefined);
    assert.equal(process.env.AWS_REGION, TEST_REGION);
    assert.equal(process.env.AWS_MAX_ATTEMPTS, '1');
    assert.equal(process.env.SOME_TEST_VAR, 'x');
    restore();
    assert.equal(process.env.AWS_REGION, before.region);
    assert.equal(process.env.AWS_ENDPOINT_URL_S3, before.s3);
    assert.equal(process.env.SOME_TEST_VAR, undefined);
  });

  test('a client reads AWS_ENDPOINT_URL_* at its first request and keeps it', async () => {
    const one = await LocalFirehose.start({ streams: ['s'] });
    const two = await LocalFirehose.start({ streams: ['s'] });
    const restore = setAwsTestEnv({ firehose: one.endpoint }, { maxAttempts: 1 });
    const envClient = new FirehoseClient({});
    try {
      await envClient.send(new PutRecordBatchCommand({ DeliveryStreamName: 's', Records: records('1') }));
      process.env.AWS_ENDPOINT_URL_FIREHOSE = two.endpoint;
      await envClient.send(new PutRecordBatchCommand({ DeliveryStreamName: 's', Records: records('2') }));
      assert.deepEqual(one.texts('s'), ['1', '2']);
      assert.deepEqual(two.texts('s'), []);

      const fresh = new FirehoseClient({});
      await fresh.send(new PutRecordBatchCommand({ DeliveryStreamName: 's', Records: records('3') }));
      fresh.destroy();
      assert.deepEqual(two.texts('s'), ['3']);
    } finally {
      restore();
      envClient.destroy();
      await one.close();
      await two.close();
    }
  });

  test('seededRandom is deterministic', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 5 }, () => a());
    assert.deepEqual(
      xs,
      Array.from({ length: 5 }, () => b()),
    );
    assert.ok(xs.every((x) => x >= 0 && x < 1));
  });
});
