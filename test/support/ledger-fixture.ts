/**
 * Ledger entries for tests of status, reconcile, backfill and the scheduled check, written with the real
 * ObjectLedger against LocalDynamoDb: done = claim + finish, failed = claim + release + fail, skipped = skip,
 * in progress = claim (a live lease).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NO_ACCOUNTING, NO_PROGRESS, type ObjectVersion } from '../../lambda/ledger/entry';
import { ObjectLedger } from '../../lambda/ledger/object-ledger';
import { LEDGER_TEST_TABLE } from './local-dynamodb';

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
