import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ledgerKey, NO_ACCOUNTING, type ObjectVersion } from '../../../lambda/ledger/entry';
import { LeaseLostError, ObjectLedger } from '../../../lambda/ledger/object-ledger';
import { MAX_SORT_KEY_BYTES } from '../../../lambda/ledger/schema';
import { testClientConfig } from '../../support/aws-env';
import { dynamoFaults, LEDGER_TEST_TABLE, LocalDynamoDb } from '../../support/local-dynamodb';

const FOLDER = 'AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2026/12/01/';
let seq = 0;
const version = (etag = 'abc'): ObjectVersion => ({ bucket: 'logs', key: `${FOLDER}file-${seq++}.log.gz`, etag });

describe('ObjectLedger (against dynalite)', () => {
  let ddb: LocalDynamoDb;
  let client: DynamoDBClient;
  let clock = 1_000_000;
  let ledger: ObjectLedger;
  before(async () => {
    ddb = await LocalDynamoDb.start();
    client = new DynamoDBClient(testClientConfig(ddb.endpoint, { maxAttempts: 1 }));
    ledger = new ObjectLedger({ client, tableName: LEDGER_TEST_TABLE, retentionDays: 30, now: () => clock });
  });
  after(async () => {
    client.destroy();
    await ddb.close();
  });

  it('claims a new version, resumes it by checkpoint, and finishes it; a done version is not claimed again', async () => {
    const v = version();
    const first = await ledger.claim(v, { owner: 'run-1', leaseUntil: clock + 60_000, size: 10 });
    assert.equal(first.kind, 'claimed');
    const accounting = { ...NO_ACCOUNTING, linesDone: 5, records: 4, blankLines: 1 };
    await ledger.checkpoint(v, 'run-1', { checkpoint: { resumeAfterLine: 5, doneRanges: [[7, 9]] }, accounting });
    await ledger.release(v, 'run-1', {
      checkpoint: { resumeAfterLine: 5, doneRanges: [[7, 9]] },
      accounting,
      cause: 'time budget',
    });
    const second = await ledger.claim(v, { owner: 'run-2', leaseUntil: clock + 60_000 });
    assert.equal(second.kind, 'claimed');
    assert.deepEqual(second.entry.checkpoint, { resumeAfterLine: 5, doneRanges: [[7, 9]] });
    assert.equal(second.entry.accounting.records, 4);
    assert.equal(second.entry.runs, 2);
    await ledger.finish(v, 'run-2', { ...accounting, linesDone: 12, records: 11 });
    const again = await ledger.claim(v, { owner: 'run-3', leaseUntil: clock + 60_000 });
    assert.equal(again.kind, 'done');
    assert.equal(again.entry.accounting.linesDone, 12);
    assert.equal(again.entry.owner, undefined);
  });

  it('calls a claim a takeover only when another run held an expired lease, not after a release or a failure', async () => {
    const v = version();
    const first = await ledger.claim(v, { owner: 'a', leaseUntil: clock + 1000 });
    assert.equal(first.kind === 'claimed' && first.takeover, false);
    await ledger.release(v, 'a', {
      checkpoint: { resumeAfterLine: 3, doneRanges: [] },
      accounting: { ...NO_ACCOUNTING, linesDone: 3, records: 3 },
      cause: 'time',
    });
    const second = await ledger.claim(v, { owner: 'b', leaseUntil: clock + 1000 });
    assert.ok(second.kind === 'claimed');
    assert.equal(second.takeover, false, 'released: nobody held it');
    assert.equal(second.entry.runs, 2);
    assert.equal(second.entry.owner, 'b');
    assert.deepEqual(second.entry.checkpoint, { resumeAfterLine: 3, doneRanges: [] });
    assert.equal(second.entry.accounting.records, 3);
    await ledger.fail(v, { cause: 'denied', firstUndeliveredLine: 4, owner: 'b' });
    const third = await ledger.claim(v, { owner: 'c', leaseUntil: clock + 1000 });
    assert.equal(third.kind === 'claimed' && third.takeover, false, 'failed: a redrive, not a takeover');
    clock += 1001;
    const fourth = await ledger.claim(v, { owner: 'd', leaseUntil: clock + 1000 });
    assert.ok(fourth.kind === 'claimed');
    assert.equal(fourth.takeover, true, "c's lease expired");
    assert.equal(fourth.previousOwner, 'c');
    assert.equal(fourth.entry.runs, 4);
  });

  it('refuses a live lease of another run and takes over an expired one', async () => {
    const v = version();
    await ledger.claim(v, { owner: 'a', leaseUntil: clock + 1000 });
    const busy = await ledger.claim(v, { owner: 'b', leaseUntil: clock + 1000 });
    assert.equal(busy.kind, 'busy');
    assert.equal(busy.entry.owner, 'a');
    clock += 1001;
    const taken = await ledger.claim(v, { owner: 'b', leaseUntil: clock + 1000 });
    assert.equal(taken.kind, 'claimed');
    assert.equal(taken.kind === 'claimed' && taken.takeover, true);
    await assert.rejects(
      ledger.checkpoint(v, 'a', { checkpoint: { resumeAfterLine: 1, doneRanges: [] }, accounting: NO_ACCOUNTING }),
      LeaseLostError,
    );
    await assert.rejects(ledger.finish(v, 'a', NO_ACCOUNTING), LeaseLostError);
  });

  it('a failed version is claimable again from its checkpoint; fail never overwrites done', async () => {
    const v = version();
    await ledger.claim(v, { owner: 'a', leaseUntil: clock + 1000 });
    await ledger.release(v, 'a', {
      checkpoint: { resumeAfterLine: 3, doneRanges: [] },
      accounting: { ...NO_ACCOUNTING, linesDone: 3, records: 3 },
      cause: 'Firehose: throttled',
    });
    await ledger.fail(v, { cause: 'Firehose: throttled', firstUndeliveredLine: 4 });
    const failed = await ledger.get(v);
    assert.equal(failed?.state, 'failed');
    assert.equal(failed?.firstUndeliveredLine, 4);
    const redrive = await ledger.claim(v, { owner: 'b', leaseUntil: clock + 1000 });
    assert.equal(redrive.kind, 'claimed');
    assert.equal(redrive.entry.checkpoint.resumeAfterLine, 3);
    await ledger.finish(v, 'b', NO_ACCOUNTING);
    await assert.rejects(ledger.fail(v, { cause: 'late', firstUndeliveredLine: 1 }), LeaseLostError);
    assert.equal((await ledger.get(v))?.state, 'done');
    assert.equal(await ledger.skip(v, { reason: 'empty' }), false);
    assert.equal((await ledger.get(v))?.state, 'done');
  });

  it('records skips, keeps versions apart by ETag, and lists a folder in file-name order', async () => {
    const folder = 'AWSLogs/111111111111/elasticloadbalancing/us-east-1/2026/11/30/';
    const names = ['b.log.gz', 'a.log.gz', 'a.log.gz'];
    const etags = ['e1', 'e1', 'e2'];
    for (const [i, name] of names.entries()) {
      assert.equal(
        await ledger.skip({ bucket: 'logs', key: folder + name, etag: etags[i]! }, { reason: 'empty' }),
        true,
      );
    }
    const listed = [];
    for await (const e of ledger.listFolder('logs', folder)) listed.push(`${e.key.slice(folder.length)} ${e.etag}`);
    assert.deepEqual(listed, ['a.log.gz e1', 'a.log.gz e2', 'b.log.gz e1']);
  });

  it('sets the TTL attribute from the last write', async () => {
    const v = version();
    await ledger.skip(v, { reason: 'not-alb-access-log' });
    const raw = await client.send(
      new GetItemCommand({
        TableName: LEDGER_TEST_TABLE,
        Key: { pk: { S: ledgerKey(v).pk }, sk: { S: ledgerKey(v).sk } },
      }),
    );
    assert.equal(Number(raw.Item?.expiresAt?.N), Math.floor(clock / 1000) + 30 * 86_400);
  });

  it('bounds the sort key of a file name too long for it, and still round-trips the key', async () => {
    const v = { bucket: 'logs', key: `${FOLDER}${'é'.repeat(700)}.log.gz`, etag: '"q"' };
    const { sk } = ledgerKey(v);
    assert.ok(Buffer.byteLength(sk) <= MAX_SORT_KEY_BYTES, `${Buffer.byteLength(sk)} bytes`);
    assert.notEqual(ledgerKey({ ...v, key: `${v.key}x` }).sk, sk);
    await ledger.claim(v, { owner: 'a', leaseUntil: clock + 1 });
    const got = await ledger.get(v);
    assert.equal(got?.key, v.key);
    assert.equal(got?.etag, 'q');
  });

  it('restarts a done version from line 1 once, even when two re-ingests race; other states claim as usual', async () => {
    const v = version();
    await ledger.claim(v, { owner: 'a', leaseUntil: clock + 1000 });
    await ledger.finish(v, 'a', { ...NO_ACCOUNTING, linesDone: 9, records: 9, rejectsKeys: ['r1'] });
    const [x, y] = await Promise.all([
      ledger.restart(v, { owner: 'b', leaseUntil: clock + 1000 }),
      ledger.restart(v, { owner: 'c', leaseUntil: clock + 1000 }),
    ]);
    assert.deepEqual([x.kind, y.kind].sort(), ['busy', 'claimed']);
    const won = x.kind === 'claimed' ? x : y;
    assert.equal(won.kind === 'claimed' && won.restarted, true);
    assert.deepEqual(won.entry.checkpoint, { resumeAfterLine: 0, doneRanges: [] });
    assert.equal(won.entry.accounting.records, 0);
    const stored = await ledger.get(v);
    assert.equal(stored?.state, 'in-progress');
    assert.deepEqual(stored?.accounting.rejectsKeys, []);
    assert.equal(stored?.runs, 2);
    // An interrupted re-ingest resumes from its checkpoint: restart of an in-progress entry is a plain claim.
    const owner = won.entry.owner!;
    await ledger.release(v, owner, {
      checkpoint: { resumeAfterLine: 4, doneRanges: [] },
      accounting: { ...NO_ACCOUNTING, linesDone: 4, records: 4 },
      cause: 'time budget',
    });
    const again = await ledger.restart(v, { owner: 'd', leaseUntil: clock + 1000 });
    assert.equal(again.kind, 'claimed');
    assert.equal(again.kind === 'claimed' && again.restarted, undefined);
    assert.equal(again.entry.checkpoint.resumeAfterLine, 4);
  });

  it('records when it started once: the first mark wins, later marks change nothing', async () => {
    const fresh = await LocalDynamoDb.start();
    const c = new DynamoDBClient(testClientConfig(fresh.endpoint, { maxAttempts: 1 }));
    try {
      let t = 5_000;
      const l = new ObjectLedger({ client: c, tableName: LEDGER_TEST_TABLE, retentionDays: 0, now: () => t });
      assert.equal(await l.startedAt(), undefined);
      await l.markStarted();
      t = 9_000;
      await l.markStarted();
      assert.equal(await l.startedAt(), 5_000);
      const folders = [];
      for await (const e of l.listFolder('logs', FOLDER)) folders.push(e);
      assert.deepEqual(folders, [], 'the marker is in no folder');
    } finally {
      c.destroy();
      await fresh.close();
    }
  });

  it('throws the service error when the table throttles (callers decide)', async () => {
    ddb.fault((call) => (call.operation === 'UpdateItem' ? dynamoFaults.throttle() : undefined));
    try {
      await assert.rejects(ledger.claim(version(), { owner: 'a', leaseUntil: clock + 1 }), {
        name: 'ThrottlingException',
      });
    } finally {
      ddb.fault(undefined);
    }
  });
});
