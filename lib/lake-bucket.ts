import { Duration } from 'aws-cdk-lib';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SECURE_BUCKET_DEFAULTS, serverAccessLogging } from './bucket-defaults';
import { acknowledge } from './nag';
import { requireWholeNumber } from './prop-checks';

/** Key prefixes of the lake bucket. Each is a folder: never the bucket root. */
export const LAKE_PREFIXES = {
  /** Iceberg tables live under `iceberg/<database>/<table>/` (Athena VACUUM fails on a table at the bucket root). */
  tables: 'iceberg/',
  /** Records Firehose could not deliver (`!{firehose:error-output-type}/yyyy/MM/dd/HH/`). */
  firehoseErrors: 'firehose-errors/',
  /** One gzipped NDJSON object of rejected lines per source log file (written by the ingest function). */
  rejects: 'rejects/',
  /** Athena query results (for the workgroup). */
  athenaResults: 'athena-results/',
} as const;

export interface LakeBucketProps {
  /** Days before Firehose error objects (`firehose-errors/`) expire; at least 1. */
  readonly errorRetentionDays: number;
  /** Days before rejected-line objects (`rejects/`) expire; at least 1. */
  readonly rejectRetentionDays: number;
  /** Days before Athena query results (`athena-results/`) expire; at least 1. */
  readonly athenaResultsRetentionDays: number;
  /**
   * Where S3 server access logs of the bucket go.
   * @default - not logged
   */
  readonly serverAccessLogsBucket?: IBucket;
}

/** S3 lifecycle expirations are whole days, at least 1. */
function checkRetentionDays(props: LakeBucketProps): void {
  for (const key of ['errorRetentionDays', 'rejectRetentionDays', 'athenaResultsRetentionDays'] as const) {
    requireWholeNumber('LakeBucket', key, props[key], { min: 1, unit: 'days' });
  }
}

/**
 * The data-lake bucket: Iceberg table data and metadata, Firehose errors, rejected lines and Athena results.
 *
 * Encrypted with SSE-S3 (no KMS key, so Firehose, Glue optimizers and Athena need no key grants), public access
 * blocked, TLS-only, ACLs disabled, retained when the stack is deleted. Versioning stays off: Iceberg snapshots already
 * give time travel, and versioning would keep every compacted or expired file billable.
 */
export class LakeBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: LakeBucketProps) {
    super(scope, id);
    checkRetentionDays(props);
    this.bucket = new Bucket(this, 'Bucket', {
      ...SECURE_BUCKET_DEFAULTS,
      ...serverAccessLogging(props.serverAccessLogsBucket, 'lake/'),
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
        {
          id: 'expire-firehose-errors',
          prefix: LAKE_PREFIXES.firehoseErrors,
          expiration: Duration.days(props.errorRetentionDays),
        },
        { id: 'expire-rejects', prefix: LAKE_PREFIXES.rejects, expiration: Duration.days(props.rejectRetentionDays) },
        {
          id: 'expire-athena-results',
          prefix: LAKE_PREFIXES.athenaResults,
          expiration: Duration.days(props.athenaResultsRetentionDays),
        },
      ],
    });
    if (!props.serverAccessLogsBucket) {
      acknowledge(
        this.bucket,
        'AwsSolutions-S1',
        "Server access logging is opt-in (serverAccessLogs=true): writes come only from this stack's roles, and CloudTrail data events are the usual audit trail.",
      );
    }
  }

  /** `s3://bucket/prefix` for a key prefix. */
  s3Url(prefix: string): string {
    return `s3://${this.bucket.bucketName}/${prefix}`;
  }
}
