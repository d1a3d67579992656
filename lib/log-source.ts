import { Aws, Duration, type RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AccountPrincipal, type IPrincipal, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Bucket,
  type BucketNotificationDestinationConfig,
  BucketNotificationDestinationType,
  EventType,
  type IBucket,
  type IBucketNotificationDestination,
  type LifecycleRule,
} from 'aws-cdk-lib/aws-s3';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { SECURE_BUCKET_DEFAULTS, serverAccessLogging } from './bucket-defaults';
import { acknowledge } from './nag';

export interface LogSourceProps {
  /** Import this existing bucket (the common case). Undefined = create a new log bucket. */
  readonly existingBucketName?: string;
  /** The ALB attribute `access_logs.s3.prefix` ('' = none). */
  readonly logPrefix: string;
  /** Object-key suffix of log files ('' = any). */
  readonly logSuffix: string;
  /** Days before raw logs in a created bucket expire; 0 = never. */
  readonly rawLogRetentionDays: number;
  /** Ingest queue visibility timeout (>= 6 x the function timeout). */
  readonly visibilityTimeout: Duration;
  readonly maxReceiveCount: number;
  readonly queueRetention: Duration;
  /** Removal policy of the queues. */
  readonly removalPolicy: RemovalPolicy;
  /** Server access log destination for a created bucket; undefined = not logged. */
  readonly serverAccessLogsBucket?: IBucket;
}

/**
 * Where log files come from and how their arrival is announced: the ALB log bucket (imported or created), its
 * `s3:ObjectCreated:*` notification, the ingest queue and its dead-letter queue.
 */
export class LogSource extends Construct {
  readonly bucket: IBucket;
  /** True when this construct created the bucket (output how to point an ALB at it). */
  readonly createdBucket: boolean;
  /** Key prefix of the log objects: `[<logPrefix>/]AWSLogs/`. The notification and the read grant use it. */
  readonly objectsPrefix: string;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: LogSourceProps) {
    super(scope, id);
    this.objectsPrefix = `${props.logPrefix ? `${props.logPrefix}/` : ''}AWSLogs/`;

    // S3 cannot publish to a queue encrypted with the AWS-managed key alias/aws/sqs: use SQS-managed SSE.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/ways-to-add-notification-config-to-bucket.html
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    this.queue = new Queue(this, 'IngestQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda's guidance for SQS event sources: at least 6 x the function timeout.
      // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-queueconfig
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: props.queueRetention,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
      removalPolicy: props.removalPolicy,
    });

    if (props.existingBucketName) {
      this.bucket = Bucket.fromBucketName(this, 'LogBucket', props.existingBucketName);
      this.createdBucket = false;
    } else {
      this.bucket = this.createLogBucket(props);
      this.createdBucket = true;
    }

    // On an imported bucket this synthesizes Custom::S3BucketNotifications with Managed: false, so notifications
    // configured outside this stack are kept. S3 refuses overlapping prefix/suffix rules for the same event type:
    // a bucket that already sends the same keys elsewhere needs SNS or EventBridge fan-out instead.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
    this.bucket.addEventNotification(EventType.OBJECT_CREATED, new QueueFromBucketOfThisAccount(this.queue), {
      prefix: this.objectsPrefix,
      ...(props.logSuffix ? { suffix: props.logSuffix } : {}),
    });
  }

  /**
   * A bucket ALBs can deliver access logs to: SSE-S3 (the only encryption ALB log delivery supports) and the ELB
   * log-delivery bucket policy.
   * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
   */
  private createLogBucket(props: LogSourceProps): Bucket {
    const lifecycleRules: LifecycleRule[] = [
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
    ];
    if (props.rawLogRetentionDays > 0) {
      lifecycleRules.push({ id: 'expire-raw-logs', expiration: Duration.days(props.rawLogRetentionDays) });
    }
    const bucket = new Bucket(this, 'LogBucket', {
      ...SECURE_BUCKET_DEFAULTS,
      ...serverAccessLogging(props.serverAccessLogsBucket, 'alb-logs/'),
      lifecycleRules,
    });
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowElbLogDelivery',
        actions: ['s3:PutObject'],
        principals: elbLogDeliveryPrincipals(Stack.of(this).region),
        resources: [bucket.arnForObjects(`${this.objectsPrefix}${Aws.ACCOUNT_ID}/*`)],
      }),
    );
    if (!props.serverAccessLogsBucket) {
      acknowledge(
        bucket,
        'AwsSolutions-S1',
        'Server access logging is opt-in (serverAccessLogs=true): only the ELB log-delivery service writes here and the ingest function only reads.',
      );
    }
    return bucket;
  }
}

/**
 * Principals allowed to write ALB access logs. The service principal is what AWS documents for Regions opened in or
 * after August 2022; Regions older than that deliver as a regional ELB account, which can only be added when the
 * region is known at synthesis (set `region` in the configuration).
 */
function elbLogDeliveryPrincipals(region: string): IPrincipal[] {
  const principals: IPrincipal[] = [new ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')];
  const legacyAccount = Token.isUnresolved(region) ? undefined : RegionInfo.get(region).elbv2Account;
  if (legacyAccount) principals.push(new AccountPrincipal(legacyAccount));
  return principals;
}

/**
 * The notification destination `SqsDestination` would be, with the queue policy AWS's own example gives: S3 may send
 * only for this bucket (`aws:SourceArn`) and only when the bucket belongs to this account (`aws:SourceAccount`).
 * `SqsDestination` (aws-cdk-lib 2.276) adds `aws:SourceArn` only; a bucket name can be re-created by another account
 * once deleted, and `aws:SourceAccount` closes that gap. An imported bucket is assumed to belong to the stack's account
 * (its notification configuration is written by this stack, which needs the owner's s3:PutBucketNotification).
 * The queue is SQS-SSE encrypted, so no KMS key policy is needed (what `SqsDestination` adds for a KMS-encrypted queue).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ways-to-add-notification-config-to-bucket.html
 */
class QueueFromBucketOfThisAccount implements IBucketNotificationDestination {
  constructor(private readonly queue: IQueue) {}

  bind(scope: Construct, bucket: IBucket): BucketNotificationDestinationConfig {
    this.queue.grantSendMessages(
      new ServicePrincipal('s3.amazonaws.com', {
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
        },
      }),
    );
    return { arn: this.queue.queueArn, type: BucketNotificationDestinationType.QUEUE, dependencies: [this.queue] };
  }
}
