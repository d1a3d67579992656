/**
 * Deployed-account integration test: proves a real deployment end to end and settles what no document does (the
 * update-safe Glue table shape, the timestamp encoding Firehose accepts).
 *
 *   node --import tsx test/integ/deployed.integ.ts
 *
 * Needs AWS credentials and a region (AWS_REGION or the profile's), a CDK-bootstrapped account, and costs a few cents.
 * Without credentials it prints SKIPPED and exits 0. It:
 *  1. deploys a uniquely named copy of the stack (new log bucket, its own Glue database) with a short Firehose buffer;
 *  2. uploads one gzipped ALB log object in the real key and line format, with the current time;
 *  3. waits until Athena returns exactly those rows, typed (timestamp, integer, bigint, double), with the timestamps
 *     as written and the day(time) partition present;
 *  4. asserts the Firehose error prefix, the rejects prefix and the dead-letter queue are empty, and that the object
 *     ledger has the object done with every line accounted for;
 *  5. redeploys with a change to the Glue table and checks Athena still reads it and a second object still lands;
 *  6. tears everything down, including the retained buckets, Glue table and database and the ledger table
 *     (KEEP_STACK=1 keeps them).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { DeleteTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ObjectLedger } from '../../lambda/ledger/object-ledger';
import { albLine } from '../support/alb-line';

const REPO_ROOT = path.join(__dirname, '..', '..');
const RUN_ID = randomBytes(4).toString('hex');
const STACK_NAME = `AlbIcebergInteg-${RUN_ID}`;
const DATABASE = `alb_integ_${RUN_ID}`;
const TABLE = 'access_logs';
const LINES_PER_OBJECT = 5;
const WAIT_FOR_ROWS_MS = 15 * 60_000;

type Outputs = Record<string, string>;

async function main(): Promise<void> {
  const s3 = new S3Client({});
  const region = await s3.config.region().catch(() => undefined);
  const credentials = await s3.config.credentials().catch(() => undefined);
  if (!region || !credentials) {
    console.log('SKIPPED: no AWS credentials or region (set AWS_PROFILE/AWS_REGION to run against a sandbox account)');
    return;
  }
  const athena = new AthenaClient({ region });
  const sqs = new SQSClient({ region });
  const dynamodb = new DynamoDBClient({ region });
  console.log(`run ${RUN_ID}: stack ${STACK_NAME} in ${region}`);

  let outputs: Outputs | undefined;
  try {
    outputs = deploy();
    const account = accountFromQueueUrl(outputs.IngestQueueUrl);
    const query = athenaRunner(athena, outputs.AthenaResultsLocation);

    // 2-3: one object in, exactly its rows out.
    const first = logObject(account, region, 'first');
    await s3.send(new PutObjectCommand({ Bucket: outputs.LogBucketName, Key: first.key, Body: first.body }));
    await expectRows(query, first);
    await expectTypesAndPartition(query);

    // 4: nothing failed anywhere.
    await expectEmptyPrefix(s3, outputs.LakeBucketName, 'firehose-errors/');
    await expectEmptyPrefix(s3, outputs.LakeBucketName, 'rejects/');
    await expectEmptyQueue(sqs, outputs.DeadLetterQueueUrl);
    await expectLedgerDone(dynamodb, outputs, first);

    // 5: a stack update that touches the table keeps it an Iceberg table Athena can read and Firehose can write.
    deploy({ INTEG_TABLE_UPDATE: RUN_ID });
    const second = logObject(account, region, 'second');
    await s3.send(new PutObjectCommand({ Bucket: outputs.LogBucketName, Key: second.key, Body: second.body }));
    await expectRows(query, second);
    await expectRows(query, first);
    console.log('PASSED');
  } finally {
    if (process.env.KEEP_STACK) console.log(`KEEP_STACK set: ${STACK_NAME} left in place`);
    else await tearDown(s3, athena, dynamodb, outputs);
  }
}

/** `cdk deploy` of the integration app; returns the stack outputs. */
function deploy(env: Record<string, string> = {}): Outputs {
  const outputsFile = path.join(os.tmpdir(), `${STACK_NAME}.outputs.json`);
  cdk(['deploy', STACK_NAME, '--require-approval', 'never', '--outputs-file', outputsFile], env);
  const all = JSON.parse(fs.readFileSync(outputsFile, 'utf8')) as Record<string, Outputs>;
  const outputs = all[STACK_NAME];
  assert.ok(outputs, `no outputs for ${STACK_NAME}`);
  return outputs;
}

function cdk(args: string[], env: Record<string, string> = {}): void {
  const context = [
    ['stackName', STACK_NAME],
    ['databaseName', DATABASE],
    ['tableName', TABLE],
    ['bufferingIntervalSeconds', '30'],
    ['maxBatchingWindowSeconds', '0'],
    ['removalPolicy', 'destroy'],
  ].flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  execFileSync('npx', ['cdk', ...args, '--app', 'npx tsx test/integ/app.ts', ...context], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
}

/** Account id from https://sqs.<region>.amazonaws.com/<account>/<name>. */
function accountFromQueueUrl(url: string | undefined): string {
  const account = url?.split('/')[3];
  assert.ok(account && /^\d{12}$/.test(account), `cannot read the account from ${url}`);
  return account;
}

interface LogObject {
  readonly key: string;
  readonly body: Buffer;
  readonly marker: string;
  /** What each line must become, by line number. */
  readonly expected: { line: number; time: string; status: number; url: string; targetTime: number; sent: number }[];
}

/** One ALB access-log object with the real key layout and line format (AWS's documented example line, varied). */
function logObject(account: string, region: string, label: string): LogObject {
  const now = new Date();
  const marker = `integ-${RUN_ID}-${label}`;
  const elb = `app/integ-${RUN_ID}/50dc6c495c0c9188`;
  const expected = [];
  const lines = [];
  for (let i = 1; i <= LINES_PER_OBJECT; i++) {
    const t = new Date(now.getTime() - i * 1000);
    const time = `${t.toISOString().slice(0, 19)}.${String(t.getUTCMilliseconds() * 1000 + i).padStart(6, '0')}Z`;
    const status = [200, 404, 503][i % 3] as number;
    const url = `https://integ.example.com:443/${marker}/${i}?q=a%20b`;
    const targetTime = i / 1000;
    const sent = 1000 * i;
    expected.push({ line: i, time, status, url, targetTime, sent });
    lines.push(
      albLine({
        set: {
          time,
          elb,
          client: `192.0.2.${i}:${40000 + i}`,
          requestProcessingTime: '0.001',
          targetProcessingTime: String(targetTime),
          responseProcessingTime: '0.000',
          elbStatus: String(status),
          targetStatus: String(status),
          receivedBytes: '120',
          sentBytes: String(sent),
          request: `"GET ${url} HTTP/1.1"`,
          userAgent: '"curl/8.5.0"',
          sslCipher: 'TLS_AES_128_GCM_SHA256',
          sslProtocol: 'TLSv1.3',
          targetGroupArn: `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/integ/73e2d6bc24d8a067`,
          domainName: '"integ.example.com"',
          chosenCertArn: `"arn:aws:acm:${region}:${account}:certificate/12345678-1234-1234-1234-123456789012"`,
          matchedRulePriority: '0',
          requestCreationTime: time,
          actionsExecuted: '"forward"',
          targetStatusCodeList: `"${status}"`,
        },
      }),
    );
  }
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 13); // yyyyMMddTHHmm
  const [y, m, d] = [now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate()].map((n) =>
    String(n).padStart(2, '0'),
  );
  const file = `${account}_elasticloadbalancing_${region}_${elb.replace(/\//g, '.')}_${stamp}Z_10.0.1.23_${RUN_ID}${label}.log.gz`;
  const key = `AWSLogs/${account}/elasticloadbalancing/${region}/${y}/${m}/${d}/${file}`;
  return { key, body: gzipSync(`${lines.join('\n')}\n`), marker, expected };
}

type Query = (sql: string) => Promise<string[][]>;

function athenaRunner(athena: AthenaClient, outputLocation: string | undefined): Query {
  assert.ok(outputLocation, 'AthenaResultsLocation output');
  return async (sql) => {
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({ QueryString: sql, ResultConfiguration: { OutputLocation: outputLocation } }),
    );
    for (;;) {
      await sleep(1000);
      const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
      const state = QueryExecution?.Status?.State;
      if (state === 'SUCCEEDED') break;
      if (state === 'FAILED' || state === 'CANCELLED') {
        throw new Error(`Athena ${state}: ${QueryExecution?.Status?.StateChangeReason}\n${sql}`);
      }
    }
    const rows: string[][] = [];
    let NextToken: string | undefined;
    do {
      const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId, NextToken }));
      for (const row of page.ResultSet?.Rows ?? []) rows.push((row.Data ?? []).map((c) => c.VarCharValue ?? ''));
      NextToken = page.NextToken;
    } while (NextToken);
    return rows.slice(1); // header row
  };
}

/** Waits until the table holds exactly the object's rows, then compares them value by value. */
async function expectRows(query: Query, object: LogObject): Promise<void> {
  const oldest = object.expected.at(-1)?.time.slice(0, 19).replace('T', ' ');
  const sql = `SELECT line_number, to_iso8601("time"), elb_status_code, request_url, target_processing_time, sent_bytes
    FROM "${DATABASE}"."${TABLE}"
    WHERE "time" >= timestamp '${oldest}' - interval '1' minute AND request_url LIKE '%/${object.marker}/%'
    ORDER BY line_number`;
  const deadline = Date.now() + WAIT_FOR_ROWS_MS;
  let rows: string[][] = [];
  while (Date.now() < deadline) {
    rows = await query(sql).catch((error: Error) => {
      if (/TABLE_NOT_FOUND|does not exist/.test(error.message)) return [];
      throw error;
    });
    if (rows.length >= object.expected.length) break;
    await sleep(20_000);
  }
  const byLine = [...object.expected].sort((a, b) => a.line - b.line);
  assert.deepEqual(
    rows,
    byLine.map((e) => [
      String(e.line),
      e.time.replace(/Z$/, ''), // Iceberg `timestamp` has no zone: microseconds must survive exactly
      String(e.status),
      e.url,
      String(e.targetTime),
      String(e.sent),
    ]),
    `rows of ${object.marker}`,
  );
  console.log(`ok: ${rows.length} rows of ${object.marker}`);
}

async function expectTypesAndPartition(query: Query): Promise<void> {
  const [types] = await query(
    `SELECT typeof("time"), typeof(elb_status_code), typeof(sent_bytes), typeof(target_processing_time), typeof(client_ip)
     FROM "${DATABASE}"."${TABLE}" LIMIT 1`,
  );
  assert.deepEqual(types, ['timestamp(6)', 'integer', 'bigint', 'double', 'varchar']);
  // The day transform shows as a date field of the partition row: {"time_day":"2026-11-23"}.
  const partitions = await query(
    `SELECT json_format(CAST(partition AS json)) FROM "${DATABASE}"."${TABLE}$partitions"`,
  );
  const today = new Date().toISOString().slice(0, 10);
  assert.ok(
    partitions.some(([p]) => p?.includes(`"time_day":"${today}"`)),
    `a day(time) partition for ${today}: ${JSON.stringify(partitions)}`,
  );
  console.log('ok: typed columns, day(time) partition');
}

async function expectEmptyPrefix(s3: S3Client, bucket: string | undefined, prefix: string): Promise<void> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 5 }));
  assert.equal(listed.KeyCount ?? 0, 0, `s3://${bucket}/${prefix} should be empty: ${JSON.stringify(listed.Contents)}`);
  console.log(`ok: s3://${bucket}/${prefix} is empty`);
}

/** The ledger has the object done, every line a record (the integration objects have no blank or bad line). */
async function expectLedgerDone(dynamodb: DynamoDBClient, outputs: Outputs, object: LogObject): Promise<void> {
  const ledger = new ObjectLedger({ client: dynamodb, tableName: outputs.LedgerTableName!, retentionDays: 0 });
  const bucket = outputs.LogBucketName!;
  const folder = object.key.slice(0, object.key.lastIndexOf('/') + 1);
  const entries = [];
  for await (const e of ledger.listFolder(bucket, folder)) if (e.key === object.key) entries.push(e);
  assert.equal(entries.length, 1, 'one ledger entry for the object');
  assert.equal(entries[0]!.state, 'done');
  assert.equal(entries[0]!.accounting.linesDone, LINES_PER_OBJECT);
  assert.equal(entries[0]!.accounting.records, LINES_PER_OBJECT);
  console.log('ok: the ledger has the object done with every line');
}

async function expectEmptyQueue(sqs: SQSClient, queueUrl: string | undefined): Promise<void> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  assert.equal(Attributes?.ApproximateNumberOfMessages, '0', 'DLQ visible messages');
  assert.equal(Attributes?.ApproximateNumberOfMessagesNotVisible, '0', 'DLQ in-flight messages');
  console.log('ok: dead-letter queue is empty');
}

/** Destroys the stack, then what it retains by design: the Glue table and database, the buckets, the ledger table. */
async function tearDown(
  s3: S3Client,
  athena: AthenaClient,
  dynamodb: DynamoDBClient,
  outputs: Outputs | undefined,
): Promise<void> {
  const failures: unknown[] = [];
  const attempt = async (what: string, step: () => unknown) => {
    try {
      await step();
    } catch (error) {
      console.error(`teardown: ${what} failed: ${String(error)}`);
      failures.push(error);
    }
  };
  // The stack first (its optimizers refer to the table), then the table and database it retains, then the buckets.
  await attempt('cdk destroy', () => cdk(['destroy', STACK_NAME, '--force']));
  if (outputs?.AthenaResultsLocation) {
    const query = athenaRunner(athena, outputs.AthenaResultsLocation);
    await attempt('drop table', () => query(`DROP TABLE IF EXISTS \`${DATABASE}\`.\`${TABLE}\``));
    await attempt('drop database', () => query(`DROP DATABASE IF EXISTS \`${DATABASE}\` CASCADE`));
  }
  for (const bucket of [outputs?.LogBucketName, outputs?.LakeBucketName]) {
    if (bucket) await attempt(`delete bucket ${bucket}`, () => deleteBucket(s3, bucket));
  }
  const ledgerTable = outputs?.LedgerTableName;
  if (ledgerTable) {
    // Retained and deletion-protected by design: protection off first, then delete.
    await attempt(`delete ledger table ${ledgerTable}`, async () => {
      await dynamodb.send(new UpdateTableCommand({ TableName: ledgerTable, DeletionProtectionEnabled: false }));
      await dynamodb.send(new DeleteTableCommand({ TableName: ledgerTable }));
    });
  }
  if (failures.length) console.error(`teardown incomplete: check ${STACK_NAME}, ${DATABASE} and the buckets by hand`);
}

async function deleteBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
