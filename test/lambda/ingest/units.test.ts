import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Batch, Batcher, MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from '../../../lambda/ingest/batcher';
import { readIngestConfig } from '../../../lambda/ingest/config';
import { deliveryStreamEnv, ENV } from '../../../lambda/ingest/env';
import { decodeMessageBody, encodeContinuation, MalformedMessageError } from '../../../lambda/ingest/messages';
import { LineProgress, mergeRanges, RangeCursor } from '../../../lambda/ingest/progress';
import { METRICS_NAMESPACE, stdoutTelemetry } from '../../../lambda/ingest/telemetry';

describe('Batcher', () => {
  it('keeps every batch within the count and byte limits, in line order, losing nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 900_000 }), { maxLength: 1500 }), (sizes) => {
        const batcher = new Batcher();
        const batches: Batch[] = [];
        sizes.forEach((size, i) => {
          const full = batcher.add({ lineNumber: i + 1, data: new Uint8Array(size) });
          if (full) batches.push(full);
        });
        const last = batcher.flush();
        if (last) batches.push(last);
        for (const b of batches) {
          assert.ok(b.records.length <= MAX_BATCH_RECORDS && b.bytes <= MAX_BATCH_BYTES);
          assert.equal(
            b.bytes,
            b.records.reduce((n, r) => n + r.data.length, 0),
          );
        }
        assert.deepEqual(
          batches.flatMap((b) => b.records.map((r) => r.lineNumber)),
          sizes.map((_, i) => i + 1),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a record over the per-record limit (the parser rejects those first)', () => {
    assert.throws(() => new Batcher().add({ lineNumber: 1, data: new Uint8Array(1_000_001) }), RangeError);
  });
});

describe('LineProgress', () => {
  it('checkpoints at the end of the contiguous done prefix and lists done lines beyond it', () => {
    const p = new LineProgress(10);
    for (let l = 11; l <= 20; l++) p.markPending(l);
    p.readThrough(25); // 21-25: blank or rejected, done at once
    for (const l of [11, 12, 13, 16, 17, 20]) p.markDone(l);
    assert.equal(p.checkpoint(), 13);
    assert.deepEqual(p.doneRangesAfterCheckpoint([[30, 40]]), [
      [16, 17],
      [20, 25],
      [30, 40],
    ]);
  });

  it('has nothing pending once every line is acknowledged', () => {
    const p = new LineProgress(0);
    p.markPending(1);
    p.readThrough(3);
    p.markDone(1);
    assert.equal(p.pendingCount, 0);
    assert.equal(p.checkpoint(), 3);
    assert.deepEqual(p.doneRangesAfterCheckpoint(), []);
  });

  it('resuming from checkpoint + done ranges visits exactly the undone lines (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(fc.boolean(), { maxLength: 200 }), (n, acked) => {
        const p = new LineProgress(0);
        for (let l = 1; l <= n; l++) p.markPending(l);
        p.readThrough(n);
        for (let l = 1; l <= n; l++) if (acked[l - 1]) p.markDone(l);
        const cursor = new RangeCursor(p.doneRangesAfterCheckpoint());
        const revisit: number[] = [];
        for (let l = p.checkpoint() + 1; l <= n; l++) if (!cursor.has(l)) revisit.push(l);
        const undone = Array.from({ length: n }, (_, i) => i + 1).filter((l) => !acked[l - 1]);
        assert.deepEqual(revisit, undone);
      }),
    );
  });

  it('merges ranges', () => {
    assert.deepEqual(
      mergeRanges([
        [5, 6],
        [1, 2],
        [3, 3],
        [8, 9],
        [9, 12],
      ]),
      [
        [1, 3],
        [5, 6],
        [8, 12],
      ],
    );
  });
});

describe('decodeMessageBody', () => {
  it('reads S3 notifications, URL-decoding keys', () => {
    const body = JSON.stringify({
      Records: [{ s3: { bucket: { name: 'b' }, object: { key: 'a+b/c%3D.log.gz', size: 12 } } }],
    });
    assert.deepEqual(decodeMessageBody(body), {
      kind: 'work',
      objects: [
        {
          bucket: 'b',
          key: 'a b/c=.log.gz',
          size: 12,
          resumeAfterLine: 0,
          doneRanges: [],
          attemptsWithoutProgress: 0,
          continuations: 0,
        },
      ],
      ignored: [],
    });
  });

  it('round-trips continuations', () => {
    const c = {
      bucket: 'b',
      key: 'k with space+plus',
      etag: '"e"',
      resumeAfterLine: 10,
      doneRanges: [[12, 14]] as [number, number][],
      attemptsWithoutProgress: 1,
      continuations: 2,
    };
    assert.deepEqual(decodeMessageBody(encodeContinuation(c)), { kind: 'work', objects: [c], ignored: [] });
  });

  it('acknowledges the S3 test event', () => {
    assert.deepEqual(decodeMessageBody('{"Service":"Amazon S3","Event":"s3:TestEvent"}'), { kind: 'test-event' });
  });

  it('explains what is wrong with a malformed body', () => {
    const cases: [string, RegExp][] = [
      ['nope', /not JSON/],
      ['[1]', /not a JSON object/],
      ['{"Records":[{"s3":{}}]}', /Records\[0\] has no s3.bucket.name/],
      ['{"Records":[{"s3":{"bucket":{"name":"b"},"object":{"key":"%E0%A4%A"}}}]}', /not URL-encoded correctly/],
      ['{"type":"alb-iceberg/continuation","version":1,"bucket":"b"}', /invalid continuation/],
      ['{"hello":"world"}', /not an S3 event/],
    ];
    for (const [body, reason] of cases) {
      assert.throws(
        () => decodeMessageBody(body),
        (e: Error) => e instanceof MalformedMessageError && reason.test(e.message),
      );
    }
  });
});

describe('readIngestConfig', () => {
  const base = {
    [deliveryStreamEnv('alb-access')]: 's',
    [ENV.rejectsBucket]: 'b',
    [ENV.rejectsPrefix]: 'rejects/',
    [ENV.ingestQueueUrl]: 'https://q',
    [ENV.stackName]: 'AlbIceberg',
  };

  it('names the missing variable', () => {
    for (const name of Object.keys(base)) {
      const env = { ...base, [name]: undefined };
      assert.throws(() => readIngestConfig(env), new RegExp(`missing required environment variable ${name}`));
    }
  });

  it('applies defaults and validates tuning values', () => {
    assert.equal(readIngestConfig(base).maxInFlight, 4);
    assert.equal(readIngestConfig({ ...base, [ENV.maxInFlight]: '8' }).maxInFlight, 8);
    assert.throws(() => readIngestConfig({ ...base, [ENV.maxInFlight]: 'lots' }), /MAX_IN_FLIGHT_BATCHES must be/);
  });
});

describe('stdoutTelemetry', () => {
  it('writes structured logs and one EMF line per flush', () => {
    const lines: string[] = [];
    const t = stdoutTelemetry(
      (l) => lines.push(l),
      () => 'AlbIceberg',
    );
    t.log('info', 'hello', { key: 'k' });
    t.count('Rejects', 2);
    t.count('Rejects');
    t.flush();
    t.flush();
    assert.equal(lines.length, 2);
    assert.equal(JSON.parse(lines[0]!).key, 'k');
    const emf = JSON.parse(lines[1]!);
    assert.equal(emf.Rejects, 3);
    assert.equal(emf._aws.CloudWatchMetrics[0].Namespace, METRICS_NAMESPACE);
    assert.deepEqual(emf._aws.CloudWatchMetrics[0].Metrics, [{ Name: 'Rejects', Unit: 'Count' }]);
  });

  it('publishes the per-type metrics again under a LogType dimension, beside their totals', () => {
    const lines: string[] = [];
    const t = stdoutTelemetry(
      (l) => lines.push(l),
      () => 'AlbIceberg',
    );
    t.count('Lines', 5, 'nlb-access');
    t.count('Lines', 2, 'alb-access');
    t.count('Rejects', 1, 'nlb-access');
    t.count('BytesIn', 100, 'nlb-access'); // not a per-type metric: in the totals only
    t.flush();
    const [total, nlb, alb] = lines.map((l) => JSON.parse(l));
    assert.equal(lines.length, 3);
    assert.deepEqual(total._aws.CloudWatchMetrics[0].Dimensions, [['Service', 'Stack']]);
    assert.deepEqual([total.Lines, total.Rejects, total.BytesIn, total.LogType], [7, 1, 100, undefined]);
    assert.deepEqual(nlb._aws.CloudWatchMetrics[0].Dimensions, [['Service', 'Stack', 'LogType']]);
    assert.deepEqual([nlb.LogType, nlb.Lines, nlb.Rejects, nlb.BytesIn], ['nlb-access', 5, 1, undefined]);
    assert.deepEqual([alb.LogType, alb.Lines], ['alb-access', 2]);
    t.flush();
    assert.equal(lines.length, 3, 'nothing left after a flush');
  });

  it("scopes every metric to the function's stack: dimensions Service=ingest and Stack=<stack name>", () => {
    const lines: string[] = [];
    const t = stdoutTelemetry(
      (l) => lines.push(l),
      () => 'AlbIcebergIntegTest',
    );
    t.count('Lines', 5);
    t.flush();
    const emf = JSON.parse(lines[0]!);
    assert.deepEqual(emf._aws.CloudWatchMetrics[0].Dimensions, [['Service', 'Stack']]);
    assert.equal(emf.Service, 'ingest');
    assert.equal(emf.Stack, 'AlbIcebergIntegTest');
  });

  it('reads the stack name from the environment variable the stack sets', () => {
    const previous = process.env[ENV.stackName];
    process.env[ENV.stackName] = 'FromEnv';
    try {
      const lines: string[] = [];
      const t = stdoutTelemetry((l) => lines.push(l));
      t.count('Lines');
      t.flush();
      assert.equal(JSON.parse(lines[0]!).Stack, 'FromEnv');
    } finally {
      if (previous === undefined) delete process.env[ENV.stackName];
      else process.env[ENV.stackName] = previous;
    }
  });
});
