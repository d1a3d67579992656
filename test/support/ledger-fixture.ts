/**
 * Ledger entries for tests of status, reconcile, backfill and the scheduled check, written with the real
 * ObjectLedger against LocalDynamoDb: done = claim + finish, failed = claim + release + fail, skipped = skip,
 * in progress = claim (a live lease).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NO_ACCOUNTING, NO_PROGRESS, type ObjectVersion } from '../../lambda/ledger/entry';
import { ObjectLedger } from '../../lambda/ledger/object-ledger';
import { s3TestClientConfig, testClientConfig } from './aws-env';
import { LEDGER_TEST_TABLE, LocalDynamoDb } from './local-dynamodb';
import { LocalS3 } from './local-s3';
import { LocalSqs } from './local-sqs';

export const ACCOUNT = '123456789012';

/** An access-log key: `[prefix]AWSLogs/<acct>/elasticloadbalancing/<region>/<yyyy>/<mm>/<dd>/<file>`. */
export function accessKey(day: string, n: number, opts: { prefix?: string; account?: string; region?: string } = {}) {
  const account = opts.account ?? ACCOUNT;
  const region = opts.region ?? 'us-east-1';
  const [y, m, d] = day.split('-');
  return (
    `${opts.prefix ?? 'prod/'}AWSLogs/${account}/elasticloadbalancing/${region}/${y}/${m}/${d}/` +
    `${account}_elasticloadbalancing_${region}_app.web.50dc6c495c0c9188_${y}${m}${d}T${String(1000 + n).slice(-4)}Z_10.0.0.1_r${n}.log.gz`
  );
}

export class LedgerFixture {
  readonly ledger: ObjectLedger;
  private runs = 0;

  constructor(client: DynamoDBClient, tableName = LEDGER_TEST_TABLE) {
    this.ledger = new ObjectLedger({ client, tableName, retentionDays: 0 });
  }

  async done(v: ObjectVersion, linesDone: number): Promise<void> {
    const owner = this.owner();
    await this.ledger.claim(v, { owner, leaseUntil: Date.now() + 600_000 });
    await this.ledger.finish(v, owner, { ...NO_ACCOUNTING, linesDone, records: linesDone });
  }

  async failed(v: ObjectVersion, cause: string): Promise<void> {
    const owner = this.owner();
    await this.ledger.claim(v, { owner, leaseUntil: Date.now() + 600_000 });
    await this.ledger.release(v, owner, { checkpoint: NO_PROGRESS, accounting: NO_ACCOUNTING, cause });
    await this.ledger.fail(v, { cause, firstUndeliveredLine: 1 });
  }

  async skipped(v: ObjectVersion, reason: string): Promise<void> {
    await this.ledger.skip(v, { reason });
  }

  async inProgress(v: ObjectVersion): Promise<void> {
    await this.ledger.claim(v, { owner: this.owner(), leaseUntil: Date.now() + 3_600_000 });
  }

  private owner(): string {
    return `test-run-${++this.runs}`;
  }
}

/** The peers an operations test talks to (S3, the ledger, the ingest queue), with clients that do not retry. */
export interface OpsPeers {
  readonly s3: LocalS3;
  readonly ddb: LocalDynamoDb;
  readonly sqs: LocalSqs;
  readonly s3c: S3Client;
  readonly ddbc: DynamoDBClient;
  readonly sqsc: SQSClient;
  close(): Promise<void>;
}

export async function startOpsPeers(bucket: string, queue: string): Promise<OpsPeers> {
  const [s3, ddb, sqs] = await Promise.all([
    LocalS3.start({ buckets: [bucket] }),
    LocalDynamoDb.start(),
    LocalSqs.start({ queues: [queue] }),
  ]);
  const s3c = new S3Client(s3TestClientConfig(s3.endpoint, { maxAttempts: 1 }));
  const ddbc = new DynamoDBClient(testClientConfig(ddb.endpoint, { maxAttempts: 1 }));
  const sqsc = new SQSClient(testClientConfig(sqs.endpoint, { maxAttempts: 1 }));
  return {
    s3,
    ddb,
    sqs,
    s3c,
    ddbc,
    sqsc,
    close: async () => {
      for (const c of [s3c, ddbc, sqsc]) c.destroy();
      await Promise.all([s3.close(), ddb.close(), sqs.close()]);
    },
  };
}
