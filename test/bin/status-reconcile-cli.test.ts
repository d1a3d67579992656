/**
 * `alb-iceberg status`, `reconcile` and `backfill --ledger-table` against LocalS3, LocalDynamoDb (the real ledger
 * table, entries written with ObjectLedger) and LocalSqs, with real SDK clients over loopback HTTP.
 *
 * The bucket, "now" being 2026-11-23 12:00 UTC:
 *   2026-11-22: d1, d2 done (100 and 50 lines); f3 failed; s4 skipped; m5 missing (never reached the ledger);
 *               r7 replaced (the ledger has an older version done: the new one is missing, the old entry gone);
 *               g6 deleted from S3 (its done entry is gone); a key that is no log file (a `conn_log_` name without
 *               the ELB part) and a 0-byte access log (not judged)
 *   2026-11-23: d8 done (10 lines); p11 in progress; n9 recent (5 minutes old); m10 missing (2 hours old)
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DeleteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { main } from '../../bin/cli';
import { NO_LEDGER_WARNING, runBackfillCommand } from '../../bin/commands/backfill';
import { type ReconcileCommandDeps, runReconcileCommand } from '../../bin/commands/reconcile';
import { runStatusCommand, type StatusJson } from '../../bin/commands/status';
import { REINGEST_EVENT_NAME } from '../../lambda/ingest/messages';
import { ObjectLedger } from '../../lambda/ledger/object-ledger';
import { decodeEventKey } from '../../lambda/s3/log-key';
import { LOG_TYPE_IDS, type LogTypeId } from '../../lambda/schema/log-types';
import { albLine } from '../support/alb-line';
import { setAwsTestEnv, testClientConfig } from '../support/aws-env';
import { captureIo } from '../support/cli-io';
import { cloudwatchParquetKey, logKey } from '../support/elb-keys';
import { ACCOUNT, accessKey, LedgerFixture, type OpsPeers, startOpsPeers } from '../support/ledger-fixture';
import { dynamoFaults, LEDGER_TEST_TABLE, type LocalDynamoDb } from '../support/local-dynamodb';
import type { LocalS3 } from '../support/local-s3';
import type { LocalSqs } from '../support/local-sqs';

const BUCKET = 'alb-logs';
const QUEUE = 'ingest';
const NOW = Date.parse('2026-11-23T12:00:00Z');
const OLD = new Date('2026-11-22T10:00:00Z');

const K = {
  d1: accessKey('2026-11-22', 1),
  d2: accessKey('2026-11-22', 2),
  f3: accessKey('2026-11-22', 3),
  s4: accessKey('2026-11-22', 4),
  m5: accessKey('2026-11-22', 5),
  g6: accessKey('2026-11-22', 6),
  r7: accessKey('2026-11-22', 7),
  empty: accessKey('2026-11-22', 12),
  conn: `prod/AWSLogs/${ACCOUNT}/elasticloadbalancing/us-east-1/2026/11/22/conn_log_${ACCOUNT}_app.web.50dc6c495c0c9188_20261122T1000Z_10.0.0.1_x.log.gz`,
  d8: accessKey('2026-11-23', 8),
  n9: accessKey('2026-11-23', 9),
  m10: accessKey('2026-11-23', 10),
  p11: accessKey('2026-11-23', 11),
};

let peers: OpsPeers;
let s3: LocalS3;
let ddb: LocalDynamoDb;
let sqs: LocalSqs;
let s3c: S3Client;
let ddbc: DynamoDBClient;
let sqsc: SQSClient;

before(async () => {
  peers = await startOpsPeers(BUCKET, QUEUE);
  ({ s3, ddb, sqs, s3c, ddbc, sqsc } = peers);
  const body = (n: number) => gzipSync(`${albLine()}\n`.repeat(n));
  const put = (key: string, n: number, lastModified = OLD) => s3.putObject(BUCKET, key, body(n), { lastModified }).etag;
  const v = (key: string, etag: string) => ({ bucket: BUCKET, key, etag });
  const fixture = new LedgerFixture(ddbc);
  await fixture.done(v(K.d1, put(K.d1, 1)), 100);
  await fixture.done(v(K.d2, put(K.d2, 2)), 50);
  await fixture.failed(v(K.f3, put(K.f3, 3)), 'Firehose: AccessDeniedException');
  await fixture.skipped(v(K.s4, put(K.s4, 4)), 'test: not ingested on purpose');
  put(K.m5, 5);
  await fixture.done(v(K.g6, 'etag-of-a-deleted-object'), 7); // never in S3 any more
  await fixture.done(v(K.r7, 'etag-of-the-first-version'), 70);
  put(K.r7, 7); // the new content: another ETag
  s3.putObject(BUCKET, K.empty, Buffer.alloc(0), { lastModified: OLD });
  put(K.conn, 1);
  await fixture.done(v(K.d8, put(K.d8, 8, new Date(NOW - 3_600_000))), 10);
  put(K.n9, 9, new Date(NOW - 5 * 60_000));
  put(K.m10, 10, new Date(NOW - 2 * 3_600_000));
  await fixture.inProgress(v(K.p11, put(K.p11, 11, new Date(NOW - 3_600_000))));
});
after(() => peers.close());
beforeEach(() => sqs.reset());

const scope = ['--bucket', BUCKET, '--prefix', 'prod', '--ledger-table', LEDGER_TEST_TABLE];
const deps = () => ({
  s3: s3c,
  dynamodb: ddbc,
  stderrIsTTY: false,
  now: () => NOW,
  signal: new AbortController().signal,
});

async function status(args: string[]) {
  const c = captureIo();
  const code = await runStatusCommand(args, c.io, deps());
  return { code, stdout: c.out(), stderr: c.err() };
}

async function reconcile(args: string[], extra: Partial<ReconcileCommandDeps> = {}) {
  const c = captureIo();
  const code = await runReconcileCommand(args, c.io, { ...deps(), sqs: sqsc, sleep: async () => {}, ...extra });
  return { code, stdout: c.out(), stderr: c.err() };
}

/** Keys enqueued so far (decoded from the message bodies), sorted, with the ETag each message names. */
function enqueued(): { key: string; eTag: string; eventName: string }[] {
  return sqs
    .json<{ Records: { eventName: string; s3: { object: { key: string; eTag: string } } }[] }>(QUEUE)
    .map((m) => {
      assert.equal(m.Records.length, 1, 'one object per message');
      const r = m.Records[0]!;
      return { key: decodeEventKey(r.s3.object.key), eTag: r.s3.object.eTag, eventName: r.eventName };
    })
    .sort((a, b) => (a.key < b.key ? -1 : 1));
}
const etagOf = (key: string) => s3.getObject(BUCKET, key)!.etag.replace(/"/g, '');

describe('alb-iceberg status', () => {
  it('counts every verdict per day exactly, in the --json document, and exits 1 when objects are missing', async () => {
    // Act
    const r = await status([...scope, '--from', '2026-11-22', '--to', '2026-11-23', '--json']);
    // Assess
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, '', 'no progress line when stderr is not a terminal');
    const doc = JSON.parse(r.stdout) as StatusJson;
    assert.equal(doc.kind, 'alb-iceberg/status');
    assert.equal(doc.version, 2);
    assert.deepEqual(
      { from: doc.from, to: doc.to, prefix: doc.prefix, accounts: doc.accounts, graceMinutes: doc.graceMinutes },
      { from: '2026-11-22', to: '2026-11-23', prefix: 'prod/', accounts: null, graceMinutes: 30 },
    );
    assert.equal(doc.accountedFor, false);
    assert.equal(doc.complete, true);
    const [d22, d23] = doc.days;
    const size = (key: string) => s3.body(BUCKET, key)!.length;
    assert.deepEqual(d22, {
      day: '2026-11-22',
      accountedFor: false,
      folders: 1,
      done: { objects: 2, lines: 150, bytes: size(K.d1) + size(K.d2) },
      inProgress: { objects: 0, lines: 0, bytes: 0 },
      failed: { objects: 1, lines: 0, bytes: size(K.f3), causes: { 'Firehose: AccessDeniedException': 1 } },
      skipped: { objects: 1, bytes: size(K.s4), reasons: { 'test: not ingested on purpose': 1 } },
      missing: { objects: 2, bytes: size(K.m5) + size(K.r7) },
      recent: { objects: 0, bytes: 0 },
      beforeLedger: { objects: 0, bytes: 0 },
      gone: { objects: 2, lines: 77, bytes: 0 },
      replaced: 1,
      empty: 1,
      notLogFiles: 1,
      cloudwatchDelivery: 0,
      notSelected: 0,
      notAccessLogs: 1,
      types: d22!.types,
      samples: { missing: [K.m5, K.r7], failed: [K.f3] },
    });
    // Every object of the day is an ALB access log (the other key is no log file): its type has the day's figures.
    const access = d22!.types['alb-access'];
    for (const f of ['done', 'inProgress', 'failed', 'skipped', 'missing', 'recent', 'beforeLedger', 'gone'] as const) {
      assert.deepEqual(access[f], d22![f], f);
    }
    assert.deepEqual([access.replaced, access.empty, access.notSelected], [1, 1, 0]);
    assert.equal(d22!.types['alb-connection'].done.objects + d22!.types['clb-access'].missing.objects, 0);
    assert.deepEqual(
      {
        done: d23!.done.objects,
        lines: d23!.done.lines,
        inProgress: d23!.inProgress.objects,
        missing: d23!.missing.objects,
        recent: d23!.recent.objects,
        failed: d23!.failed.objects,
        gone: d23!.gone.objects,
      },
      { done: 1, lines: 10, inProgress: 1, missing: 1, recent: 1, failed: 0, gone: 0 },
    );
    assert.deepEqual(d23!.samples, { missing: [K.m10], failed: [] });
    assert.equal(doc.total.missing.objects, 3);
    assert.equal(doc.total.done.lines, 160);
    assert.deepEqual(doc.requests, { listObjectsV2: 4, ledgerFolderQueries: 2 }, 'discovery (2) + one per day folder');
  });

  it('prints a table with one row per day and a total, the causes, the missing keys and what to do next', async () => {
    const r = await status([...scope, '--from', '2026-11-22', '--to', '2026-11-23']);
    assert.equal(r.code, 1);
    const rows = r.stdout.split('\n');
    const header = rows.find((l) => l.startsWith('day '));
    assert.match(
      header ?? '',
      /^day\s+done\s+lines\s+in-progress\s+failed\s+skipped\s+missing\s+recent\s+before-ledger\s+gone\s+replaced$/,
    );
    const cells = (day: string) =>
      rows
        .find((l) => l.startsWith(day))
        ?.trim()
        .split(/\s+/)
        .slice(1)
        .map(Number);
    assert.deepEqual(cells('2026-11-22'), [2, 150, 0, 1, 1, 2, 0, 0, 2, 1]);
    assert.deepEqual(cells('2026-11-23'), [1, 10, 1, 0, 0, 1, 1, 0, 0, 0]);
    assert.deepEqual(cells('total'), [3, 160, 1, 1, 1, 3, 1, 0, 2, 1]);
    assert.match(r.stdout, /failed, by cause:\n {2}2026-11-22 {2}1 {2}Firehose: AccessDeniedException/);
    assert.match(r.stdout, /skipped, by reason:\n {2}2026-11-22 {2}1 {2}test: not ingested on purpose/);
    for (const k of [K.m5, K.r7, K.m10]) assert.ok(r.stdout.includes(`  ${k}\n`), `names missing ${k}`);
    assert.match(r.stdout, /not judged: 1 empty log file\(s\), 1 key\(s\) that are no log file\n/);
    assert.match(r.stdout, /\nby log type \(total\):\ntype .*\nalb-access {5}3 {4}160 .* {6}1 {13}0\n\n/);
    assert.match(r.stdout, /NOT accounted for: 3 missing, 1 failed\. Next: 'alb-iceberg reconcile'/);
  });

  it('exits 0 when every object is accounted for (a grace period that makes the missing ones recent)', async () => {
    const r = await status([...scope, '--from', '2026-11-23', '--to', '2026-11-23', '--grace-minutes', '180']);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /accounted for: nothing missing, nothing failed \(3 still on their way\)/);
    const json = JSON.parse(
      (await status([...scope, '--from', '2026-11-23', '--grace-minutes', '180', '--json'])).stdout,
    );
    assert.equal(json.to, '2026-11-23', '--to defaults to today (UTC)');
    assert.equal(json.accountedFor, true);
    assert.equal(json.days[0].recent.objects, 2);
    assert.equal(json.days[0].missing.objects, 0);
  });

  it('is scoped by --account and --log-region (another account: nothing there, exit 0)', async () => {
    const r = await status([
      ...scope,
      '--from',
      '2026-11-22',
      '--to',
      '2026-11-22',
      '--account',
      '210987654321',
      '--json',
    ]);
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.stdout) as StatusJson;
    assert.deepEqual(doc.accounts, ['210987654321']);
    assert.equal(doc.days[0]!.folders, 0, 'no region folder under that account');
    assert.equal(doc.days.length, 1, 'the day is still reported');
    assert.equal(doc.total.done.objects + doc.total.missing.objects, 0);
    const wrongRegion = await status([
      ...scope,
      '--from',
      '2026-11-22',
      '--to',
      '2026-11-22',
      '--log-region',
      'eu-west-1',
    ]);
    assert.equal(wrongRegion.code, 0);
  });

  it('answers a usage error with one line and exit 2, never a stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['--bucket', BUCKET, '--ledger-table', 't'], /--from is required/],
      [['--bucket', BUCKET, '--from', '2026-11-22'], /--ledger-table is required/],
      [[...scope, '--from', '2026-11-31'], /--from must be a date YYYY-MM-DD/],
      [[...scope, '--from', '2026-11-23', '--to', '2026-11-22'], /--from 2026-11-23 is after --to 2026-11-22/],
      [[...scope, '--from', '2026-11-24'], /--from 2026-11-24 is after today \(2026-11-23\)/],
      [[...scope, '--from', '2026-11-22', '--grace-minutes', 'soon'], /--grace-minutes must be a number/],
      [[...scope, '--from', '2026-11-22', '--account', '42'], /--account must be a 12-digit/],
      [[...scope, '--from', '2026-11-22', '--nope'], /Unknown option '--nope'/],
    ];
    for (const [args, message] of cases) {
      const r = await status(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^alb-iceberg status: ${message.source}`));
      assert.match(r.stderr, /\nRun 'alb-iceberg status --help' for usage\.\n$/);
      assert.equal(r.stderr.split('\n').length, 3, r.stderr);
      assert.equal(r.stdout, '');
    }
  });

  it('exits 1 with the error, not a stack trace, when the ledger table does not exist', async () => {
    const r = await status([
      '--bucket',
      BUCKET,
      '--prefix',
      'prod',
      '--ledger-table',
      'no-such-table',
      '--from',
      '2026-11-22',
      '--to',
      '2026-11-22',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^alb-iceberg status: ResourceNotFoundException/);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  });

  it('ends with the endpoint named when the ledger accepts connections and never answers', {
    timeout: 20_000,
  }, async () => {
    ddb.fault((call) => (call.operation === 'Query' ? dynamoFaults.hang() : undefined));
    try {
      const c = captureIo();
      const started = Date.now();
      const code = await runStatusCommand([...scope, '--from', '2026-11-22', '--to', '2026-11-22'], c.io, {
        ...deps(),
        dynamodb: undefined,
        aws: {
          timeouts: { connectionTimeoutMs: 200, requestTimeoutMs: 300, socketTimeoutMs: 300 },
          config: testClientConfig(ddb.endpoint, { maxAttempts: 1 }),
        },
      });
      assert.equal(code, 1);
      assert.ok(Date.now() - started < 10_000, 'ended within seconds');
      assert.match(c.err(), new RegExp(`calling ${ddb.endpoint.replace(/[.]/g, '\\.')}; connect timeout 200 ms`));
    } finally {
      ddb.fault(undefined);
    }
  });

  it('runs through the alb-iceberg dispatcher with clients from the environment (AWS_ENDPOINT_URL_DYNAMODB)', async () => {
    const restore = setAwsTestEnv({ s3: s3.endpoint, dynamodb: ddb.endpoint });
    try {
      const c = captureIo();
      const code = await main(['status', ...scope, '--from', '2026-11-22', '--to', '2026-11-22', '--json'], c.io);
      assert.equal(code, 1, c.err());
      assert.equal((JSON.parse(c.out()) as StatusJson).days[0]!.missing.objects, 2);
    } finally {
      restore();
    }
  });
});

describe('alb-iceberg reconcile', () => {
  const range = ['--from', '2026-11-22', '--to', '2026-11-23'];

  it('--dry-run lists exactly the missing objects and enqueues nothing', async () => {
    const r = await reconcile([...scope, ...range, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sqs.sent(QUEUE).length, 0);
    assert.equal(sqs.calls.length, 0, 'no SQS call at all');
    assert.match(r.stdout, /^reconcile \(dry run\): /);
    assert.match(r.stdout, /to enqueue: 3 missing \(/);
    const listed = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('  missing: '))
      .map((l) => l.slice(11));
    assert.deepEqual(listed.sort(), [K.m5, K.r7, K.m10].sort());
    assert.match(
      r.stdout,
      /left alone: 3 done, 1 skipped, 1 in progress, 1 recent, 1 failed \(--failed enqueues them\)/,
    );
  });

  it('enqueues exactly the missing objects (the current version of a replaced one), as backfill messages', async () => {
    const r = await reconcile([...scope, ...range, '--queue', sqs.queueUrl(QUEUE)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      enqueued(),
      [K.m5, K.r7, K.m10]
        .map((key) => ({ key, eTag: etagOf(key), eventName: 'ObjectCreated:Backfill' }))
        .sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
    assert.match(r.stdout, /enqueued: 3 missing of 3 selected/);
  });

  it('--failed also enqueues the failed ones, never a done, skipped, in-progress or recent one', async () => {
    const r = await reconcile([...scope, ...range, '--queue-url', sqs.queueUrl(QUEUE), '--failed']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      enqueued().map((e) => e.key),
      [K.f3, K.m5, K.r7, K.m10].sort(),
    );
    assert.match(r.stdout, /enqueued: 3 missing, 1 failed of 4 selected/);
  });

  it('stops with exit 1 when SQS rejects the batch, and says to run it again', async () => {
    sqs.behave((call) =>
      call.operation === 'SendMessageBatch'
        ? { error: { code: 'AccessDenied', status: 403, message: 'no' } }
        : undefined,
    );
    const r = await reconcile([...scope, ...range, '--queue', sqs.queueUrl(QUEUE)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /stopped: SendMessageBatch failed: .*AccessDenied/);
    assert.match(r.stderr, /Run the same command again/);
  });

  it('usage errors: no queue without --dry-run, a bad queue URL, two different queues', async () => {
    for (const [args, message] of [
      [[...scope, ...range], /--queue is required \(except with --dry-run\)/],
      [[...scope, ...range, '--queue', 'ingest'], /--queue must be the queue URL/],
      [[...scope, ...range, '--queue', sqs.queueUrl(QUEUE), '--queue-url', sqs.queueUrl('x')], /same option/],
      [[...scope, ...range, '--dry-run', '--rate', '0'], /--rate must be a positive number/],
    ] as [string[], RegExp][]) {
      const r = await reconcile(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.split('\n').length, 3, r.stderr);
    }
    assert.equal(sqs.sent(QUEUE).length, 0);
  });
});

/** A backfill's clients on the local peers, its checkpoint in a fresh directory. */
const backfillDeps = () => ({
  s3: s3c,
  sqs: sqsc,
  dynamodb: ddbc,
  stderrIsTTY: false,
  cwd: mkdtempSync(join(tmpdir(), 'alb-iceberg-status-')),
  signal: new AbortController().signal,
  sleep: async () => {},
});

describe('alb-iceberg status after an upgrade (the ledger started recording mid-range)', () => {
  it('reports files written before the ledger started as before-ledger, not missing, and later ones missing', async () => {
    // Prepare: the ledger started at midnight of the 23rd (m5 and r7 are older, m10 is younger)
    const since = Date.parse('2026-11-23T00:00:00Z');
    await new ObjectLedger({
      client: ddbc,
      tableName: LEDGER_TEST_TABLE,
      retentionDays: 0,
      now: () => since,
    }).markStarted();
    try {
      // Act
      const r = await status([...scope, '--from', '2026-11-22', '--to', '2026-11-23', '--json']);
      // Assess
      const doc = JSON.parse(r.stdout) as StatusJson;
      const [d22, d23] = doc.days;
      assert.deepEqual(
        [d22!.missing.objects, d22!.beforeLedger.objects, d23!.missing.objects, d23!.beforeLedger.objects],
        [0, 2, 1, 0],
      );
      assert.deepEqual(d23!.samples, { missing: [K.m10], failed: [] });
      assert.equal(r.code, 1, 'm10 is still missing, f3 still failed');
    } finally {
      await ddbc.send(
        new DeleteItemCommand({ TableName: LEDGER_TEST_TABLE, Key: { pk: { S: '#ledger' }, sk: { S: 'started' } } }),
      );
    }
  });
});

describe('alb-iceberg backfill --ledger-table', () => {
  it('never enqueues what the ledger has as done or skipped: exactly the other objects are sent', async () => {
    const c = captureIo();
    const code = await runBackfillCommand(
      [
        '--bucket',
        BUCKET,
        '--prefix',
        'prod',
        '--from',
        '2026-11-22',
        '--to',
        '2026-11-23',
        '--queue',
        sqs.queueUrl(QUEUE),
        '--ledger-table',
        LEDGER_TEST_TABLE,
      ],
      c.io,
      backfillDeps(),
    );
    assert.equal(code, 0, c.err());
    assert.equal(c.err(), '', 'no warning with a ledger');
    // Done (d1, d2, d8) and skipped (s4) are left out; failed, missing, replaced, recent and in-progress are sent.
    assert.deepEqual(
      enqueued().map((e) => e.key),
      [K.f3, K.m5, K.r7, K.m10, K.n9, K.p11].sort(),
    );
    assert.match(c.out(), /objects enqueued: 6 /);
    assert.match(c.out(), /, 4 already done in the ledger/);
    assert.match(c.out(), /ledger: alb-iceberg-ledger \(2 day folder\(s\) read\)/);
  });

  it('--reingest sends the done objects too, as ObjectCreated:Reingest messages, with no warning', async () => {
    const c = captureIo();
    const code = await runBackfillCommand(
      [
        ...['--bucket', BUCKET, '--prefix', 'prod', '--from', '2026-11-22', '--to', '2026-11-23'],
        ...['--queue', sqs.queueUrl(QUEUE), '--ledger-table', LEDGER_TEST_TABLE, '--reingest'],
      ],
      c.io,
      backfillDeps(),
    );
    assert.equal(code, 0, c.err());
    assert.equal(c.err(), '');
    const sent = enqueued();
    // Every access log of the range: the 6 a plain backfill sends and the 4 done or skipped ones.
    assert.equal(sent.length, 10);
    assert.ok(sent.some((e) => e.key === K.d1));
    assert.deepEqual([...new Set(sent.map((e) => e.eventName))], [REINGEST_EVENT_NAME]);
  });

  it('without --ledger-table sends every object and warns that done objects are sent again', async () => {
    const c = captureIo();
    const code = await runBackfillCommand(
      ['--bucket', BUCKET, '--prefix', 'prod', '--from', '2026-11-22', '--to', '2026-11-23', '--dry-run'],
      c.io,
      { s3: s3c, stderrIsTTY: false, signal: new AbortController().signal },
    );
    assert.equal(code, 0);
    assert.equal(c.err(), `${NO_LEDGER_WARNING}\n`);
    assert.match(c.out(), /objects to enqueue: 10 /);
  });
});

describe('every log type (2026-11-20: per type one file done and one missing, Classic logs plain .log)', () => {
  const DAY = '2026-11-20';
  const T = Object.fromEntries(
    LOG_TYPE_IDS.map((t) => [t, { done: logKey(t, DAY, 1), missing: logKey(t, DAY, 2) }]),
  ) as Record<LogTypeId, { done: string; missing: string }>;
  const emptyClassic = logKey('clb-access', DAY, 3);
  const parquet = cloudwatchParquetKey(DAY, 4);
  const day = ['--from', DAY, '--to', DAY];

  before(async () => {
    const fixture = new LedgerFixture(ddbc);
    for (const [i, t] of LOG_TYPE_IDS.entries()) {
      const etag = s3.putObject(BUCKET, T[t].done, Buffer.from('line\n'), { lastModified: OLD }).etag;
      await fixture.done({ bucket: BUCKET, key: T[t].done, etag }, 10 * (i + 1));
      s3.putObject(BUCKET, T[t].missing, Buffer.from('line\n'), { lastModified: OLD });
    }
    s3.putObject(BUCKET, emptyClassic, Buffer.alloc(0), { lastModified: OLD });
    s3.putObject(BUCKET, parquet, Buffer.from('PAR1'), { lastModified: OLD });
  });

  it('status judges every type: per type one done (with its lines) and one missing', async () => {
    const r = await status([...scope, ...day, '--json']);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout) as StatusJson;
    const d = doc.days[0]!;
    for (const [i, t] of LOG_TYPE_IDS.entries()) {
      const x = d.types[t];
      assert.deepEqual([x.done.objects, x.done.lines, x.missing.objects], [1, 10 * (i + 1), 1], t);
    }
    assert.equal(d.missing.objects, LOG_TYPE_IDS.length);
    assert.deepEqual(d.samples!.missing, LOG_TYPE_IDS.map((t) => T[t].missing).sort());
    assert.deepEqual([d.empty, d.types['clb-access'].empty], [1, 1], 'the 0-byte Classic log');
    assert.deepEqual([d.notLogFiles, d.cloudwatchDelivery, d.notSelected], [1, 1, 0]);
  });

  it('status --type judges only those types; the others are counted as not selected, never missing', async () => {
    const r = await status([...scope, ...day, '--type', 'clb-access,alb-access', '--json']);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout) as StatusJson;
    assert.deepEqual(doc.logTypes, ['alb-access', 'clb-access']);
    const d = doc.days[0]!;
    assert.deepEqual(d.samples!.missing, [T['alb-access'].missing, T['clb-access'].missing].sort());
    assert.equal(d.notSelected, 6);
    assert.deepEqual(
      LOG_TYPE_IDS.map((t) => [d.types[t].missing.objects, d.types[t].notSelected]),
      [
        [1, 0],
        [0, 2],
        [0, 2],
        [0, 2],
        [1, 0],
      ],
    );
    const text = await status([...scope, ...day, '--type', 'alb-access', '--type', 'clb-access']);
    assert.match(text.stdout, /\(log types alb-access, clb-access\)/);
    assert.match(
      text.stdout,
      /6 log file\(s\) of types not selected \(alb-connection 2, alb-health-check 2, nlb-access 2\)/,
    );
  });

  it('reconcile enqueues the missing file of every type, the Classic .log included', async () => {
    const r = await reconcile([...scope, ...day, '--queue', sqs.queueUrl(QUEUE)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      enqueued().map((e) => e.key),
      LOG_TYPE_IDS.map((t) => T[t].missing).sort(),
    );
    assert.match(
      r.stdout,
      /selected by log type: alb-access 1, alb-connection 1, alb-health-check 1, nlb-access 1, clb-access 1\n/,
    );
  });

  it('reconcile --type enqueues only those types and says what it left alone', async () => {
    const r = await reconcile([...scope, ...day, '--type', 'clb-access', '--queue', sqs.queueUrl(QUEUE)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      enqueued().map((e) => e.key),
      [T['clb-access'].missing],
    );
    assert.match(r.stdout, /, log types clb-access, ledger /);
    assert.match(r.stdout, /left alone: 1 done, .*, 8 of log types not selected\n/);
  });

  it('an unknown --type is a usage error naming the valid types (status, reconcile, backfill)', async () => {
    const problem =
      /--type: unknown log type 'alb'; valid types: alb-access, alb-connection, alb-health-check, nlb-access, clb-access\n/;
    const s = await status([...scope, ...day, '--type', 'alb']);
    assert.equal(s.code, 2);
    assert.match(s.stderr, problem);
    const rc = await reconcile([...scope, ...day, '--type', 'clb-access,alb', '--dry-run']);
    assert.equal(rc.code, 2);
    assert.match(rc.stderr, problem);
    const c = captureIo();
    const b = await runBackfillCommand(
      ['--bucket', BUCKET, ...day, '--type', 'alb', '--dry-run'],
      c.io,
      backfillDeps(),
    );
    assert.equal(b, 2);
    assert.match(c.err(), problem);
    assert.equal(sqs.sent(QUEUE).length, 0);
  });

  it('backfill enqueues every type by default and skips done files, the empty one and CloudWatch delivery', async () => {
    const c = captureIo();
    const args = ['--bucket', BUCKET, '--prefix', 'prod', ...day, '--queue', sqs.queueUrl(QUEUE)];
    const code = await runBackfillCommand([...args, '--ledger-table', LEDGER_TEST_TABLE], c.io, backfillDeps());
    assert.equal(code, 0, c.err());
    assert.deepEqual(
      enqueued().map((e) => e.key),
      LOG_TYPE_IDS.map((t) => T[t].missing).sort(),
    );
    assert.match(
      c.out(),
      /objects enqueued: 5 \(.*\n(.*\n)?by log type: alb-access 1, alb-connection 1, alb-health-check 1, nlb-access 1, clb-access 1\n/,
    );
    assert.match(c.out(), /skipped: 1 not log files \(1 of CloudWatch-vended delivery\), 1 empty, .*, 5 already done/);
  });

  it('backfill --type enqueues only those types', async () => {
    const c = captureIo();
    const code = await runBackfillCommand(
      [
        '--bucket',
        BUCKET,
        '--prefix',
        'prod',
        ...day,
        '--type',
        'nlb-access,alb-connection',
        '--queue',
        sqs.queueUrl(QUEUE),
      ],
      c.io,
      backfillDeps(),
    );
    assert.equal(code, 0, c.err());
    assert.deepEqual(
      enqueued().map((e) => e.key),
      [T['alb-connection'].done, T['alb-connection'].missing, T['nlb-access'].done, T['nlb-access'].missing].sort(),
    );
    assert.match(c.out(), /\(log types alb-connection, nlb-access\) -> /);
    assert.match(
      c.out(),
      /skipped: 1 not log files \(1 of CloudWatch-vended delivery\), 7 of types not selected, 0 empty/,
    );
  });
});
