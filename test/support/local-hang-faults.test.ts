/**
 * The hang faults of the local peers, seen through the real SDK: a request accepted and never answered ends only by
 * the client's abort or timeout, and a stalled GetObject body sends headers and some bytes, then nothing.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { s3TestClientConfig, testClientConfig } from './aws-env';
import { firehoseFaults, LocalFirehose } from './local-firehose';
import { LocalS3 } from './local-s3';
import { LocalSqs } from './local-sqs';

let s3: LocalS3;
let firehose: LocalFirehose;
let sqs: LocalSqs;
before(async () => {
  [s3, firehose, sqs] = await Promise.all([
    LocalS3.start({ buckets: ['b'] }),
    LocalFirehose.start({ streams: ['s'] }),
    LocalSqs.start({ queues: ['q'] }),
  ]);
});
after(() => Promise.all([s3.close(), firehose.close(), sqs.close()]));
beforeEach(() => {
  s3.reset();
  firehose.reset();
  sqs.reset();
});

const LIMIT = { timeout: 10_000 };
const put = new PutRecordBatchCommand({ DeliveryStreamName: 's', Records: [{ Data: Buffer.from('r1') }] });

describe('local peers: hang faults', () => {
  it('Firehose hang: nothing stored, the call ends only when aborted', LIMIT, async () => {
    const client = new FirehoseClient(testClientConfig(firehose.endpoint, { maxAttempts: 1 }));
    firehose.script(firehoseFaults.hang());
    await assert.rejects(client.send(put, { abortSignal: AbortSignal.timeout(300) }), { name: 'AbortError' });
    assert.equal(firehose.hung, 1);
    assert.deepEqual(firehose.texts('s'), []);
  });

  it('Firehose hang after storing: the records land, the answer never comes (request timeout)', LIMIT, async () => {
    const client = new FirehoseClient(
      testClientConfig(firehose.endpoint, {
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 1000, requestTimeout: 300, socketTimeout: 0, throwOnRequestTimeout: true },
      }),
    );
    firehose.script(firehoseFaults.hang({ afterStoring: true }));
    await assert.rejects(client.send(put), { name: 'TimeoutError' });
    assert.deepEqual(firehose.texts('s'), ['r1']);
  });

  it('S3 hang: a GetObject that never answers ends only when aborted', LIMIT, async () => {
    const client = new S3Client(s3TestClientConfig(s3.endpoint, { maxAttempts: 1 }));
    s3.putObject('b', 'k', Buffer.from('hello'));
    s3.script({ hang: true });
    await assert.rejects(
      client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }), { abortSignal: AbortSignal.timeout(300) }),
      {
        name: 'AbortError',
      },
    );
    assert.equal(s3.hung, 1);
  });

  it('S3 stallBody: headers and the first bytes arrive, then nothing until the reader gives up', LIMIT, async () => {
    const client = new S3Client(s3TestClientConfig(s3.endpoint, { maxAttempts: 1 }));
    s3.putObject('b', 'k', Buffer.from('0123456789'));
    s3.stallBody('b', 'k', 4);
    const res = await client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
    const body = res.Body as NodeJS.ReadableStream & { destroy(): void };
    const first = await new Promise<Buffer>((resolve) => body.once('data', (c: Buffer) => resolve(c)));
    assert.equal(first.toString(), '0123');
    const more = await Promise.race([
      new Promise((resolve) => body.once('data', () => resolve('data'))),
      new Promise((resolve) => setTimeout(() => resolve('silence'), 300)),
    ]);
    assert.equal(more, 'silence');
    body.destroy();
    assert.equal(s3.hung, 1);
    // The next GET is normal again.
    const again = await client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
    assert.equal(await again.Body!.transformToString(), '0123456789');
  });

  it('SQS hang: a SendMessage that never answers ends only when aborted, nothing enqueued', LIMIT, async () => {
    const client = new SQSClient(testClientConfig(sqs.endpoint, { maxAttempts: 1 }));
    sqs.script({ hang: true });
    await assert.rejects(
      client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl('q'), MessageBody: 'x' }), {
        abortSignal: AbortSignal.timeout(300),
      }),
      { name: 'AbortError' },
    );
    assert.equal(sqs.hung, 1);
    assert.deepEqual(sqs.bodies('q'), []);
  });
});
