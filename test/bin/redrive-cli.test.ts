/**
 * `alb-iceberg redrive` against the local S3 and Firehose servers (real SDK clients over loopback HTTP).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { main } from '../../bin/cli';
import { type RedriveCommandDeps, runRedriveCommand } from '../../bin/commands/redrive';
import { s3TestClientConfig, seededRandom, setAwsTestEnv, testClientConfig } from '../support/aws-env';
import { captureIo } from '../support/cli-io';
import { firehoseFaults, LocalFirehose } from '../support/local-firehose';
import { LocalS3 } from '../support/local-s3';

const LAKE = 'lake';
const STREAM = 'alb-stream';
const DAY = 'firehose-errors/iceberg-failed/2026/11/23/18/';
const A = `${DAY}alb-stream-1-2026-11-23-18-00-00-aaaa`;
const B = `${DAY}alb-stream-1-2026-11-23-18-05-00-bbbb`;
const moved = (key: string) => key.replace('firehose-errors/', 'firehose-errors/redriven/');

const record = (n: number) => JSON.stringify({ time: `2026-11-23T18:00:${String(n % 60).padStart(2, '0')}Z`, n });

function errorLine(data: string, code = 'Iceberg.NoSuchTable'): string {
  return JSON.stringify({
    attemptsMade: 4,
    arrivalTimestamp: Date.UTC(2026, 10, 23, 18),
    errorCode: code,
    errorMessage: 'table not found',
    rawData: Buffer.from(data).toString('base64'),
  });
}

/** The text of an object, gunzipped when needed. */
function text(key: string): string {
  const body = s3.body(LAKE, key);
  assert.ok(body, `s3://${LAKE}/${key} exists`);
  return (body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString('utf8');
}

let s3: LocalS3;
let firehose: LocalFirehose;
before(async () => {
  [s3, firehose] = await Promise.all([LocalS3.start({ buckets: [LAKE] }), LocalFirehose.start({ streams: [STREAM] })]);
});
after(() => Promise.all([s3.close(), firehose.close()]));
beforeEach(() => {
  s3.reset();
  s3.createBucket(LAKE);
  firehose.reset();
  firehose.createStream(STREAM);
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command with clients on the local peers (SDK retries off) and a fake clock advanced by the sleeps. */
async function redrive(args: string[], deps: RedriveCommandDeps = {}): Promise<Run> {
  const { io, out, err } = captureIo();
  let clock = 1_000_000;
  const code = await runRedriveCommand(args, io, {
    s3: new S3Client(s3TestClientConfig(s3.endpoint, { maxAttempts: 1 })),
    firehose: new FirehoseClient(testClientConfig(firehose.endpoint, { maxAttempts: 1 })),
    stderrIsTTY: false,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    random: seededRandom(3),
    ...deps,
  });
  return { code, stdout: out(), stderr: err() };
}

const args = ['--bucket', LAKE, '--prefix', 'firehose-errors/', '--stream', STREAM];

/** Every record delivered, as counts by record text. */
function deliveredCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of firehose.texts(STREAM)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

function assertDeliveredOnce(expected: string[]): void {
  const counts = deliveredCounts();
  assert.deepEqual(
    [...counts].filter(([, c]) => c > 1),
    [],
    'no record delivered twice',
  );
  assert.deepEqual([...counts.keys()].sort(), [...expected].sort(), 'every record delivered, nothing else');
}

function seedTwo(): string[] {
  const recs = [1, 2, 3, 4, 5].map(record);
  s3.putObject(
    LAKE,
    A,
    gzipSync(
      `${recs
        .slice(0, 3)
        .map((r) => errorLine(r))
        .join('\n')}\n`,
    ),
  );
  s3.putObject(
    LAKE,
    B,
    recs
      .slice(3)
      .map((r) => errorLine(r, 'S3.AccessDenied'))
      .join('\n'),
  );
  return recs;
}

describe('alb-iceberg redrive', () => {
  it('sends every decoded record once despite per-entry failures, moves the objects, and a re-run sends nothing', async () => {
    // Prepare: the first call fails entries 0 and 2, the retry fails its entry 1
    const recs = seedTwo();
    const originals = [text(A), text(B)];
    firehose.script(firehoseFaults.failEntries([0, 2]), firehoseFaults.failEntries([1]));
    // Act
    const first = await redrive(args);
    // Assess
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assertDeliveredOnce(recs);
    assert.equal(firehose.pendingScript, 0, 'the failures happened');
    assert.deepEqual(s3.keys(LAKE), [moved(A), moved(B)], 'both moved, nothing left under the error prefix');
    assert.deepEqual([text(moved(A)), text(moved(B))], originals, 'moved verbatim');
    assert.match(first.stdout, /objects: 2 \(2 redriven\)/);
    assert.match(first.stdout, /records: 5 found, 5 sent/);
    assert.match(first.stdout, /firehose: 4 PutRecordBatch call\(s\), 2 retries/);
    // Act: again
    const calls = firehose.calls.length;
    const second = await redrive(args);
    // Assess
    assert.equal(second.code, 0);
    assert.equal(firehose.calls.length, calls, 'nothing sent');
    assert.match(second.stdout, /objects: 0\n/);
    assert.match(second.stdout, /already redriven objects skipped: 2/);
  });

  it('splits an object Firehose only partly accepted, so the re-run sends exactly the rest', async () => {
    // Prepare: record 2 keeps failing until the retry budget is spent
    const recs = seedTwo();
    firehose.behave(() => ({
      failEntry: (_i, data) => (data.toString() === recs[1] ? 'ServiceUnavailableException' : undefined),
    }));
    // Act
    const first = await redrive(args, { retryBudgetMs: 5_000 });
    // Assess: A is split, the run stopped there (Firehose is failing), B untouched
    assert.equal(first.code, 1);
    assertDeliveredOnce([recs[0]!, recs[2]!]);
    assert.match(first.stdout, /partial: Firehose: ServiceUnavailableException/);
    assert.match(first.stdout, /1 record\(s\) not acknowledged: the object now holds only those lines/);
    assert.match(first.stdout, /stopped early: Firehose/);
    assert.equal(text(A), `${errorLine(recs[1]!)}\n`, 'A now holds only the undelivered line');
    const part = s3.keys(LAKE, moved(A)).find((k) => k.includes('.part-'));
    assert.ok(part, 'the delivered lines are recorded under redriven/');
    assert.equal(text(part), `${errorLine(recs[0]!)}\n${errorLine(recs[2]!)}\n`);
    assert.ok(s3.getObject(LAKE, B), 'B not touched');
    // Act: Firehose recovers
    firehose.behave(undefined);
    const second = await redrive(args);
    // Assess
    assert.equal(second.code, 0, second.stdout);
    assertDeliveredOnce(recs);
    assert.deepEqual(s3.keys(LAKE, 'firehose-errors/iceberg-failed/'), [], 'nothing left to redrive');
    assert.ok(s3.getObject(LAKE, moved(A)) && s3.getObject(LAKE, moved(B)));
  });

  it('reports lines that cannot be redriven, never sends them, and leaves them in the error prefix', async () => {
    const good = record(7);
    const bad = [
      'not json',
      JSON.stringify({ errorCode: 'X', rawData: '%%%' }),
      JSON.stringify({ errorCode: 'X', rawData: Buffer.from([0xff, 0xfe]).toString('base64') }),
    ];
    s3.putObject(LAKE, A, [bad[0], errorLine(good), bad[1], bad[2]].join('\n'));
    const first = await redrive(args);
    assert.equal(first.code, 1);
    assertDeliveredOnce([good]);
    assert.match(
      first.stdout,
      /not redrivable: 1 line\(s\) that are not error records, 2 record\(s\) whose rawData does not decode/,
    );
    assert.match(first.stdout, /partial: 3 unusable line\(s\): the object now holds only those lines/);
    assert.equal(text(A), `${bad.join('\n')}\n`);
    // A second run has nothing to send from it and leaves it alone
    const second = await redrive(args);
    assert.equal(second.code, 1);
    assertDeliveredOnce([good]);
    assert.match(second.stdout, /not-sent: no usable record \(3 unusable line\(s\)\)/);
    assert.equal(text(A), `${bad.join('\n')}\n`);
  });

  it('uses the handler batching: at most 500 records per PutRecordBatch', async () => {
    const recs = Array.from({ length: 1203 }, (_, i) => record(i));
    s3.putObject(LAKE, A, gzipSync(recs.map((r) => errorLine(r)).join('\n')));
    const r = await redrive(args);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(
      firehose.calls.map((c) => c.entries),
      [500, 500, 203],
    );
    assertDeliveredOnce(recs);
  });

  it('shows what would be sent with --dry-run, and sends, moves and writes nothing', async () => {
    seedTwo();
    const r = await redrive([...args, '--dry-run']);
    assert.equal(r.code, 0);
    assert.equal(firehose.calls.length, 0);
    assert.deepEqual(
      s3.requests.filter((q) => q.operation !== 'ListObjectsV2' && q.operation !== 'GetObject'),
      [],
    );
    assert.match(r.stdout, /records that would be sent: 5 \(/);
    assert.ok(r.stdout.includes(`s3://${LAKE}/${A}: 3 record(s)`));
    assert.ok(r.stdout.includes(`s3://${LAKE}/${B}: 2 record(s)`));
  });

  it('stops without touching anything when the stream does not exist', async () => {
    seedTwo();
    firehose.deleteStream(STREAM);
    const r = await redrive(args);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /stopped early: Firehose: ResourceNotFoundException/);
    assert.deepEqual(s3.keys(LAKE), [A, B]);
    assert.equal(firehose.calls.length, 1, 'a permanent error is not retried, and the run stops');
  });

  it('finishes a move whose delete failed without sending its records again', async () => {
    const recs = seedTwo();
    s3.denyAccess(LAKE, A, ['DeleteObject']);
    const first = await redrive(args);
    assert.equal(first.code, 1);
    assert.match(first.stdout, /deleting the original failed \(the next run deletes it\)/);
    assertDeliveredOnce(recs);
    s3.allowAccess(LAKE, A);
    const second = await redrive(args);
    assert.equal(second.code, 0, second.stdout);
    assertDeliveredOnce(recs);
    assert.match(second.stdout, /1 already-redriven/);
    assert.deepEqual(s3.keys(LAKE), [moved(A), moved(B)]);
  });

  it('redrives only objects modified since --since', async () => {
    const recs = seedTwo();
    (s3.getObject(LAKE, A) as { lastModified: Date }).lastModified = new Date('2020-01-01T00:00:00Z');
    const r = await redrive([...args, '--since', '2020-06-01']);
    assert.equal(r.code, 0);
    assertDeliveredOnce(recs.slice(3));
    assert.deepEqual(s3.keys(LAKE), [A, moved(B)]);
  });

  it('answers --help with exit 0 and usage errors with exit 2', async () => {
    const help = await redrive(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Rejected lines \(the rejects\/ prefix\) are not redriven/);
    const cases: [string[], RegExp][] = [
      [['--stream', STREAM], /--bucket is required/],
      [['--bucket', LAKE, '--prefix', 'firehose-errors/'], /--stream is required/],
      [['--bucket', LAKE, '--stream', STREAM], /--prefix is required: the error folder of the stream's table/],
      [[...args, '--since', '23/11/2026'], /--since must be/],
      [[...args, '--prefix', ''], /cannot be empty/],
      [[...args, '--rejects'], /Unknown option '--rejects'/],
    ];
    for (const [argv, message] of cases) {
      const r = await redrive(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, message);
    }
  });

  it('runs through the alb-iceberg dispatcher with clients configured from the environment', async () => {
    const recs = seedTwo();
    const restore = setAwsTestEnv({ s3: s3.endpoint, firehose: firehose.endpoint });
    try {
      const { io, out } = captureIo();
      const code = await main(['redrive', ...args], io);
      const stdout = out();
      assert.equal(code, 0, stdout);
      assertDeliveredOnce(recs);
    } finally {
      restore();
    }
  });
});
