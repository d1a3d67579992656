/** The day folders of ELB log delivery: the log prefix, and which listings cover a scope, against LocalS3. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { S3Client } from '@aws-sdk/client-s3';
import { type ListingRange, listingRanges, normalisePrefix } from '../../../lambda/inventory/day-folders';
import { s3TestClientConfig } from '../../support/aws-env';
import { accessKeyOfDay } from '../../support/elb-keys';
import { LocalS3 } from '../../support/local-s3';

const BUCKET = 'logs';
const ACCT = '111122223333';

const key = (day: string, n: number, region?: string, account = ACCT) => accessKeyOfDay(day, n, region, account);

describe('log prefix', () => {
  it('normalises prefixes', () => {
    assert.equal(normalisePrefix(undefined), '');
    assert.equal(normalisePrefix(''), '');
    assert.equal(normalisePrefix('/prod'), 'prod/');
    assert.equal(normalisePrefix('prod/'), 'prod/');
    assert.equal(normalisePrefix('a/b//'), 'a/b/');
  });
});

describe('day-folder listings', () => {
  let s3: LocalS3;
  let client: S3Client;
  before(async () => {
    s3 = await LocalS3.start({ buckets: [BUCKET] });
    client = new S3Client(s3TestClientConfig(s3.endpoint, { maxAttempts: 1 }));
  });
  after(() => s3.close());
  beforeEach(() => {
    s3.reset();
    s3.createBucket(BUCKET);
  });

  async function ranges(scope: Parameters<typeof listingRanges>[1], today = Date.UTC(2026, 10, 23)) {
    const counters = { listRequests: 0 };
    const out: ListingRange[] = [];
    for await (const r of listingRanges(client, scope, today, counters)) out.push(r);
    return { out, counters };
  }

  it('enumerates day folders across month and year ends, without any request when accounts and regions are given', async () => {
    const { out, counters } = await ranges({
      bucket: BUCKET,
      prefix: 'p',
      from: '2026-12-30',
      to: '2027-01-02',
      accounts: [ACCT],
      regions: ['us-east-1'],
    });
    assert.equal(counters.listRequests, 0);
    const base = `p/AWSLogs/${ACCT}/elasticloadbalancing/us-east-1/`;
    assert.deepEqual(
      out.map((r) => r.prefix),
      ['2026/12/30/', '2026/12/31/', '2027/01/01/', '2027/01/02/'].map((d) => base + d),
    );
  });

  it('ends an open range today, and bounds a range with only an end', async () => {
    const open = await ranges({
      bucket: BUCKET,
      from: '2026-11-22',
      accounts: [ACCT],
      regions: ['us-east-1'],
    });
    assert.equal(open.out.length, 2, '22 and 23 (today)');
    const upTo = await ranges({
      bucket: BUCKET,
      to: '2026-11-30',
      accounts: [ACCT],
      regions: ['us-east-1'],
    });
    const base = `AWSLogs/${ACCT}/elasticloadbalancing/us-east-1/`;
    assert.deepEqual(upTo.out, [{ prefix: base, before: `${base}2026/12/01/` }]);
  });

  it('discovers accounts (12-digit folders only) and their regions', async () => {
    s3.putObject(BUCKET, key('2026-11-21', 1, 'us-east-1'), 'x');
    s3.putObject(BUCKET, key('2026-11-21', 1, 'eu-west-1', '999988887777'), 'x');
    s3.putObject(BUCKET, 'AWSLogs/notanaccount/elasticloadbalancing/us-east-1/x', 'x');
    const { out, counters } = await ranges({ bucket: BUCKET });
    assert.deepEqual(
      out.map((r) => r.prefix),
      [`AWSLogs/${ACCT}/elasticloadbalancing/us-east-1/`, 'AWSLogs/999988887777/elasticloadbalancing/eu-west-1/'],
    );
    assert.equal(counters.listRequests, 3);
  });
});
