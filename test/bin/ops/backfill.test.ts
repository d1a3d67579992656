import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  BackfillUsageError,
  CheckpointMismatchError,
  checkpointScope,
  defaultCheckpointFile,
  fileCheckpointStore,
  listScope,
  memoryCheckpointStore,
  runBackfill,
  validateScope,
} from '../../../bin/ops/backfill';
import { decodeEventKey } from '../../../lambda/s3/log-key';
import { LOG_TYPE_IDS, type LogTypeId } from '../../../lambda/schema/log-types';
import { s3TestClientConfig, testClientConfig } from '../../support/aws-env';
import { accessKeyOfDay, logKey } from '../../support/elb-keys';
import { LocalS3 } from '../../support/local-s3';
import { LocalSqs } from '../../support/local-sqs';

const BUCKET = 'logs';
const ACCT = '111122223333';

const key = (day: string, n: number, region?: string, account = ACCT) => accessKeyOfDay(day, n, region, account);

describe('backfill scope', () => {
  it('validates dates, accounts and regions', () => {
    const ok = { bucket: 'b', queueUrl: 'q' };
    validateScope({
      ...ok,
      from: '2028-02-29',
      to: '2028-03-01',
      accounts: [ACCT],
      regions: ['us-gov-west-1', 'eusc-de-east-1'],
    });
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ from: '2026-02-29' }, /--from must be a date/],
      [{ to: '2026-1-01' }, /--to must be a date/],
      [{ from: '2026-11-02', to: '2026-11-01' }, /after --to/],
      [{ accounts: ['1234'] }, /12-digit/],
      [{ regions: ['Europe'] }, /like eu-west-1/],
    ];
    for (const [extra, message] of bad) {
      assert.throws(
        () => validateScope({ ...ok, ...extra }),
        (e: Error) => e instanceof BackfillUsageError && message.test(e.message),
      );
    }
  });

  it('names the default checkpoint after the whole scope, order of filters aside', () => {
    const a = defaultCheckpointFile({ bucket: 'b', queueUrl: 'q', accounts: [ACCT, '999999999999'], prefix: 'p' });
    const b = defaultCheckpointFile({ bucket: 'b', queueUrl: 'q', accounts: ['999999999999', ACCT], prefix: 'p/' });
    assert.match(a, /^\.alb-iceberg-backfill-[0-9a-f]{12}\.json$/);
    assert.equal(a, b);
    assert.notEqual(
      a,
      defaultCheckpointFile({ bucket: 'b', queueUrl: 'q2', accounts: [ACCT, '999999999999'], prefix: 'p' }),
    );
    assert.notEqual(a, defaultCheckpointFile({ bucket: 'b', queueUrl: 'q', from: '2026-01-01', prefix: 'p' }));
  });
});

describe('backfill listing', () => {
  let s3: LocalS3;
  let client: S3Client;
  before(async () => {
    s3 = await LocalS3.start({ buckets: [BUCKET] });
    client = new S3Client(s3TestClientConfig(s3.endpoint, { maxAttempts: 1 }));
  });
  after(() => s3.close());
  beforeEach(() => {
    s3.reset();
    s3.createBucket(BUCKET);
  });

  it('resumes after a key: earlier day folders are not listed, the folder holding it starts after it', async () => {
    const keys = ['2026-11-20', '2026-11-21', '2026-11-22'].flatMap((d) => [key(d, 1), key(d, 2)]);
    for (const k of keys) s3.putObject(BUCKET, k, 'x');
    const counters = { listRequests: 0 };
    const listed: string[] = [];
    for await (const o of listScope(
      client,
      { bucket: BUCKET, queueUrl: 'q', from: '2026-11-20', to: '2026-11-22', accounts: [ACCT], regions: ['eu-west-1'] },
      { afterKey: keys[2]!, today: 0, counters },
    )) {
      listed.push(o.key);
    }
    assert.deepEqual(listed, keys.slice(3));
    assert.equal(counters.listRequests, 2, 'day 21 (after the key) and day 22; day 20 not at all');
  });

  it('stops a bounded listing at its end and pages through long folders', async () => {
    const keys = Array.from({ length: 1005 }, (_, i) => key('2026-11-21', i));
    for (const k of keys) s3.putObject(BUCKET, k, 'x');
    s3.putObject(BUCKET, key('2026-11-22', 1), 'x');
    const counters = { listRequests: 0 };
    const listed: string[] = [];
    for await (const o of listScope(
      client,
      { bucket: BUCKET, queueUrl: 'q', to: '2026-11-21', accounts: [ACCT], regions: ['eu-west-1'] },
      { today: 0, counters },
    )) {
      listed.push(o.key);
    }
    assert.deepEqual(listed, [...keys].sort());
    assert.equal(counters.listRequests, 2);
  });
});

describe('backfill runs', () => {
  let s3: LocalS3;
  let sqs: LocalSqs;
  let deps: { s3: S3Client; sqs: SQSClient; sleep: (ms: number) => Promise<void>; random: () => number };
  before(async () => {
    [s3, sqs] = await Promise.all([LocalS3.start({ buckets: [BUCKET] }), LocalSqs.start({ queues: ['q'] })]);
    deps = {
      s3: new S3Client(s3TestClientConfig(s3.endpoint, { maxAttempts: 1 })),
      sqs: new SQSClient(testClientConfig(sqs.endpoint, { maxAttempts: 1 })),
      sleep: async () => {},
      random: () => 0,
    };
  });
  after(() => Promise.all([s3.close(), sqs.close()]));
  beforeEach(() => {
    s3.reset();
    s3.createBucket(BUCKET);
    sqs.reset();
    sqs.createQueue('q');
  });

  const options = () => ({ bucket: BUCKET, queueUrl: sqs.queueUrl('q'), dryRun: false });
  const sentKeys = () =>
    sqs
      .json<{ Records: { s3: { object: { key: string } } }[] }>('q')
      .map((m) => decodeEventKey(m.Records[0]!.s3.object.key));

  it('saves the checkpoint after every batch, and prunes the keys a later batch covers', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => key('2026-11-21', i)).sort();
    for (const k of keys) s3.putObject(BUCKET, k, 'x');
    const first = keys.slice(0, 10);
    const store = memoryCheckpointStore({
      kind: 'alb-iceberg/backfill-checkpoint',
      version: 1,
      scope: checkpointScope(options()),
      lastKey: first[9]!,
      alsoDone: [keys[11]!, keys[12]!],
      complete: false,
      totals: { objects: 12, bytes: 12, messages: 12 },
      updatedAt: '',
    });
    const r = await runBackfill(options(), { ...deps, checkpoint: store });
    assert.equal(r.complete, true);
    assert.equal(r.skippedAlreadyEnqueued, 2);
    assert.deepEqual(
      sentKeys(),
      keys.slice(10).filter((k) => k !== keys[11] && k !== keys[12]),
    );
    assert.equal(store.saved.length, 2 + 1, 'two batches, then the final save');
    assert.deepEqual(store.saved[0]!.alsoDone, [], 'the first batch covers both earlier extra keys');
    const last = store.saved.at(-1)!;
    assert.equal(last.lastKey, keys[24]);
    assert.equal(last.complete, true);
    assert.deepEqual(last.totals, { objects: 12 + 13, bytes: 12 + 13, messages: 12 + 13 });
  });

  it('refuses a checkpoint of another scope', async () => {
    const store = memoryCheckpointStore({
      kind: 'alb-iceberg/backfill-checkpoint',
      version: 1,
      scope: checkpointScope({ ...options(), prefix: 'other' }),
      alsoDone: [],
      complete: true,
      totals: { objects: 0, bytes: 0, messages: 0 },
      updatedAt: '',
    });
    await assert.rejects(runBackfill(options(), { ...deps, checkpoint: store }), CheckpointMismatchError);
  });

  it('enqueues the log files of the selected types only, counting each skip by why', async () => {
    const day = '2026-11-21';
    const folder = `AWSLogs/${ACCT}/elasticloadbalancing/eu-west-1/2026/11/21/`;
    const typed = LOG_TYPE_IDS.map((t) => logKey(t, day, 1, { prefix: '', account: ACCT, region: 'eu-west-1' }));
    for (const k of [...typed, `${folder}x.parquet`, `${folder}notes.txt`]) s3.putObject(BUCKET, k, 'x');
    const all = await runBackfill({ ...options(), dryRun: true }, deps);
    assert.deepEqual(
      [all.objects, all.skippedNotLogFile, all.skippedCloudwatchDelivery, all.skippedTypeNotSelected],
      [5, 2, 1, 0],
    );
    assert.deepEqual(all.objectsByType, Object.fromEntries(LOG_TYPE_IDS.map((t) => [t, 1])));
    const some = await runBackfill(
      { ...options(), logTypes: ['clb-access', 'alb-health-check'] },
      { ...deps, checkpoint: memoryCheckpointStore() },
    );
    assert.deepEqual(sentKeys(), [typed[2], typed[4]].sort());
    assert.deepEqual([some.objects, some.skippedTypeNotSelected], [2, 3]);
    assert.deepEqual(some.objectsByType, { 'alb-health-check': 1, 'clb-access': 1 });
  });

  it('takes a failed batch back out of the per-type counts', async () => {
    s3.putObject(BUCKET, key('2026-11-21', 1), 'x');
    sqs.behave(() => ({ failEntry: () => ({ code: 'InvalidMessageContents', senderFault: true }) }));
    const r = await runBackfill(options(), { ...deps, checkpoint: memoryCheckpointStore() });
    assert.equal(r.objects, 0);
    assert.deepEqual(r.objectsByType, { 'alb-access': 0 });
  });

  it('rejects an unknown or empty log type selection as a usage error', async () => {
    for (const logTypes of [['alb'], []]) {
      await assert.rejects(
        runBackfill({ ...options(), logTypes: logTypes as LogTypeId[] }, deps),
        (e: unknown) => e instanceof BackfillUsageError && /--type/.test(e.message),
      );
    }
  });

  it('does not retry a message SQS rejects as the sender fault', async () => {
    s3.putObject(BUCKET, key('2026-11-21', 1), 'x');
    sqs.behave(() => ({ failEntry: () => ({ code: 'InvalidMessageContents', senderFault: true }) }));
    const store = memoryCheckpointStore();
    const r = await runBackfill(options(), { ...deps, checkpoint: store });
    assert.match(r.stopped ?? '', /SQS rejected a message: InvalidMessageContents/);
    assert.equal(r.batchCalls, 1);
    assert.equal(r.complete, false);
  });
});

describe('checkpoint identity and log types', () => {
  const base = { bucket: 'b', queueUrl: 'q' };
  it('keeps the identity of checkpoints from before log types for ALB access logs alone', () => {
    const v1 = { bucket: 'b', prefix: '', from: null, to: null, accounts: null, regions: null, queueUrl: 'q' };
    assert.deepEqual(checkpointScope({ ...base, logTypes: ['alb-access'] }), v1);
    assert.equal(
      defaultCheckpointFile({ ...base, logTypes: ['alb-access'] }),
      defaultCheckpointFile({ ...base, logTypes: ['alb-access'] }),
    );
  });

  it('gives a run over other types (every type by default) a checkpoint of its own', () => {
    assert.deepEqual(checkpointScope(base).logTypes, LOG_TYPE_IDS);
    assert.deepEqual(checkpointScope({ ...base, logTypes: ['clb-access', 'nlb-access'] }).logTypes, [
      'nlb-access',
      'clb-access',
    ]);
    const files = new Set(
      [undefined, ['alb-access'], ['clb-access'], ['alb-access', 'clb-access']].map((logTypes) =>
        defaultCheckpointFile({ ...base, ...(logTypes ? { logTypes: logTypes as LogTypeId[] } : {}) }),
      ),
    );
    assert.equal(files.size, 4);
    assert.equal(
      defaultCheckpointFile({ ...base, logTypes: ['clb-access', 'alb-access'] }),
      defaultCheckpointFile({ ...base, logTypes: ['alb-access', 'clb-access'] }),
      'the same selection in another order is the same backfill',
    );
  });
});

describe('fileCheckpointStore', () => {
  it('writes atomically, reads back, and rejects files that are not checkpoints', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alb-iceberg-cp-'));
    const path = join(dir, 'cp.json');
    const store = fileCheckpointStore(path);
    assert.equal(store.load(), undefined);
    const cp = {
      kind: 'alb-iceberg/backfill-checkpoint' as const,
      version: 1 as const,
      scope: checkpointScope({ bucket: 'b', queueUrl: 'q' }),
      lastKey: 'k',
      alsoDone: ['l'],
      complete: false,
      totals: { objects: 1, bytes: 2, messages: 1 },
      updatedAt: '2026-11-23T00:00:00.000Z',
    };
    store.save(cp);
    assert.deepEqual(store.load(), cp);
    assert.deepEqual(readdirSync(dir), ['cp.json'], 'no temporary file left');
    assert.ok(readFileSync(path, 'utf8').endsWith('\n'));
    writeFileSync(path, '{"hello": 1}');
    assert.throws(() => store.load(), /is not a backfill checkpoint/);
    writeFileSync(path, '{');
    assert.throws(() => store.load(), /is not JSON/);
    assert.ok(existsSync(path));
  });
});
