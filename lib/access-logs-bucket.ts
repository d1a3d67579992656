import { Duration } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SECURE_BUCKET_DEFAULTS } from './bucket-defaults';
import { requireWholeNumber } from './prop-checks';

export interface AccessLogsBucketProps {
  /** Days before access-log objects expire; at least 1. */
  readonly expirationDays: number;
}

/**
 * Destination for S3 server access logs of the stack's buckets (enabled with `serverAccessLogs=true`).
 *
 * S3 delivers server access logs only to SSE-S3 buckets in the same account and region, and needs a bucket policy
 * for `logging.s3.amazonaws.com`, which the source buckets add (feature flag
 * `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
 * It is not logged itself (that would loop); cdk-nag's AwsSolutions-S1 already exempts a bucket other buckets of the
 * stack log to, so there is no finding to acknowledge.
 */
export class AccessLogsBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps) {
    super(scope, id);
    requireWholeNumber('AccessLogsBucket', 'expirationDays', props.expirationDays, { min: 1, unit: 'days' });
    this.bucket = new Bucket(this, 'Bucket', {
      ...SECURE_BUCKET_DEFAULTS,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.expirationDays) }],
    });
  }
}
