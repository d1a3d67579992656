/**
 * Pure parts of the ingest handler's use of the object ledger: configuration, where a claimed object resumes, the
 * records' time range, rejects part keys, and the DynamoDB client's timeouts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DEFAULT_CHECKPOINT_EVERY_LINES, readIngestConfig } from '../../../lambda/ingest/config';
import { deliveryStreamEnv, ENV } from '../../../lambda/ingest/env';
import { ingestClients, runOwner } from '../../../lambda/ingest/handler';
import { LEASE_CLOCK_SKEW_MS, ledgerCause, startPoint, TimeRange } from '../../../lambda/ingest/ledger-run';
import { decodeMessageBody, type ObjectWork } from '../../../lambda/ingest/messages';
import { rejectsKey } from '../../../lambda/ingest/rejects-sink';
import { type LedgerEntry, NO_ACCOUNTING } from '../../../lambda/ledger/entry';
import { LeaseLostError } from '../../../lambda/ledger/object-ledger';
import { LineParser } from '../../../lambda/parser/line-parser';
import { LOG_SCHEMAS } from '../../../lambda/schema/log-types';
import type { LogTypeId } from '../../../lambda/schema/types';
import { albLine } from '../../support/alb-line';
import { setAwsTestEnv } from '../../support/aws-env';
import { dynamoFaults, LEDGER_TEST_TABLE, LocalDynamoDb } from '../../support/local-dynamodb';

const base = {
  [deliveryStreamEnv('alb-access')]: 's',
  [ENV.rejectsBucket]: 'b',
  [ENV.rejectsPrefix]: 'rejects/',
  [ENV.ingestQueueUrl]: 'https://q',
  [ENV.stackName]: 'AlbIceberg',
};

describe('ledger configuration', () => {
  it('has no ledger without LEDGER_TABLE_NAME, and reads its defaults and values with it', () => {
    assert.equal(readIngestConfig(base).ledger, undefined);
    assert.equal(readIngestConfig({ ...base, [ENV.ledgerTableName]: '' }).ledger, undefined);
    assert.deepEqual(readIngestConfig({ ...base, [ENV.ledgerTableName]: 'my-ledger' }).ledger, {
      tableName: 'my-ledger',
      retentionDays: 400,
      checkpointEveryLines: DEFAULT_CHECKPOINT_EVERY_LINES,
    });
    const set = readIngestConfig({
      ...base,
      [ENV.ledgerTableName]: 'Stack-Ledger_1.x',
      [ENV.ledgerRetentionDays]: '0',
      [ENV.checkpointEveryLines]: '2500',
    }).ledger;
    assert.deepEqual(set, { tableName: 'Stack-Ledger_1.x', retentionDays: 0, checkpointEveryLines: 2500 });
  });

  it('rejects invalid ledger values with the variable named', () => {
    const bad: [string, string, RegExp][] = [
      [ENV.ledgerTableName, 'no spaces allowed', /LEDGER_TABLE_NAME must be a DynamoDB table name/],
      [ENV.ledgerTableName, 'ab', /LEDGER_TABLE_NAME must be/],
      [ENV.ledgerRetentionDays, '-1', /LEDGER_RETENTION_DAYS must be an integer from 0/],
      [ENV.ledgerRetentionDays, '1.5', /LEDGER_RETENTION_DAYS must be/],
      [ENV.checkpointEveryLines, '0', /LEDGER_CHECKPOINT_EVERY_LINES must be an integer from 1/],
      [ENV.checkpointEveryLines, 'often', /LEDGER_CHECKPOINT_EVERY_LINES must be/],
    ];
    for (const [name, value, message] of bad) {
      const env = { ...base, [ENV.ledgerTableName]: 'ledger', [name]: value };
      assert.throws(() => readIngestConfig(env), message, `${name}=${value}`);
    }
  });
});

describe('where a claimed object resumes', () => {
  const work = (resumeAfterLine: number, doneRanges: [number, number][] = []): ObjectWork => ({
    bucket: 'b',
    key: 'k',
    resumeAfterLine,
    doneRanges,
    attemptsWithoutProgress: 0,
    continuations: 1,
  });
  const entry = (resumeAfterLine: number, doneRanges: [number, number][], linesDone: number): LedgerEntry => ({
    bucket: 'b',
    key: 'k',
    etag: 'e',
    state: 'in-progress',
    checkpoint: { resumeAfterLine, doneRanges },
    accounting: { ...NO_ACCOUNTING, linesDone, records: linesDone },
    runs: 2,
    firstSeenAt: 0,
    updatedAt: 0,
  });

  it("resumes from the ledger's checkpoint, whether the message is ahead of it or behind it", () => {
    const e = entry(500, [[700, 800]], 601);
    for (const w of [work(900), work(100), work(0)]) {
      const s = startPoint(e, w);
      assert.deepEqual([s.from, s.resumeAfterLine, s.doneRanges, s.base.linesDone], ['ledger', 500, [[700, 800]], 601]);
      assert.equal(s.ignoredMessagePosition, undefined);
    }
  });

  it('starts from line 1 when the ledger has no checkpoint, even if the message has a position', () => {
    assert.deepEqual(startPoint(entry(0, [], 0), work(0)), {
      resumeAfterLine: 0,
      doneRanges: [],
      base: NO_ACCOUNTING,
      from: 'start',
    });
    const s = startPoint(entry(0, [], 0), work(300, [[400, 410]]));
    assert.equal(s.resumeAfterLine, 0);
    assert.equal(s.ignoredMessagePosition, 300);
  });
});

describe('records time range', () => {
  const record = (line: number, time: string, type = 'https') =>
    Buffer.from(`{"line_number":${line},"type":"${type}","time":"${time}","elb":"app/x"}`);

  it('keeps the earliest and latest time of the records it saw, starting from the ledger accounting', () => {
    const t = new TimeRange({ minTime: '2026-11-23T18:00:00.500000Z', maxTime: '2026-11-23T18:00:00.600000Z' });
    t.add(record(1, '2026-11-23T18:00:00.550000Z'));
    assert.deepEqual([t.minTime, t.maxTime], ['2026-11-23T18:00:00.500000Z', '2026-11-23T18:00:00.600000Z']);
    t.add(record(123456789, '2026-11-23T17:59:59.999999Z', 'h2'));
    t.add(record(2, '2026-11-23T18:05:00.000001Z', 'ws'));
    assert.deepEqual([t.minTime, t.maxTime], ['2026-11-23T17:59:59.999999Z', '2026-11-23T18:05:00.000001Z']);
    const fresh = new TimeRange();
    assert.deepEqual([fresh.minTime, fresh.maxTime], [undefined, undefined]);
    fresh.add(Buffer.from('{"line_number":1,"type":"https"}'));
    assert.equal(fresh.minTime, undefined, 'a record without time is ignored');
  });

  it("finds `time` in every log type's records, wherever its schema puts it", () => {
    const lines: Record<LogTypeId, string> = {
      'alb-access': albLine(),
      'alb-connection':
        '2023-10-04T17:05:15.514108Z 203.0.113.1 36280 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 4.036 "-" - - Success TID_1',
      'alb-health-check': 'http 2025-10-31T12:44:58.901409Z 1.121980746 172.31.31.9:80 tg FAIL 502 TargetError',
      'nlb-access':
        'tls 2.0 2020-04-01T08:51:42 net/n/c6e77e28c25b2234 g3d4 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - - - - tlsv12 - - - - - 2020-04-01T08:51:20',
      'clb-access':
        '2015-05-13T23:39:43.945958Z lb 192.168.131.39:2817 - -1 -1 -1 504 - 0 0 "GET http://h:80/ HTTP/1.1" "-" - -',
    };
    for (const schema of LOG_SCHEMAS) {
      const record = new LineParser({ accountId: '123456789012', region: 'us-east-1' }, schema).parse(
        lines[schema.id],
        7,
      );
      assert.equal(typeof record, 'string', `${schema.id}: ${JSON.stringify(record)}`);
      const t = new TimeRange();
      t.add(Buffer.from(record as string));
      assert.equal(t.minTime, JSON.parse(record as string).time, schema.id);
    }
  });

  it('costs a small fraction of the handler CPU per record (about 40 us, README Performance)', () => {
    const records = Array.from({ length: 100_000 }, (_, i) =>
      record(i + 1, new Date(Date.UTC(2026, 10, 23) + ((i * 7919) % 86_400_000)).toISOString()),
    );
    // Best of three passes: the first also pays for the JIT.
    let best = Number.POSITIVE_INFINITY;
    for (let pass = 0; pass < 3; pass++) {
      const t = new TimeRange();
      const started = process.hrtime.bigint();
      for (const r of records) t.add(r);
      best = Math.min(best, Number(process.hrtime.bigint() - started) / records.length);
    }
    assert.ok(best < 2_000, `${best.toFixed(0)} ns per record`);
  });
});

describe('rejects part keys with the ledger', () => {
  const location = { bucket: 'lake', prefix: 'rejects/' };
  it('names parts by the starting done count and the part, and keeps the key without the ledger as before', () => {
    assert.equal(
      rejectsKey(location, 'logs', 'a/b.log.gz', { fromLine: 1, run: 0 }),
      'rejects/logs/a/b.log.gz.from-line-1.run-0.ndjson.gz',
    );
    const keys = [
      { fromLine: 1, run: 0, ledger: { doneLines: 0, part: 0 } },
      { fromLine: 1, run: 0, ledger: { doneLines: 0, part: 1 } },
      // Resumed at the same first line after a checkpoint that only added done ranges past it
      { fromLine: 1, run: 0, ledger: { doneLines: 1_000, part: 0 } },
    ].map((segment) => rejectsKey(location, 'logs', 'a/b.log.gz', segment));
    assert.deepEqual(keys, [
      'rejects/logs/a/b.log.gz.from-line-1.run-0.done-0.part-0.ndjson.gz',
      'rejects/logs/a/b.log.gz.from-line-1.run-0.done-0.part-1.ndjson.gz',
      'rejects/logs/a/b.log.gz.from-line-1.run-0.done-1000.part-0.ndjson.gz',
    ]);
  });
});

describe('messages and causes', () => {
  it("reads the S3 event's ETag for the claim", () => {
    const body = JSON.stringify({
      Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'k', eTag: 'abc' } } }],
    });
    const decoded = decodeMessageBody(body);
    assert.ok(decoded.kind === 'work');
    assert.equal(decoded.objects[0]!.eventEtag, 'abc');
    assert.equal(decoded.objects[0]!.etag, undefined, 'not an If-Match of its own: without a ledger, as before');
  });

  it('classifies ledger failures: throttling and outages transient, access denied permanent, lease lost', () => {
    const err = (name: string, status: number) =>
      Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    assert.equal(ledgerCause('claim', err('ThrottlingException', 400)).transient, true);
    assert.equal(ledgerCause('claim', err('InternalServerError', 500)).transient, true);
    assert.equal(ledgerCause('claim', err('AccessDeniedException', 400)).transient, false);
    const lost = ledgerCause('checkpoint', new LeaseLostError({ bucket: 'b', key: 'k', etag: 'e' }, undefined));
    assert.deepEqual([lost.kind, lost.transient], ['lease-lost', true]);
    assert.ok(LEASE_CLOCK_SKEW_MS >= 1_000);
  });

  it('gives each run its own owner id, tied to the request id', () => {
    const a = runOwner('req-1');
    assert.match(a, /^req-1#[0-9a-f]{8}$/);
    assert.notEqual(runOwner('req-1'), a);
  });
});

describe('the handler DynamoDB client', () => {
  let ddb: LocalDynamoDb;
  let restore: () => void;
  before(async () => {
    ddb = await LocalDynamoDb.start();
    restore = setAwsTestEnv({ dynamodb: ddb.endpoint }, { maxAttempts: 1 });
  });
  after(async () => {
    restore();
    await ddb.close();
  });

  it('exists only with a ledger, and ends a call that never answers by its timeouts', { timeout: 20_000 }, async () => {
    assert.equal(ingestClients(4_000).dynamodb, undefined);
    const { dynamodb } = ingestClients(4_000, true);
    ddb.fault(() => dynamoFaults.hang());
    const started = Date.now();
    await assert.rejects(
      () =>
        dynamodb!.send(new GetItemCommand({ TableName: LEDGER_TEST_TABLE, Key: { pk: { S: 'a' }, sk: { S: 'b' } } })),
      (e: Error) => e.name === 'TimeoutError',
    );
    assert.ok(Date.now() - started < 5_000);
  });
});
