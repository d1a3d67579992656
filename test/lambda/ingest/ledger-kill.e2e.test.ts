/**
 * A hard kill: the real handler in a child process (node --import tsx), talking over HTTP to the peers in this
 * process, is SIGKILLed at a random moment (seeded) while it streams a big object; the same message is then
 * delivered again after the lease expired. Every line must be delivered, the duplicates must stay within the bound
 * documented in ingest-object.ts (Checkpointer), and the ledger must end `done` with exact accounting.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { processBatch } from '../../../lambda/ingest/process-batch';
import { seededRandom } from '../../support/aws-env';
import { range, storedRejects } from '../../support/ingest-assertions';
import { IngestHarness, LAKE_BUCKET, LOG_BUCKET, logKey } from '../../support/ingest-harness';
import {
  assertDoneAccounting,
  INGEST_CHILD,
  ingestChildEnv,
  LedgerFixture,
  timedLogObject,
} from '../../support/ledger-ingest';
import { LocalDynamoDb } from '../../support/local-dynamodb';

const LINES = 60_000;
const EVERY = 1_000;
const MAX_IN_FLIGHT = 4;
const ROUNDS = 3;
/** Lines of one parsed chunk (64 KiB of decoded text; these lines are about 700 bytes). */
const CHUNK_LINES = Math.ceil((64 * 1024) / 700);
/** The bound documented in ingest-object.ts (Checkpointer): (N − 1) + (C + 500) + 2 × F × 500 records sent again. */
const BOUND = EVERY - 1 + CHUNK_LINES + 500 + 2 * MAX_IN_FLIGHT * 500;

let h: IngestHarness;
let ddb: LocalDynamoDb;
let L: LedgerFixture;
before(async () => {
  h = await IngestHarness.start();
  ddb = await LocalDynamoDb.start();
  L = new LedgerFixture(h, ddb);
});
after(async () => {
  L.close();
  await Promise.all([h.close(), ddb.close()]);
});

const exited = (child: ChildProcess) =>
  new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));

describe('hard kill mid-stream (SIGKILL), then redelivery', () => {
  it(`delivers every line, within the duplicate bound (${BOUND}), with exact ledger accounting`, async () => {
    const random = seededRandom(2026);
    const env = ingestChildEnv(h, ddb, {
      maxInFlight: MAX_IN_FLIGHT,
      invocationMs: 60_000,
      checkpointEveryLines: EVERY,
    });
    const bad = [17, 33_333, 57_777];
    const blank = [5, 50_000];
    const body = timedLogObject(LINES, bad, blank);
    const good = range(1, LINES).filter((i) => !bad.includes(i) && !blank.includes(i));
    for (let round = 0; round < ROUNDS; round++) {
      h.reset();
      const key = logKey(`kill${round}`);
      h.s3.putObject(LOG_BUCKET, key, body);
      const event = JSON.parse(h.s3Event(key));
      event.Records[0].s3.object.eTag = L.etag(key).replace(/"/g, '');
      const record = h.record(JSON.stringify(event));
      // Kill once the child delivered a random share of the object (10 % to 70 %): surely mid-stream.
      const killAt = Math.floor(LINES * (0.1 + 0.6 * random()));
      const child = spawn(process.execPath, ['--import', 'tsx', INGEST_CHILD], {
        env: { ...env, CHILD_EVENT: JSON.stringify({ Records: [record] }) },
        stdio: ['ignore', process.env.KILL_CHILD_LOG ? 'inherit' : 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (c) => {
        stderr += c;
      });
      const exit = exited(child);
      for (;;) {
        // Entries sent so far (cheap: decoding every stored record at each poll would starve the peers' event loop)
        if (h.firehose.calls.reduce((n, c) => n + c.entries, 0) >= killAt) break;
        if (child.exitCode !== null) assert.fail(`the child ended before the kill: ${stderr}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill('SIGKILL');
      assert.equal(await exit, 'SIGKILL');
      const sentByChild = h.deliveredLines().length;
      const held = await L.entry(key);
      assert.ok((await L.ledger().startedAt()) !== undefined, 'the handler recorded when the ledger started');
      assert.equal(held?.state, 'in-progress', 'killed before the end');
      assert.ok(held!.owner?.startsWith('child-'), 'held by the killed run');
      const persisted = held!.checkpoint;
      // Redelivery of the same message once the lease expired (SQS: visibility timeout > function timeout)
      const response = await processBatch(
        { Records: [record] },
        L.deps({ owner: `redelivery-${round}`, clockShiftMs: 3_600_000, checkpointEveryLines: EVERY }),
      );
      assert.deepEqual(response.batchItemFailures, []);
      assert.equal(h.telemetry.metrics.ObjectsTakenOver, 1, 'the killed run held an (expired) lease');
      // Every line delivered; duplicates only past the persisted checkpoint, and within the bound
      const delivered = h.deliveredLines();
      const counts = new Map<number, number>();
      for (const l of delivered) counts.set(l, (counts.get(l) ?? 0) + 1);
      assert.deepEqual(
        [...counts.keys()].sort((a, b) => a - b),
        good,
        'every line delivered',
      );
      const duplicates = delivered.length - counts.size;
      const inPersisted = (l: number) =>
        l <= persisted.resumeAfterLine || persisted.doneRanges.some(([a, b]) => l >= a && l <= b);
      const twiceBefore = [...counts].filter(([l, c]) => c > 1 && inPersisted(l)).map(([l]) => l);
      assert.deepEqual(twiceBefore, [], 'no line of the persisted checkpoint sent again');
      assert.ok(duplicates <= BOUND, `round ${round}: ${duplicates} duplicates > bound ${BOUND}`);
      const entry = await L.entry(key);
      assertDoneAccounting(entry, LINES, bad, blank);
      assert.equal(entry!.accounting.records, counts.size, 'records = distinct records delivered');
      // Every rejected line stored (a part of the killed run past its last checkpoint may hold one again)
      const stored = new Set(storedRejects(h.s3, LAKE_BUCKET).map((r) => r.line));
      assert.deepEqual(
        [...stored].sort((a, b) => a - b),
        bad,
      );
      for (const k of entry!.accounting.rejectsKeys) assert.ok(h.s3.getObject(LAKE_BUCKET, k), `${k} stored`);
      process.stdout.write(
        `# round ${round}: killed after ${sentByChild} records (target ${killAt}), persisted checkpoint ` +
          `${persisted.resumeAfterLine}, ${duplicates} duplicates (bound ${BOUND})\n`,
      );
    }
  });
});
