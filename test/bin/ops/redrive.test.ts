import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { type RedriveDeps, redriveSucceeded, runRedrive } from '../../../bin/ops/redrive';
import { s3TestClientConfig, testClientConfig } from '../../support/aws-env';
import { LocalFirehose } from '../../support/local-firehose';
import { LocalS3 } from '../../support/local-s3';

const LAKE = 'lake';
const STREAM = 's';
const line = (data: string) =>
  JSON.stringify({ errorCode: 'X', errorMessage: 'm', rawData: Buffer.from(data).toString('base64') });
const key = (n: number) => `firehose-errors/t/2026/11/23/18/obj-${n}`;

let s3: LocalS3;
let firehose: LocalFirehose;
let deps: RedriveDeps;
before(async () => {
  [s3, firehose] = await Promise.all([LocalS3.start({ buckets: [LAKE] }), LocalFirehose.start({ streams: [STREAM] })]);
  deps = {
    s3: new S3Client(s3TestClientConfig(s3.endpoint, { maxAttempts: 1 })),
    firehose: new FirehoseClient(testClientConfig(firehose.endpoint, { maxAttempts: 1 })),
    sleep: async () => {},
    random: () => 0,
  };
});
after(() => Promise.all([s3.close(), firehose.close()]));
beforeEach(() => {
  s3.reset();
  s3.createBucket(LAKE);
  firehose.reset();
  firehose.createStream(STREAM);
});

const options = { bucket: LAKE, prefix: 'firehose-errors/', streamName: STREAM, dryRun: false };

describe('runRedrive', () => {
  it('leaves a damaged object untouched and sends nothing from it', async () => {
    const whole = gzipSync(Array.from({ length: 3000 }, (_, i) => line(`{"i":${i}}`)).join('\n'));
    s3.putObject(LAKE, key(1), whole.subarray(0, whole.length - 30));
    s3.putObject(LAKE, key(2), line('{"ok":true}'));
    const r = await runRedrive(options, deps);
    assert.equal(r.outcomes[0]!.status, 'unreadable');
    assert.match(r.outcomes[0]!.problem ?? '', /unexpected end of file/);
    assert.equal(r.outcomes[1]!.status, 'redriven', 'the next object is still handled');
    assert.deepEqual(firehose.texts(STREAM), ['{"ok":true}']);
    assert.ok(s3.getObject(LAKE, key(1)));
    assert.equal(redriveSucceeded(r), false);
  });

  it('reports a duplicate risk when the move fails after Firehose acknowledged the records', async () => {
    s3.putObject(LAKE, key(1), line('{"a":1}'));
    s3.denyAccess(LAKE, key(1).replace('firehose-errors/', 'firehose-errors/redriven/'), ['PutObject']);
    const r = await runRedrive(options, deps);
    const o = r.outcomes[0]!;
    assert.equal(o.status, 'partial');
    assert.equal(o.duplicateRisk, 1);
    assert.match(o.problem ?? '', /copying it to .* failed: AccessDenied/);
    assert.ok(s3.getObject(LAKE, key(1)), 'left in place');
  });

  it('stops after the object under way when interrupted', async () => {
    for (const n of [1, 2, 3]) s3.putObject(LAKE, key(n), line(`{"n":${n}}`));
    const controller = new AbortController();
    const r = await runRedrive(options, {
      ...deps,
      signal: controller.signal,
      onObject: () => controller.abort(),
    });
    assert.equal(r.stopped, 'interrupted');
    assert.equal(r.objects, 1);
    assert.deepEqual(firehose.texts(STREAM), ['{"n":1}']);
    assert.deepEqual(s3.keys(LAKE, 'firehose-errors/t/'), [key(2), key(3)]);
  });

  it('counts records and bytes on a dry run', async () => {
    s3.putObject(LAKE, key(1), [line('{"a":1}'), line('{"bb":22}'), 'junk', ''].join('\n'));
    const r = await runRedrive({ ...options, dryRun: true }, deps);
    assert.deepEqual(
      { status: r.outcomes[0]!.status, records: r.records, unparseable: r.unparseable, bytes: r.outcomes[0]!.bytes },
      { status: 'dry-run', records: 2, unparseable: 1, bytes: 7 + 9 },
    );
    assert.equal(firehose.calls.length, 0);
    assert.equal(redriveSucceeded(r), true);
  });
});
