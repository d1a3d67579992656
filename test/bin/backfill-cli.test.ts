/**
 * `alb-iceberg backfill` against the local S3 and SQS servers (real SDK clients over loopback HTTP), and the ingest
 * function fed with what it enqueues.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { main } from '../../bin/cli';
import { type BackfillCommandDeps, NO_LEDGER_WARNING, runBackfillCommand } from '../../bin/commands/backfill';
import type { BackfillCheckpoint } from '../../bin/ops/backfill';
import { decodeEventKey } from '../../lambda/s3/log-key';
import { albLine } from '../support/alb-line';
import { s3TestClientConfig, setAwsTestEnv, testClientConfig } from '../support/aws-env';
import { captureIo } from '../support/cli-io';
import { IngestHarness, LOG_BUCKET, QUEUE } from '../support/ingest-harness';

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';

/** A real-looking access-log key: `[prefix]AWSLogs/<acct>/elasticloadbalancing/<region>/<yyyy>/<mm>/<dd>/<file>`. */
function accessKey(day: string, n: number, opts: { prefix?: string; account?: string; region?: string } = {}): string {
  const account = opts.account ?? ACCOUNT;
  const region = opts.region ?? 'us-east-1';
  const [y, m, d] = day.split('-');
  return (
    `${opts.prefix ?? 'prod/'}AWSLogs/${account}/elasticloadbalancing/${region}/${y}/${m}/${d}/` +
    `${account}_elasticloadbalancing_${region}_app.web.50dc6c495c0c9188_${y}${m}${d}T${String(1000 + n).slice(-4)}Z_10.0.0.1_r${n}.log.gz`
  );
}

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

let h: IngestHarness;
let dir: string;
before(async () => {
  h = await IngestHarness.start();
});
after(() => h.close());
beforeEach(() => {
  h.reset();
  dir = mkdtempSync(join(tmpdir(), 'alb-iceberg-backfill-'));
});

/** Runs the command with clients on the local peers (SDK retries off) and instant sleeps. */
async function backfill(args: string[], deps: BackfillCommandDeps = {}): Promise<Captured & { slept: number }> {
  const c = captureIo();
  let slept = 0;
  const code = await runBackfillCommand(args, c.io, {
    s3: new S3Client(s3TestClientConfig(h.s3.endpoint, { maxAttempts: 1 })),
    sqs: new SQSClient(testClientConfig(h.sqs.endpoint, { maxAttempts: 1 })),
    stderrIsTTY: false,
    cwd: dir,
    sleep: async (ms) => {
      slept += ms;
    },
    random: () => 0.5,
    ...deps,
  });
  return { code, stdout: c.out(), stderr: c.err(), slept };
}

const queueUrl = () => h.sqs.queueUrl(QUEUE);
const SOME_QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/q';

/** Keys enqueued so far, in order (decoded from the message bodies). */
function enqueuedKeys(): string[] {
  return h.sqs.json<{ Records: { s3: { object: { key: string } } }[] }>(QUEUE).map((m) => {
    assert.equal(m.Records.length, 1, 'one object per message');
    return decodeEventKey(m.Records[0]!.s3.object.key);
  });
}

/** ListObjectsV2 prefixes (and delimiters) requested, recorded through the S3 server's behaviour hook. */
function recordListings(): { prefix: string; delimiter: string | null }[] {
  const seen: { prefix: string; delimiter: string | null }[] = [];
  h.s3.behave((r) => {
    if (r.operation === 'ListObjectsV2') {
      seen.push({ prefix: r.query.get('prefix') ?? '', delimiter: r.query.get('delimiter') });
    }
    return undefined;
  });
  return seen;
}

/** Entries per SendMessageBatch call, recorded through the SQS server's behaviour hook. */
function recordBatches(): number[] {
  const sizes: number[] = [];
  h.sqs.behave((call) => {
    if (call.operation === 'SendMessageBatch') sizes.push((call.input.Entries as unknown[]).length);
    return undefined;
  });
  return sizes;
}

function seed(keys: string[], body: Buffer = gzipSync(`${albLine()}\n`)): void {
  for (const k of keys) h.s3.putObject(LOG_BUCKET, k, body);
}

describe('alb-iceberg backfill: listing', () => {
  it('lists only the day folders of the range, for every account and region found', async () => {
    // Prepare: two accounts, two regions, six days, and things that are not this load balancer's access logs
    const days = ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-12-01', '2027-01-01'];
    const all: string[] = [];
    for (const account of [ACCOUNT, OTHER_ACCOUNT]) {
      for (const region of ['us-east-1', 'eu-west-1']) {
        for (const day of days) for (const n of [1, 2]) all.push(accessKey(day, n, { account, region }));
      }
    }
    seed(all);
    seed([`prod/AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/21/trail.json.gz`, 'other/thing.log.gz']);
    const listings = recordListings();
    // Act
    const r = await backfill([
      '--bucket',
      LOG_BUCKET,
      '--prefix',
      'prod',
      '--from',
      '2026-11-21',
      '--to',
      '2026-11-22',
      '--queue',
      queueUrl(),
    ]);
    // Assess
    assert.equal(r.code, 0, r.stderr);
    const expected = all.filter((k) => /\/2026\/11\/2[12]\//.test(k)).sort();
    assert.equal(expected.length, 16);
    assert.deepEqual(enqueuedKeys(), expected, 'every key of the range once, in S3 order');
    const discovery = listings.filter((l) => l.delimiter === '/').map((l) => l.prefix);
    assert.deepEqual(discovery, [
      'prod/AWSLogs/',
      `prod/AWSLogs/${ACCOUNT}/elasticloadbalancing/`,
      `prod/AWSLogs/${OTHER_ACCOUNT}/elasticloadbalancing/`,
    ]);
    const dayListings = listings.filter((l) => l.delimiter === null).map((l) => l.prefix);
    assert.equal(dayListings.length, 2 * 2 * 2, 'accounts x regions x days');
    for (const p of dayListings)
      assert.match(p, /^prod\/AWSLogs\/\d{12}\/elasticloadbalancing\/[a-z0-9-]+\/2026\/11\/2[12]\/$/);
    assert.match(r.stdout, /objects enqueued: 16 \(/);
    assert.match(r.stdout, /messages sent: 16 in 2 SendMessageBatch call\(s\)/);
  });

  it('uses --account and --log-region without discovery, and an open --to lists up to that day only', async () => {
    seed([
      accessKey('2026-11-20', 1),
      accessKey('2026-11-21', 1),
      accessKey('2026-11-22', 1),
      accessKey('2026-11-21', 1, { region: 'eu-west-1' }),
      accessKey('2026-11-21', 1, { account: OTHER_ACCOUNT }),
    ]);
    const listings = recordListings();
    const r = await backfill([
      '--bucket',
      LOG_BUCKET,
      '--prefix',
      'prod/',
      '--to',
      '2026-11-21',
      '--account',
      ACCOUNT,
      '--log-region',
      'us-east-1',
      '--queue',
      queueUrl(),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(enqueuedKeys(), [accessKey('2026-11-20', 1), accessKey('2026-11-21', 1)]);
    assert.deepEqual(
      listings.map((l) => l.prefix),
      [`prod/AWSLogs/${ACCOUNT}/elasticloadbalancing/us-east-1/`],
    );
  });

  it('enqueues log files of every type (Classic .log included); the test file, CloudWatch delivery and empty files are skipped', async () => {
    const day = `prod/AWSLogs/${ACCOUNT}/elasticloadbalancing/us-east-1/2026/11/21/`;
    const logs = [
      accessKey('2026-11-21', 1),
      accessKey('2026-11-21', 2),
      `${day}conn_log_${ACCOUNT}_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20261121T1005Z_10.0.0.1_c.log.gz`,
      `${day}health_check_log_${ACCOUNT}_elasticloadbalancing_us-east-1_app.web.1_20261121T1005Z_10.0.0.1_h.log.gz`,
      `${day}${ACCOUNT}_elasticloadbalancing_us-east-1_net.nlb.50dc6c495c0c9188_20261121T1005Z_x.log.gz`,
      `${day}${ACCOUNT}_elasticloadbalancing_us-east-1_classic-web_20261121T1005Z_10.0.0.2_k.log`,
    ];
    seed(logs);
    seed([`prod/AWSLogs/${ACCOUNT}/ELBAccessLogTestFile`, `${day}cloudwatch-delivery-1.parquet`]);
    h.s3.putObject(LOG_BUCKET, accessKey('2026-11-21', 3), Buffer.alloc(0));
    const args = ['--bucket', LOG_BUCKET, '--prefix', 'prod', '--from', '2026-11-21', '--to', '2026-11-21'];
    const r = await backfill([...args, '--queue', queueUrl()]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(enqueuedKeys(), [...logs].sort());
    assert.match(r.stdout, /skipped: 1 not log files \(1 of CloudWatch-vended delivery\), 1 empty, 0 already enqueued/);
    assert.match(
      r.stdout,
      /by log type: alb-access 2, alb-connection 1, alb-health-check 1, nlb-access 1, clb-access 1\n/,
    );
  });

  it('sends batches of at most 10 messages, one object each, shaped like S3 notifications', async () => {
    const keys = Array.from({ length: 23 }, (_, i) => accessKey('2026-11-21', i + 1)).sort();
    seed(keys);
    const batches = recordBatches();
    const r = await backfill([
      '--bucket',
      LOG_BUCKET,
      '--prefix',
      'prod',
      '--from',
      '2026-11-21',
      '--to',
      '2026-11-21',
      '--queue',
      queueUrl(),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(batches, [10, 10, 3]);
    const first = h.sqs.json<Record<string, unknown>>(QUEUE)[0] as {
      Records: {
        eventSource: string;
        eventName: string;
        s3: { bucket: { name: string }; object: { key: string; size: number } };
      }[];
    };
    const rec = first.Records[0]!;
    assert.equal(rec.eventSource, 'aws:s3');
    assert.equal(rec.eventName, 'ObjectCreated:Backfill');
    assert.equal(rec.s3.bucket.name, LOG_BUCKET);
    assert.equal(rec.s3.object.size, h.s3.body(LOG_BUCKET, keys[0]!)!.length);
    assert.deepEqual(enqueuedKeys(), keys);
  });

  it('URL-encodes keys as S3 does (spaces as +), and the ingest handler decodes them', async () => {
    const key = accessKey('2026-11-21', 1, { prefix: 'my logs+x/' });
    seed([key]);
    const r = await backfill(['--bucket', LOG_BUCKET, '--prefix', 'my logs+x', '--queue', queueUrl()]);
    assert.equal(r.code, 0, r.stderr);
    const raw = h.sqs.json<{ Records: { s3: { object: { key: string } } }[] }>(QUEUE)[0]!.Records[0]!.s3.object.key;
    assert.ok(raw.startsWith('my+logs%2Bx/AWSLogs/'), raw);
    assert.deepEqual(enqueuedKeys(), [key]);
  });

  it('rate-limits sends to --rate messages per second', async () => {
    seed(Array.from({ length: 30 }, (_, i) => accessKey('2026-11-21', i + 1)));
    let clock = 0;
    const r = await backfill(['--bucket', LOG_BUCKET, '--prefix', 'prod', '--queue', queueUrl(), '--rate', '10'], {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    assert.equal(r.code, 0, r.stderr);
    // 30 messages at 10/s: the first batch goes at once, the next two wait 1 s each.
    assert.equal(clock, 2000);
  });
});

describe('alb-iceberg backfill: dry run', () => {
  it('counts objects and bytes, sends nothing, writes no checkpoint', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => accessKey('2026-11-21', i + 1));
    seed(keys);
    const bytes = keys.reduce((n, k) => n + h.s3.body(LOG_BUCKET, k)!.length, 0);
    const r = await backfill([
      '--bucket',
      LOG_BUCKET,
      '--prefix',
      'prod',
      '--from',
      '2026-11-21',
      '--to',
      '2026-11-21',
      '--dry-run',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(h.sqs.calls.length, 0, 'no SQS call at all');
    assert.match(
      r.stdout,
      new RegExp(`objects to enqueue: 12 \\(.*, ${bytes} bytes\\), 12 message\\(s\\); nothing sent`),
    );
    assert.deepEqual(readdirSync(dir), [], 'no checkpoint written');
  });
});

describe('alb-iceberg backfill: resuming', () => {
  const keys = () => Array.from({ length: 47 }, (_, i) => accessKey(`2026-11-2${i % 3}`, i + 1)).sort();
  const args = () => [
    '--bucket',
    LOG_BUCKET,
    '--prefix',
    'prod',
    '--from',
    '2026-11-20',
    '--to',
    '2026-11-22',
    '--queue',
    queueUrl(),
  ];

  function checkpointIn(d: string): BackfillCheckpoint {
    const files = readdirSync(d).filter((f) => /^\.alb-iceberg-backfill-[0-9a-f]{12}\.json$/.test(f));
    assert.equal(files.length, 1, `one checkpoint file in ${readdirSync(d).join(', ')}`);
    return JSON.parse(readFileSync(join(d, files[0]!), 'utf8')) as BackfillCheckpoint;
  }

  it('after SQS keeps failing some entries of a batch, a re-run enqueues the rest and nothing twice', async () => {
    // Prepare: from the third call on, entries 3..9 of every batch fail (the first 3 of that batch get through)
    const all = keys();
    seed(all);
    h.sqs.behave((call) =>
      call.operation === 'SendMessageBatch' && call.seq >= 2
        ? {
            // By entry id (stable across retries): m3..m9 keep failing
            failEntry: (_i, entry) =>
              Number(String(entry.Id).slice(1)) >= 3 ? { code: 'InternalError', senderFault: false } : undefined,
          }
        : undefined,
    );
    // Act: the first run gives up on that batch
    const first = await backfill(args());
    // Assess
    assert.equal(first.code, 1);
    assert.match(first.stderr, /still failing after 8 attempts/);
    assert.match(first.stderr, /run the same command again to resume/i);
    const cp = checkpointIn(dir);
    assert.equal(cp.lastKey, all[19], 'the last key of the last complete batch');
    assert.deepEqual(cp.alsoDone, all.slice(20, 23), 'the 3 keys of the failing batch that did get through');
    assert.equal(cp.complete, false);
    assert.deepEqual(enqueuedKeys(), all.slice(0, 23));
    // Act: SQS recovers, same command
    h.sqs.behave(undefined);
    const second = await backfill(args());
    // Assess
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(enqueuedKeys(), all, 'every key exactly once over both runs');
    assert.match(second.stdout, /resumed after: /);
    assert.match(second.stdout, /3 already enqueued by an earlier run/);
    assert.equal(checkpointIn(dir).complete, true);
    // A third run enqueues nothing and lists no day folder before the checkpoint
    const listings = recordListings();
    const third = await backfill(args());
    assert.equal(third.code, 0);
    assert.equal(enqueuedKeys().length, all.length);
    assert.deepEqual(
      listings.filter((l) => l.delimiter === null).map((l) => l.prefix),
      [`prod/AWSLogs/${ACCOUNT}/elasticloadbalancing/us-east-1/2026/11/22/`],
      'only the day folder holding the checkpoint key is listed again',
    );
  });

  it('after a whole-call failure (queue missing), a re-run resumes after the last batch', async () => {
    const all = keys();
    seed(all);
    h.sqs.behave((call) =>
      call.operation === 'SendMessageBatch' && call.seq === 3 ? { error: { code: 'QueueDoesNotExist' } } : undefined,
    );
    const first = await backfill(args());
    assert.equal(first.code, 1);
    assert.match(first.stderr, /QueueDoesNotExist/);
    assert.deepEqual(enqueuedKeys(), all.slice(0, 30));
    h.sqs.behave(undefined);
    const second = await backfill(args());
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(enqueuedKeys(), all);
  });

  it('stops cleanly when interrupted, saving the checkpoint; the re-run continues', async () => {
    const all = keys();
    seed(all);
    const controller = new AbortController();
    h.sqs.behave((call) => {
      if (call.operation === 'SendMessageBatch' && call.seq === 1) controller.abort();
      return undefined;
    });
    const first = await backfill(args(), { signal: controller.signal });
    assert.equal(first.code, 1);
    assert.match(first.stderr, /stopped: interrupted/);
    const sent = enqueuedKeys();
    assert.ok(sent.length >= 20 && sent.length < all.length, `${sent.length} sent before stopping`);
    assert.equal(checkpointIn(dir).lastKey, sent[sent.length - 1]);
    h.sqs.behave(undefined);
    const second = await backfill(args());
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(enqueuedKeys(), all);
  });

  it('refuses a --checkpoint file of another backfill (usage error)', async () => {
    seed(keys());
    const file = join(dir, 'cp.json');
    assert.equal((await backfill([...args(), '--checkpoint', file])).code, 0);
    const r = await backfill(['--bucket', LOG_BUCKET, '--queue', queueUrl(), '--checkpoint', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /belongs to another backfill/);
  });
});

describe('alb-iceberg backfill: command line', () => {
  it('answers --help with exit 0, and usage errors with exit 2', async () => {
    const help = await backfill(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--checkpoint FILE/);
    assert.match(help.stdout, /Exit codes/);
    const cases: [string[], RegExp][] = [
      [['--queue', 'q'], /--bucket is required/],
      [['--bucket', 'b'], /--queue is required/],
      [['--bucket', 'b', '--queue', SOME_QUEUE, '--from', '2026-02-30'], /--from must be a date/],
      [['--bucket', 'b', '--queue', SOME_QUEUE, '--from', '2026-11-22', '--to', '2026-11-21'], /is after --to/],
      [['--bucket', 'b', '--queue', SOME_QUEUE, '--rate', '0'], /--rate must be a positive number/],
      [['--bucket', 'b', '--queue', SOME_QUEUE, '--account', '12'], /12-digit/],
      [['--bucket', 'b', '--queue', SOME_QUEUE, '--bogus'], /Unknown option '--bogus'/],
      [['--bucket', 'b', '--queue', SOME_QUEUE, '--log-region', 'Europe'], /--log-region must be a region like/],
    ];
    for (const [argv, message] of cases) {
      const r = await backfill(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, message);
    }
  });

  it('fails with exit 1 and a clear message when the bucket does not exist', async () => {
    const r = await backfill(['--bucket', 'no-such-bucket', '--queue', queueUrl()]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /alb-iceberg backfill: .*(NoSuchBucket|does not exist)/);
  });

  it('draws a throttled progress line on a terminal only', async () => {
    seed(Array.from({ length: 40 }, (_, i) => accessKey('2026-11-21', i + 1)));
    let clock = 0;
    const tty = await backfill(['--bucket', LOG_BUCKET, '--prefix', 'prod', '--queue', queueUrl(), '--rate', '1000'], {
      stderrIsTTY: true,
      now: () => (clock += 300),
    });
    assert.equal(tty.code, 0);
    const draws = tty.stderr.split('\r\x1b[K').filter((s) => s.startsWith('backfill:'));
    assert.ok(draws.length >= 2, 'drawn several times');
    assert.ok(draws.length < 40, 'but throttled');
    assert.ok(tty.stderr.endsWith('\r\x1b[K'), 'and erased at the end');
    h.reset();
    seed(Array.from({ length: 40 }, (_, i) => accessKey('2026-11-21', i + 1)));
    const pipe = await backfill([
      '--bucket',
      LOG_BUCKET,
      '--prefix',
      'prod',
      '--queue',
      queueUrl(),
      '--checkpoint',
      join(dir, 'p.json'),
    ]);
    assert.equal(pipe.code, 0);
    assert.equal(
      pipe.stderr,
      `${NO_LEDGER_WARNING}\n`,
      'nothing but the summary (on stdout) and the no-ledger warning when stderr is not a terminal',
    );
    assert.match(pipe.stdout, /objects enqueued: 40/);
  });

  it('runs through the alb-iceberg dispatcher with clients configured from the environment', async () => {
    seed([accessKey('2026-11-21', 1), accessKey('2026-11-22', 1)]);
    const restore = setAwsTestEnv({ s3: h.s3.endpoint, sqs: h.sqs.endpoint });
    try {
      const c = captureIo();
      const file = join(dir, 'env.json');
      const code = await main(
        [
          'backfill',
          '--bucket',
          LOG_BUCKET,
          '--prefix',
          'prod',
          '--from',
          '2026-11-22',
          '--to',
          '2026-11-22',
          '--queue',
          queueUrl(),
          '--checkpoint',
          file,
        ],
        c.io,
      );
      assert.equal(code, 0, c.err());
      assert.deepEqual(enqueuedKeys(), [accessKey('2026-11-22', 1)]);
      assert.ok(existsSync(file));
    } finally {
      restore();
    }
  });
});

describe('alb-iceberg backfill: the ingest function accepts what it enqueues', () => {
  it('a backfill message fed to processBatch ingests the object', async () => {
    // Prepare: an old log object with 3 good lines and 1 rejected line, under a prefix with a space
    const key = accessKey('2026-11-21', 7, { prefix: 'old logs/' });
    const lines = [albLine(), albLine({ set: { elbStatus: 'bad' } }), albLine(), albLine()];
    h.s3.putObject(LOG_BUCKET, key, gzipSync(lines.join('\n')));
    const r = await backfill(['--bucket', LOG_BUCKET, '--prefix', 'old logs', '--queue', queueUrl()]);
    assert.equal(r.code, 0, r.stderr);
    // Act
    const { responses } = await h.drive(h.takeNewMessages());
    // Assess
    assert.deepEqual(responses[0], { batchItemFailures: [] });
    assert.deepEqual(
      h.deliveredLines().sort((a, b) => a - b),
      [1, 3, 4],
    );
    assert.ok(h.rows().every((row) => row.source_file === '20261121T1007Z_10.0.0.1_r7'));
    assert.equal(h.telemetry.metrics.ObjectsIngested, 1);
  });
});

describe('alb-iceberg backfill: user errors and names that mislead', () => {
  const noStack = (stderr: string) => assert.doesNotMatch(stderr, /^\s+at /m);

  it('answers --queue not-a-url with one usage line and where to get help: no stack trace, no advice to resume', async () => {
    seed([accessKey('2026-11-21', 1)]);
    for (const queue of ['not-a-url', 'ftp://x/1/q', 'https://sqs.us-east-1.amazonaws.com/']) {
      const r = await backfill(['--bucket', LOG_BUCKET, '--prefix', 'prod', '--queue', queue]);
      assert.equal(r.code, 2, queue);
      assert.match(r.stderr, /^alb-iceberg backfill: --queue must be/);
      assert.match(r.stderr, /\nRun 'alb-iceberg backfill --help' for usage\.\n$/);
      assert.equal(r.stderr.split('\n').length, 3, r.stderr);
      assert.doesNotMatch(r.stderr, /resume/);
      noStack(r.stderr);
    }
    assert.deepEqual(enqueuedKeys(), []);
  });

  it('refuses a --checkpoint in a missing directory (or a directory) before sending anything', async () => {
    seed([accessKey('2026-11-21', 1), accessKey('2026-11-21', 2)]);
    for (const [checkpoint, message] of [
      [join(dir, 'missing', 'cp.json'), /--checkpoint '.*cp\.json': directory '.*missing' does not exist/],
      [dir, /--checkpoint '.*' is a directory/],
    ] as const) {
      const r = await backfill([
        '--bucket',
        LOG_BUCKET,
        '--prefix',
        'prod',
        '--queue',
        queueUrl(),
        '--checkpoint',
        checkpoint,
      ]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      noStack(r.stderr);
    }
    assert.deepEqual(enqueuedKeys(), [], 'nothing sent');
  });

  it('reads --prefix x/AWSLogs/ and --prefix AWSLogs as the layout folder, not as a prefix to look under twice', async () => {
    const prod = [accessKey('2026-11-21', 1)];
    const bare = [accessKey('2026-11-21', 2, { prefix: '' })];
    seed([...prod, ...bare]);
    const a = await backfill(['--bucket', LOG_BUCKET, '--prefix', 'prod/AWSLogs/', '--queue', queueUrl()]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, new RegExp(`backfill: s3://${LOG_BUCKET}/prod/AWSLogs/ `));
    assert.deepEqual(enqueuedKeys(), prod);
    h.reset();
    seed([...prod, ...bare]);
    const b = await backfill(['--bucket', LOG_BUCKET, '--prefix', 'AWSLogs', '--queue', queueUrl()]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, new RegExp(`backfill: s3://${LOG_BUCKET}/AWSLogs/ `));
    assert.deepEqual(enqueuedKeys(), bare);
  });

  it('calls the log-folder filter --log-region; --region still works but warns that it is not the AWS region', async () => {
    seed([accessKey('2026-11-21', 1), accessKey('2026-11-21', 2, { region: 'eu-west-1' })]);
    const help = await backfill(['--help']);
    assert.match(help.stdout, /--log-region REGION/);
    assert.match(help.stdout, /NOT the AWS region the CLI calls: that is\s+AWS_REGION/);
    const r = await backfill([
      '--bucket',
      LOG_BUCKET,
      '--prefix',
      'prod',
      '--region',
      'eu-west-1',
      '--queue',
      queueUrl(),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /--region is deprecated, use --log-region: .*not the AWS region the CLI calls \(that is AWS_REGION\)/,
    );
    assert.deepEqual(enqueuedKeys(), [accessKey('2026-11-21', 2, { region: 'eu-west-1' })]);
  });
});
