/**
 * The scheduled completeness check (lambda/check/handler.ts) against LocalS3, LocalDynamoDb and LocalSqs: an object
 * whose notification was never sent is found (ObjectsNotInPipeline = 1 in the EMF line) and enqueued only with
 * AUTO_ENQUEUE=true; objects inside the grace period are left alone; the run stops before the deadline and says so.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { type CheckConfig, CheckConfigError, readCheckConfig } from '../../../lambda/check/config';
import { CHECK_ENV } from '../../../lambda/check/env';
import { handler, NOT_IN_PIPELINE_MESSAGE, runCheck, STOP_MARGIN_MS } from '../../../lambda/check/handler';
import { dayOf } from '../../../lambda/inventory/dates';
import { ObjectLedger } from '../../../lambda/ledger/object-ledger';
import { decodeEventKey } from '../../../lambda/s3/log-key';
import { LOG_TYPE_IDS, type LogTypeId } from '../../../lambda/schema/log-types';
import { albLine } from '../../support/alb-line';
import { setAwsTestEnv } from '../../support/aws-env';
import { cloudwatchParquetKey, logKey } from '../../support/elb-keys';
import { accessKey, LedgerFixture, type OpsPeers, startOpsPeers } from '../../support/ledger-fixture';
import { LEDGER_TEST_TABLE, type LocalDynamoDb } from '../../support/local-dynamodb';
import type { LocalS3 } from '../../support/local-s3';
import type { LocalSqs } from '../../support/local-sqs';

const BUCKET = 'alb-logs';
const QUEUE = 'ingest';
const NOW = Date.parse('2026-11-23T12:00:00Z');
const body = gzipSync(`${albLine()}\n`);

let peers: OpsPeers;
let s3: LocalS3;
let ddb: LocalDynamoDb;
let sqs: LocalSqs;
let s3c: S3Client;
let ddbc: DynamoDBClient;
let sqsc: SQSClient;
let fixture: LedgerFixture;

before(async () => {
  peers = await startOpsPeers(BUCKET, QUEUE);
  ({ s3, ddb, sqs, s3c, ddbc, sqsc } = peers);
  fixture = new LedgerFixture(ddbc);
});
after(() => peers.close());
beforeEach(() => sqs.reset());

/** Seeds one day folder (`day`, with `prefix`): a done object, one never notified, one inside the grace period. */
async function seed(day: string, now: number, prefix = 'prod/') {
  const keys = {
    done: accessKey(day, 1, { prefix }),
    lost: accessKey(day, 2, { prefix }),
    recent: accessKey(day, 3, { prefix }),
  };
  const etag = s3.putObject(BUCKET, keys.done, body, { lastModified: new Date(now - 3_600_000) }).etag;
  await fixture.done({ bucket: BUCKET, key: keys.done, etag }, 1);
  s3.putObject(BUCKET, keys.lost, body, { lastModified: new Date(now - 2 * 3_600_000) });
  s3.putObject(BUCKET, keys.recent, body, { lastModified: new Date(now - 60_000) });
  return keys;
}

const config = (over: Partial<CheckConfig> = {}): CheckConfig => ({
  logBucket: BUCKET,
  logPrefix: 'prod',
  ledgerTableName: LEDGER_TEST_TABLE,
  stackName: 'AlbIcebergTest',
  graceMinutes: 30,
  lookbackDays: 1,
  autoEnqueue: false,
  logTypes: LOG_TYPE_IDS,
  ingestQueueUrl: undefined,
  ...over,
});

async function check(c: CheckConfig, remainingMs = () => 600_000) {
  const lines: Record<string, unknown>[] = [];
  const result = await runCheck(c, {
    s3: s3c,
    ledger: new ObjectLedger({ client: ddbc, tableName: LEDGER_TEST_TABLE, retentionDays: 0 }),
    sqs: sqsc,
    now: () => NOW,
    remainingMs,
    write: (line) => lines.push(JSON.parse(line)),
    sleep: async () => {},
  });
  const emf = lines.filter((l) => '_aws' in l);
  assert.equal(emf.length, 1, 'one EMF line per run');
  return { result, emf: emf[0]!, logs: lines.filter((l) => !('_aws' in l)) };
}

const enqueuedKeys = () =>
  sqs
    .json<{ Records: { s3: { object: { key: string } } }[] }>(QUEUE)
    .map((m) => decodeEventKey(m.Records[0]!.s3.object.key));

describe('scheduled completeness check', () => {
  let keys: Awaited<ReturnType<typeof seed>>;
  before(async () => {
    keys = await seed('2026-11-22', NOW);
  });

  it('finds the object whose notification never came (ObjectsNotInPipeline = 1) and enqueues nothing by default', async () => {
    const { result, emf, logs } = await check(config());
    assert.deepEqual({ from: result.from, to: result.to }, { from: '2026-11-22', to: '2026-11-23' });
    assert.equal(emf.ObjectsNotInPipeline, 1, 'the recent object is inside the grace period');
    assert.equal(emf.ObjectsDone, 1);
    assert.equal(emf.ObjectsEnqueued, 0);
    assert.equal(emf.CheckErrors, 0);
    assert.equal(emf.Service, 'completeness-check');
    assert.equal(emf.Stack, 'AlbIcebergTest');
    const directive = (
      emf._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] }
    ).CloudWatchMetrics[0]!;
    assert.equal(directive.Namespace, 'AlbIceberg');
    assert.deepEqual(directive.Dimensions, [['Service', 'Stack']]);
    assert.deepEqual(directive.Metrics.map((m) => m.Name).sort(), [
      'CheckErrors',
      'ObjectsDone',
      'ObjectsEnqueued',
      'ObjectsFailed',
      'ObjectsInProgress',
      'ObjectsNotInPipeline',
    ]);
    const lost = logs.find((l) => l.message === NOT_IN_PIPELINE_MESSAGE);
    assert.ok(lost, 'logs the objects not in the pipeline');
    assert.deepEqual(lost.keys, [keys.lost]);
    assert.equal(lost.level, 'error');
    assert.equal(sqs.sent(QUEUE).length, 0);
    assert.equal(sqs.calls.length, 0);
  });

  it('with AUTO_ENQUEUE enqueues exactly the missing object, not the recent one', async () => {
    const { emf } = await check(config({ autoEnqueue: true, ingestQueueUrl: sqs.queueUrl(QUEUE) }));
    assert.deepEqual(enqueuedKeys(), [keys.lost]);
    assert.equal(emf.ObjectsEnqueued, 1);
    assert.equal(emf.ObjectsNotInPipeline, 1);
  });

  it('ignores objects inside the grace period (a grace period longer than their age: nothing missing)', async () => {
    const { emf, logs } = await check(
      config({ graceMinutes: 180, autoEnqueue: true, ingestQueueUrl: sqs.queueUrl(QUEUE) }),
    );
    assert.equal(emf.ObjectsNotInPipeline, 0);
    assert.equal(emf.ObjectsEnqueued, 0);
    assert.equal(sqs.sent(QUEUE).length, 0);
    assert.ok(!logs.some((l) => l.message === NOT_IN_PIPELINE_MESSAGE));
  });

  it('checks only today and LOOKBACK_DAYS before it (0: today only, where nothing is missing)', async () => {
    const { result, emf } = await check(config({ lookbackDays: 0 }));
    assert.deepEqual({ from: result.from, to: result.to }, { from: '2026-11-23', to: '2026-11-23' });
    assert.equal(emf.ObjectsNotInPipeline, 0);
    assert.equal(emf.ObjectsDone, 0);
  });

  it('stops cleanly before the deadline, says so, and still writes its metrics', async () => {
    // Less than the stop margin left (but more than the calls' reserve): discovery runs, no folder is started.
    const { result, emf, logs } = await check(config(), () => STOP_MARGIN_MS - 1);
    assert.equal(result.stopped, 'deadline');
    assert.equal(emf.CheckErrors, 1);
    assert.equal(emf.ObjectsNotInPipeline, 0);
    const warn = logs.find((l) => l.level === 'warn');
    assert.match(String(warn?.message), /stopped before the invocation deadline/);
    assert.equal(warn?.foldersChecked, 0);
    assert.equal(logs.find((l) => l.message === 'completeness check')?.stopped, 'deadline');
  });

  it('counts an S3 failure as CheckErrors = 1 and logs it, without failing the invocation', async () => {
    s3.behave((r) => (r.operation === 'ListObjectsV2' ? { error: { code: 'AccessDenied' } } : undefined));
    try {
      const { emf, logs } = await check(config());
      assert.equal(emf.CheckErrors, 1);
      assert.equal(emf.ObjectsNotInPipeline, 0);
      assert.match(String(logs.find((l) => l.level === 'error')?.error), /AccessDenied/);
    } finally {
      s3.behave(undefined);
    }
  });

  it('handler(): reads its configuration from the environment and discovers today’s folder', async () => {
    const now = Date.now();
    const today = await seed(dayOf(now), now, '');
    const restore = setAwsTestEnv(
      { s3: s3.endpoint, dynamodb: ddb.endpoint, sqs: sqs.endpoint },
      {
        extra: {
          [CHECK_ENV.logBucket]: BUCKET,
          [CHECK_ENV.logPrefix]: '',
          [CHECK_ENV.ledgerTableName]: LEDGER_TEST_TABLE,
          [CHECK_ENV.stackName]: 'AlbIcebergTest',
          [CHECK_ENV.lookbackDays]: '0',
          [CHECK_ENV.autoEnqueue]: 'true',
          [CHECK_ENV.ingestQueueUrl]: sqs.queueUrl(QUEUE),
        },
      },
    );
    const written: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const result = await handler({} as ScheduledEvent, { getRemainingTimeInMillis: () => 300_000 } as Context);
      assert.equal(result.metrics.ObjectsNotInPipeline, 1);
      assert.equal(result.metrics.ObjectsEnqueued, 1);
    } finally {
      process.stdout.write = write;
      restore();
    }
    assert.deepEqual(enqueuedKeys(), [today.lost]);
    const emf = written.map((l) => JSON.parse(l)).find((l) => '_aws' in l);
    assert.equal(emf.ObjectsNotInPipeline, 1);
  });
});

describe('scheduled completeness check: every log type, and the types the deployment ingests', () => {
  const DAY = '2026-11-22';
  const prefix = 'multi/';
  const old = new Date(NOW - 2 * 3_600_000);
  const missing = Object.fromEntries(LOG_TYPE_IDS.map((t) => [t, logKey(t, DAY, 1, { prefix })])) as Record<
    LogTypeId,
    string
  >;
  const parquet = cloudwatchParquetKey(DAY, 2, { prefix });
  before(() => {
    for (const k of Object.values(missing)) s3.putObject(BUCKET, k, body, { lastModified: old });
    s3.putObject(BUCKET, parquet, body, { lastModified: old });
  });

  it('finds the never-notified file of every type (Classic .log included), never the CloudWatch delivery object', async () => {
    const { emf, logs } = await check(config({ logPrefix: 'multi' }));
    assert.equal(emf.ObjectsNotInPipeline, LOG_TYPE_IDS.length);
    const lost = logs.find((l) => l.message === NOT_IN_PIPELINE_MESSAGE);
    assert.deepEqual(lost?.keys, Object.values(missing).sort());
    assert.deepEqual(lost?.byType, Object.fromEntries(LOG_TYPE_IDS.map((t) => [t, 1])));
    const summary = logs.find((l) => l.message === 'completeness check');
    assert.deepEqual([summary?.notLogFiles, summary?.cloudwatchDelivery], [1, 1]);
    assert.deepEqual(summary?.skippedByConfiguration, {});
  });

  it('reports files of types the deployment does not ingest as skipped by configuration, and never enqueues them', async () => {
    const logTypes: LogTypeId[] = ['alb-access', 'clb-access'];
    const { emf, logs } = await check(
      config({ logPrefix: 'multi', logTypes, autoEnqueue: true, ingestQueueUrl: sqs.queueUrl(QUEUE) }),
    );
    assert.equal(emf.ObjectsNotInPipeline, 2);
    assert.equal(emf.ObjectsEnqueued, 2);
    assert.deepEqual(enqueuedKeys(), [missing['alb-access'], missing['clb-access']].sort());
    const summary = logs.find((l) => l.message === 'completeness check');
    assert.deepEqual(summary?.logTypes, logTypes);
    assert.deepEqual(summary?.skippedByConfiguration, { 'alb-connection': 1, 'alb-health-check': 1, 'nlb-access': 1 });
  });
});

describe('check configuration', () => {
  const env = { LOG_BUCKET: 'b', LEDGER_TABLE_NAME: 't', STACK_NAME: 's' };

  it('applies the defaults: prefix none, grace 30 min, today and yesterday, no auto-enqueue', () => {
    assert.deepEqual(readCheckConfig(env), {
      logBucket: 'b',
      logPrefix: '',
      ledgerTableName: 't',
      stackName: 's',
      graceMinutes: 30,
      lookbackDays: 1,
      autoEnqueue: false,
      logTypes: LOG_TYPE_IDS,
      ingestQueueUrl: undefined,
    });
  });

  it('reads LOG_TYPES as the comma-separated types the deployment ingests, in a fixed order', () => {
    assert.deepEqual(readCheckConfig({ ...env, LOG_TYPES: 'clb-access, alb-access' }).logTypes, [
      'alb-access',
      'clb-access',
    ]);
  });

  it('names the variable that is missing or invalid', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ LEDGER_TABLE_NAME: 't', STACK_NAME: 's' }, /missing required environment variable LOG_BUCKET/],
      [{ ...env, LOOKBACK_DAYS: '1.5' }, /LOOKBACK_DAYS must be an integer from 0 to 31, got '1.5'/],
      [{ ...env, LOOKBACK_DAYS: '99' }, /LOOKBACK_DAYS must be an integer from 0 to 31/],
      [{ ...env, GRACE_MINUTES: 'x' }, /GRACE_MINUTES must be a number from 0 to 1440/],
      [{ ...env, AUTO_ENQUEUE: 'yes' }, /AUTO_ENQUEUE must be 'true' or 'false', got 'yes'/],
      [{ ...env, AUTO_ENQUEUE: 'true' }, /INGEST_QUEUE_URL is required when AUTO_ENQUEUE is true/],
      [
        { ...env, LOG_TYPES: 'alb-access,classic' },
        /environment variable LOG_TYPES: unknown log type 'classic'; valid types: alb-access, alb-connection, alb-health-check, nlb-access, clb-access/,
      ],
      [{ ...env, LOG_TYPES: '' }, /environment variable LOG_TYPES must name log types separated by commas/],
    ];
    for (const [e, message] of cases) {
      assert.throws(
        () => readCheckConfig(e),
        (err: unknown) => err instanceof CheckConfigError && message.test(err.message),
      );
    }
  });
});
