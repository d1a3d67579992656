/**
 * The handler's own clients (handler.ts `ingestClients`) end a call to a peer that never answers by their timeouts
 * alone, without any abort signal: what production runs, against local peers that hang.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { ingestClients } from '../../../lambda/ingest/handler';
import { setAwsTestEnv } from '../../support/aws-env';
import { IngestHarness, LOG_BUCKET, QUEUE, STREAM } from '../../support/ingest-harness';
import { firehoseFaults } from '../../support/local-firehose';

let h: IngestHarness;
let restore: () => void;
before(async () => {
  h = await IngestHarness.start();
  restore = setAwsTestEnv(
    { s3: h.s3.endpoint, firehose: h.firehose.endpoint, sqs: h.sqs.endpoint },
    { maxAttempts: 1 },
  );
});
after(async () => {
  restore();
  await h.close();
});

const LIMIT = { timeout: 20_000 };
// A 4 s margin: request timeout 1 s, connection timeout 1 s (floors).
const MARGIN_MS = 4_000;

async function endsWithTimeout(call: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await assert.rejects(call, (e: Error) => e.name === 'TimeoutError');
  return Date.now() - started;
}

describe('handler clients', () => {
  it('Firehose: a PutRecordBatch that never answers times out', LIMIT, async () => {
    h.firehose.script(firehoseFaults.hang());
    const { firehose } = ingestClients(MARGIN_MS);
    const ms = await endsWithTimeout(() =>
      firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: STREAM, Records: [{ Data: Buffer.from('x') }] })),
    );
    assert.ok(ms < 5_000, `${ms} ms`);
  });

  it('S3: a GetObject that never answers times out', LIMIT, async () => {
    h.s3.putObject(LOG_BUCKET, 'k', Buffer.from('x'));
    h.s3.script({ hang: true });
    const { s3 } = ingestClients(MARGIN_MS);
    const ms = await endsWithTimeout(() => s3.send(new GetObjectCommand({ Bucket: LOG_BUCKET, Key: 'k' })));
    assert.ok(ms < 5_000, `${ms} ms`);
  });

  it('SQS: a SendMessage that never answers times out', LIMIT, async () => {
    h.sqs.script({ hang: true });
    const { sqs } = ingestClients(MARGIN_MS);
    const ms = await endsWithTimeout(() =>
      sqs.send(new SendMessageCommand({ QueueUrl: h.sqs.queueUrl(QUEUE), MessageBody: 'x' })),
    );
    assert.ok(ms < 5_000, `${ms} ms`);
  });
});
