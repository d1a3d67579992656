/** The exported handler's public contract: environment configuration and SDK default clients (endpoint variables). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Context } from 'aws-lambda';
import { deliveryStreamEnv, ENV } from '../../../lambda/ingest/env';
import { handler } from '../../../lambda/ingest/handler';
import { albLine } from '../../support/alb-line';
import { setAwsTestEnv } from '../../support/aws-env';
import { IngestHarness, LAKE_BUCKET, LOG_BUCKET, logKey, QUEUE, STREAM } from '../../support/ingest-harness';

let h: IngestHarness;
let restore: () => void;
before(async () => {
  h = await IngestHarness.start();
  restore = setAwsTestEnv({ s3: h.s3.endpoint, firehose: h.firehose.endpoint, sqs: h.sqs.endpoint });
});
after(async () => {
  restore();
  await h.close();
});

const context = { getRemainingTimeInMillis: () => 300_000 } as Context;

describe('handler', () => {
  it('fails the invocation with a message naming a missing variable', async () => {
    delete process.env[deliveryStreamEnv('alb-access')];
    await assert.rejects(
      handler({ Records: [] }, context),
      /missing required environment variable DELIVERY_STREAM_ALB_ACCESS/,
    );
  });

  it('ingests through the SDK clients configured by AWS_ENDPOINT_URL_* variables', async () => {
    Object.assign(process.env, {
      [deliveryStreamEnv('alb-access')]: STREAM,
      [ENV.rejectsBucket]: LAKE_BUCKET,
      [ENV.rejectsPrefix]: 'rejects/',
      [ENV.ingestQueueUrl]: h.sqs.queueUrl(QUEUE),
      [ENV.stackName]: 'AlbIcebergHandlerTest',
    });
    const key = logKey('viaenv');
    h.s3.putObject(LOG_BUCKET, key, gzipSync(`${albLine()}\n${albLine({ set: { time: 'x' } })}\n`));
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
    let response: Awaited<ReturnType<typeof handler>>;
    try {
      response = await handler({ Records: [h.record(h.s3Event(key))] }, context);
    } finally {
      process.stdout.write = write;
    }
    assert.deepEqual(response, { batchItemFailures: [] });
    assert.equal(h.firehose.texts(STREAM).length, 1);
    assert.equal(h.s3.keys(LAKE_BUCKET, 'rejects/').length, 1);
    const logs = out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    assert.ok(logs.some((l) => l.message === 'object summary' && l.rejects === 1));
    assert.ok(
      logs.some((l) => l._aws && l.RecordsSent === 1),
      'EMF metrics line written',
    );
  });
});
