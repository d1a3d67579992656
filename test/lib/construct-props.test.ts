/**
 * Constructs check their own props: a value CloudFormation would refuse only at deploy time, or one that would break
 * the pipeline's contract, stops synthesis with a message naming the construct and the prop.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { logSchemaOf } from '../../lambda/schema/log-types';
import { AccessLogsBucket } from '../../lib/access-logs-bucket';
import { Athena } from '../../lib/athena';
import { DeliveryStream } from '../../lib/delivery-stream';
import { IcebergTable, type IcebergTableProps } from '../../lib/iceberg-table';
import { IngestFunction } from '../../lib/ingest-function';
import { LakeBucket } from '../../lib/lake-bucket';
import { LogDatabase } from '../../lib/log-database';
import { LogSource, type LogSourceProps } from '../../lib/log-source';

function scope(): { stack: Stack; bucket: Bucket; database: LogDatabase } {
  const stack = new Stack(new App(), 'Props');
  return { stack, bucket: new Bucket(stack, 'B'), database: new LogDatabase(stack, 'Db', { databaseName: 'db' }) };
}

function tableProps(s: ReturnType<typeof scope>, over: Partial<IcebergTableProps> = {}): IcebergTableProps {
  return {
    bucket: s.bucket,
    database: s.database,
    schema: logSchemaOf('nlb-access'),
    snapshotRetentionDays: 7,
    orphanFileRetentionDays: 3,
    ...over,
  };
}

describe('construct props', () => {
  it('LogDatabase refuses a name Firehose and Athena cannot use', () => {
    const { stack } = scope();
    assert.throws(() => new LogDatabase(stack, 'Bad', { databaseName: 'alb-logs' }), /LogDatabase: databaseName/);
  });

  it("IcebergTable defaults to its schema's table name and refuses bad names and retention days", () => {
    const s = scope();
    assert.equal(new IcebergTable(s.stack, 'T', tableProps(s)).tableName, 'nlb_access_logs');
    assert.throws(
      () => new IcebergTable(s.stack, 'T2', tableProps(s, { tableName: 'NLB' })),
      /IcebergTable: tableName/,
    );
    assert.throws(
      () => new IcebergTable(s.stack, 'T3', tableProps(s, { snapshotRetentionDays: 0 })),
      /IcebergTable: snapshotRetentionDays must be a whole number of days, at least 1; got 0/,
    );
  });

  it("DeliveryStream refuses buffering and retry values outside the Iceberg destination's ranges", () => {
    const s = scope();
    const table = new IcebergTable(s.stack, 'T', tableProps(s));
    const props = {
      bucket: s.bucket,
      table,
      bufferingInterval: Duration.seconds(60),
      bufferingSizeMiB: 64,
      retryDuration: Duration.seconds(300),
      logRetention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    };
    assert.equal(new DeliveryStream(s.stack, 'D', props).errorFolder, 'firehose-errors/nlb_access_logs/');
    assert.throws(
      () => new DeliveryStream(s.stack, 'D2', { ...props, bufferingSizeMiB: 129 }),
      /DeliveryStream: bufferingSizeMiB must be a whole number from 1 to 128; got 129/,
    );
    assert.throws(
      () => new DeliveryStream(s.stack, 'D3', { ...props, bufferingInterval: Duration.minutes(16) }),
      /bufferingInterval \(s\) must be a whole number from 0 to 900; got 960/,
    );
  });

  it('LogSource refuses no suffix, an empty one and overlapping ones', () => {
    const props = (logSuffixes: string[]): LogSourceProps => ({
      logPrefix: '',
      logSuffixes,
      rawLogRetentionDays: 0,
      visibilityTimeout: Duration.minutes(30),
      maxReceiveCount: 5,
      queueRetention: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const { stack } = scope();
    assert.throws(() => new LogSource(stack, 'L1', props([])), /at least one suffix/);
    assert.throws(() => new LogSource(stack, 'L2', props([''])), /would ingest every object/);
    assert.throws(() => new LogSource(stack, 'L3', props(['.gz', '.log.gz'])), /".log.gz" and ".gz" overlap/);
    assert.doesNotThrow(() => new LogSource(stack, 'L4', props(['.log.gz', '.log'])));
  });

  it('IngestFunction refuses memory and timeouts Lambda or the handler cannot run with, and a second stream per type', () => {
    const { stack } = scope();
    const base = { logRetention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY };
    assert.throws(
      () => new IngestFunction(stack, 'F1', { ...base, memoryMiB: 64, timeout: Duration.minutes(5) }),
      /memoryMiB must be a whole number from 128 to 10240; got 64/,
    );
    assert.throws(
      () => new IngestFunction(stack, 'F2', { ...base, memoryMiB: 1024, timeout: Duration.seconds(30) }),
      /timeout must be from 90 to 900 seconds; got 30/,
    );
    const fn = new IngestFunction(stack, 'F3', { ...base, memoryMiB: 1024, timeout: Duration.minutes(5) });
    fn.sendRecordsTo('nlb-access', 'n', 'arn:aws:firehose:eu-west-1:111111111111:deliverystream/n');
    assert.throws(() => fn.sendRecordsTo('nlb-access', 'm', 'arn:m'), /a stream for nlb-access is already set/);
  });

  it('LakeBucket and AccessLogsBucket refuse expirations under a day', () => {
    const { stack } = scope();
    assert.throws(
      () =>
        new LakeBucket(stack, 'Lake', {
          errorRetentionDays: 30,
          rejectRetentionDays: 0,
          athenaResultsRetentionDays: 7,
        }),
      /LakeBucket: rejectRetentionDays must be a whole number of days, at least 1; got 0/,
    );
    assert.throws(
      () => new AccessLogsBucket(stack, 'Access', { expirationDays: 0.5 }),
      /AccessLogsBucket: expirationDays/,
    );
  });

  it('Athena refuses a workgroup without tables or with a fractional scan limit', () => {
    const s = scope();
    const props = {
      workGroupName: 'wg',
      resultsBucket: s.bucket,
      resultsPrefix: 'athena-results/',
      databaseName: 'db',
      tables: [{ schema: logSchemaOf('clb-access'), tableName: 'clb_access_logs' }],
    };
    assert.throws(() => new Athena(s.stack, 'A1', { ...props, tables: [] }), /at least one table/);
    assert.throws(() => new Athena(s.stack, 'A2', { ...props, bytesScannedCutoffGiB: 0.5 }), /bytesScannedCutoffGiB/);
    assert.ok(new Athena(s.stack, 'A3', props).namedQueries.has('clbAccessErrorsByBackend'));
  });
});
