/**
 * `alb-iceberg errors` against the local S3 server: Firehose error objects (gzipped and plain, with damaged lines)
 * and the ingest function's rejects objects.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { main } from '../../bin/cli';
import { type ErrorsCommandDeps, runErrorsCommand } from '../../bin/commands/errors';
import { LineParser, type Rejection } from '../../lambda/parser/line-parser';
import { albLine } from '../support/alb-line';
import { s3TestClientConfig, setAwsTestEnv } from '../support/aws-env';
import { captureIo } from '../support/cli-io';
import { LocalS3 } from '../support/local-s3';

const LAKE = 'lake';
const DAY = 'firehose-errors/iceberg-failed/2026/11/23/18/';
const SOURCE = 'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/23/x.log.gz';

/** A Firehose error line for `record` (an object is JSON-encoded; a string is sent as is). */
function errorLine(record: unknown, code = 'Iceberg.NoSuchTable', extra: Record<string, unknown> = {}): string {
  const data = typeof record === 'string' ? record : JSON.stringify(record);
  return JSON.stringify({
    attemptsMade: 4,
    arrivalTimestamp: Date.UTC(2026, 10, 23, 18, 0, 0),
    errorCode: code,
    errorMessage: `${code}: table default.alb_logs was not found`,
    attemptEndingTimestamp: Date.UTC(2026, 10, 23, 18, 5, 0),
    rawData: Buffer.from(data).toString('base64'),
    ...extra,
  });
}

/** The parser's real rejection reason for a line. */
function reasonFor(line: string): string {
  const r = new LineParser({}).parse(line, 1);
  assert.equal(typeof r, 'object', 'the line is rejected');
  return (r as Rejection).reason;
}

function rejectLine(line: number, raw: string): string {
  return JSON.stringify({ file: SOURCE, line, reason: reasonFor(raw), raw });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let s3: LocalS3;
before(async () => {
  s3 = await LocalS3.start({ buckets: [LAKE] });
});
after(() => s3.close());
beforeEach(() => {
  s3.reset();
  s3.createBucket(LAKE);
});

async function errors(args: string[], deps: ErrorsCommandDeps = {}): Promise<Run> {
  const { io, out, err } = captureIo();
  const code = await runErrorsCommand(args, io, {
    s3: new S3Client(s3TestClientConfig(s3.endpoint, { maxAttempts: 1 })),
    stderrIsTTY: false,
    ...deps,
  });
  return { code, stdout: out(), stderr: err() };
}

const records = [
  { time: '2026-11-23T18:00:00.000000Z', line_number: 1 },
  { time: '2026-11-23T18:00:01.000000Z', line_number: 2 },
  { time: '2026-11-23T18:00:02.000000Z', line_number: 3 },
  { time: '2026-11-23T18:00:03.000000Z', line_number: 4 },
  { time: '2026-11-23T18:00:04.000000Z', line_number: 5 },
];

/** Two error objects (gzipped, plain) with 5 good records, 2 damaged lines and 1 undecodable record; 3 rejects. */
function seedAll(): void {
  s3.putObject(
    LAKE,
    `${DAY}alb-stream-1-2026-11-23-18-00-00-aaaa`,
    gzipSync(
      [
        errorLine(records[0]),
        errorLine(records[1]),
        errorLine(records[2], 'S3.AccessDenied'),
        '{"broken json',
        '',
      ].join('\n'),
    ),
  );
  s3.putObject(
    LAKE,
    `${DAY}alb-stream-1-2026-11-23-18-05-00-bbbb`,
    [
      errorLine(records[3]),
      JSON.stringify({ errorCode: 'Iceberg.NoSuchTable', errorMessage: 'no data' }),
      JSON.stringify({ ErrorCode: 'Iceberg.NoSuchTable', ErrorMessage: 'capitalised', rawData: 'not base64!' }),
      errorLine(records[4]),
    ].join('\r\n'),
  );
  // Already redriven: not read
  s3.putObject(LAKE, `firehose-errors/redriven/iceberg-failed/2026/11/23/17/old`, errorLine(records[0]));
  s3.putObject(
    LAKE,
    `rejects/alb-logs/${SOURCE}.from-line-1.ndjson.gz`,
    gzipSync(
      [
        rejectLine(7, albLine({ set: { elbStatus: 'abc' } })),
        rejectLine(9, albLine({ set: { elbStatus: 'x1' } })),
        rejectLine(12, 'just three fields'),
        'not json at all',
      ].join('\n'),
    ),
  );
}

describe('alb-iceberg errors: summary', () => {
  it('groups Firehose errors by code and rejects by normalised reason, with counts and samples', async () => {
    seedAll();
    const r = await errors(['--bucket', LAKE]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    assert.match(out, /Firehose errors under s3:\/\/lake\/firehose-errors\/: 6 record\(s\) in 2 object\(s\)/);
    assert.match(out, /\(1 already redriven object\(s\) not read\)/);
    assert.match(out, /\n {2}Iceberg\.NoSuchTable: 5\n/);
    assert.match(out, /\n {2}S3\.AccessDenied: 1\n/);
    assert.ok(out.includes(`s3://lake/${DAY}alb-stream-1-2026-11-23-18-00-00-aaaa:1  Iceberg.NoSuchTable: table`));
    assert.match(
      out,
      /unparseable line\(s\): 2\n {4}no rawData: 1\n[^\n]*-bbbb:2 [^\n]*\n {4}not JSON: 1\n[^\n]*-aaaa:4 /,
    );
    assert.match(out, /record\(s\) whose rawData does not decode: 1\n {4}rawData is not base64: 1\n[^\n]*-bbbb:3 /);
    assert.match(out, /Rejected lines under s3:\/\/lake\/rejects\/: 3 line\(s\) in 1 object\(s\)/);
    assert.match(out, /\n {2}field N \(elb_status_code\) "…" is not an integer in range: 2\n/);
    assert.ok(out.includes(`${SOURCE}:7  field 9 (elb_status_code) "abc" is not an integer in range`));
    assert.ok(out.includes(`${SOURCE}:9  field 9 (elb_status_code) "x1" is not an integer in range`));
    assert.match(out, /\n {2}too few fields: N \(an entry of ALB access logs has at least N\): 1\n/);
    assert.match(out, /unparseable line\(s\): 1\n {4}not JSON: 1\n/);
  });

  it('prints one JSON document with --json', async () => {
    seedAll();
    const r = await errors(['--bucket', LAKE, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.bucket, LAKE);
    assert.equal(doc.firehoseErrors.objects, 2);
    assert.equal(doc.firehoseErrors.records, 6);
    assert.equal(doc.firehoseErrors.redrivenObjectsSkipped, 1);
    assert.deepEqual(
      doc.firehoseErrors.byErrorCode.map((g: { errorCode: string; count: number }) => [g.errorCode, g.count]),
      [
        ['Iceberg.NoSuchTable', 5],
        ['S3.AccessDenied', 1],
      ],
    );
    const sample = doc.firehoseErrors.byErrorCode[0].samples[0];
    assert.deepEqual(Object.keys(sample).sort(), ['arrivalTime', 'attemptsMade', 'errorMessage', 'key', 'line']);
    assert.equal(sample.arrivalTime, '2026-11-23T18:00:00.000Z');
    assert.equal(doc.firehoseErrors.unparseable.count, 2);
    assert.equal(doc.firehoseErrors.undecodable.count, 1);
    assert.equal(doc.rejects.lines, 3);
    assert.equal(doc.rejects.byReason[0].reason, 'field N (elb_status_code) "…" is not an integer in range');
    assert.equal(doc.rejects.byReason[0].count, 2);
    assert.deepEqual(
      doc.rejects.byReason[0].samples.map((s: { file: string; line: number }) => [s.file, s.line]),
      [
        [SOURCE, 7],
        [SOURCE, 9],
      ],
    );
    assert.equal(doc.rejects.unparseable.count, 1);
    assert.deepEqual(doc.unreadableObjects, []);
    assert.equal(doc.truncated, false);
  });

  it('prints the decoded original records as NDJSON with --decode, the summary on stderr', async () => {
    seedAll();
    const r = await errors(['--bucket', LAKE, '--decode']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout.trimEnd().split('\n'),
      records.map((x) => JSON.stringify(x)),
    );
    assert.match(r.stderr, /Iceberg\.NoSuchTable: 5/);
  });

  it('reads only objects modified since --since', async () => {
    seedAll();
    const old = s3.getObject(LAKE, `${DAY}alb-stream-1-2026-11-23-18-00-00-aaaa`)! as { lastModified: Date };
    old.lastModified = new Date('2020-01-01T18:10:00Z');
    const r = await errors(['--bucket', LAKE, '--since', '2020-01-02', '--only', 'firehose', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.since, '2020-01-02T00:00:00.000Z');
    assert.equal(doc.firehoseErrors.objects, 1, 'the object written before --since is left out');
    assert.equal(doc.firehoseErrors.records, 3);
    assert.equal(doc.rejects, null, '--only firehose');
  });

  it('stops at --limit lines and says the counts are partial', async () => {
    seedAll();
    const r = await errors(['--bucket', LAKE, '--limit', '2']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /2 record\(s\) in 1 object\(s\)/);
    assert.match(r.stdout, /Stopped early at --limit: the counts above are partial\./);
    assert.match(r.stdout, /Rejected lines under s3:\/\/lake\/rejects\/: not read \(--limit reached\)/);
  });

  it('reports nothing to see when the prefixes are empty', async () => {
    const r = await errors(['--bucket', LAKE]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /0 record\(s\) in 0 object\(s\)\n {2}none\n/);
    assert.match(r.stdout, /0 line\(s\) in 0 object\(s\)\n {2}none\n/);
  });
});

describe('alb-iceberg errors: failures', () => {
  it('counts the lines before a damaged object breaks, reports it, and exits 1', async () => {
    seedAll();
    const whole = gzipSync(Array.from({ length: 2000 }, (_, i) => errorLine({ i })).join('\n'));
    s3.putObject(LAKE, `${DAY}alb-stream-1-2026-11-23-18-10-00-cccc`, whole.subarray(0, whole.length - 30));
    const r = await errors(['--bucket', LAKE, '--json']);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.unreadableObjects.length, 1);
    assert.equal(doc.unreadableObjects[0].key, `${DAY}alb-stream-1-2026-11-23-18-10-00-cccc`);
    assert.match(doc.unreadableObjects[0].error, /unexpected end of file/);
    assert.ok(doc.firehoseErrors.records > 6, 'lines before the damage are counted');
    assert.equal(doc.rejects.lines, 3, 'and the other objects are still read');
    assert.match(r.stderr, /1 object\(s\) could not be read completely/);
  });

  it('fails with exit 1 and a clear message when the bucket does not exist', async () => {
    const r = await errors(['--bucket', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /alb-iceberg errors: NoSuchBucket/);
  });

  it('answers --help with exit 0 and usage errors with exit 2', async () => {
    const help = await errors(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--decode/);
    const cases: [string[], RegExp][] = [
      [[], /--bucket is required/],
      [['--bucket', LAKE, '--json', '--decode'], /choose one/],
      [['--bucket', LAKE, '--since', 'yesterday'], /--since must be/],
      [['--bucket', LAKE, '--limit', '0'], /--limit must be an integer >= 1/],
      [['--bucket', LAKE, '--only', 'both'], /--only must be/],
      [['--bucket', LAKE, '--prefix', ''], /cannot be empty/],
      [['--bucket', LAKE, 'extra'], /Unexpected argument 'extra'/],
    ];
    for (const [argv, message] of cases) {
      const r = await errors(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, message);
    }
  });

  it('runs through the alb-iceberg dispatcher with a client configured from the environment', async () => {
    seedAll();
    const restore = setAwsTestEnv({ s3: s3.endpoint });
    try {
      const { io, out } = captureIo();
      const code = await main(['errors', '--bucket', LAKE, '--only', 'rejects'], io);
      const stdout = out();
      assert.equal(code, 0);
      assert.match(stdout, /Rejected lines under s3:\/\/lake\/rejects\/: 3 line\(s\)/);
      assert.doesNotMatch(stdout, /Firehose errors/);
    } finally {
      restore();
    }
  });
});
