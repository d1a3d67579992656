import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

export interface AccessLogsBucketProps {
  /** Days before access-log objects expire. */
  readonly expirationDays: number;
}

/**
 * Destination for S3 server access logs of the stack's buckets (enabled with `serverAccessLogs=true`).
 *
 * S3 delivers server access logs only to SSE-S3 buckets in the same account and region, and needs a bucket policy
 * for `logging.s3.amazonaws.com`, which the source buckets add (feature flag
 * `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
 */
export class AccessLogsBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.expirationDays) }],
    });
    acknowledge(
      this.bucket,
      'AwsSolutions-S1',
      'This bucket is the server access log destination; logging it into itself would create a feedback loop.',
    );
  }
}
