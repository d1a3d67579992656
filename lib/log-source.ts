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
  /** The load balancer attribute `access_logs.s3.prefix` ('' = none). */
  readonly logPrefix: string;
  /**
   * Object-key suffixes of the log files to ingest, one notification rule each (`.log.gz`; `.log` for Classic Load
   * Balancer logs, which ELB writes uncompressed). No suffix may end with another: S3 refuses overlapping rules.
   */
  readonly logSuffixes: readonly string[];
  /**
   * A created bucket also lets the log delivery service write NLB access logs (`delivery.logs.amazonaws.com`; ALB
   * and Classic logs use the ELB log-delivery principals).
   * @default false
   */
  readonly allowNlbLogDelivery?: boolean;
  /** Days before raw logs in a created bucket expire; 0 = never. */
  readonly rawLogRetentionDays: number;
  /** Ingest queue visibility timeout (>= 6 x the function timeout). */
  readonly visibilityTimeout: Duration;
  /** Receives of one message before it moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** Retention of the ingest queue's messages (the dead-letter queue keeps them 14 days). */
  readonly queueRetention: Duration;
  /** Removal policy of the queues. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Server access log destination for a created bucket.
   * @default - not logged
   */
  readonly serverAccessLogsBucket?: IBucket;
}

/** Refuses suffix lists S3 would refuse at deploy time (overlapping rules) or that would ingest every object. */
function checkSuffixes(suffixes: readonly string[]): void {
  if (suffixes.length === 0) throw new Error('LogSource: logSuffixes must name at least one suffix');
  for (const a of suffixes) {
    if (a === '') throw new Error('LogSource: an empty suffix would ingest every object of the prefix');
    for (const b of suffixes) {
      if (a !== b && a.endsWith(b)) {
        throw new Error(`LogSource: suffixes "${a}" and "${b}" overlap; S3 refuses overlapping notification rules`);
      }
    }
  }
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
    checkSuffixes(props.logSuffixes);
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
    // One rule per suffix: S3 filters match one prefix and one suffix each. Rules for different suffixes of the same
    // prefix do not overlap as long as neither suffix ends with the other (checked above).
    const destination = new QueueFromBucketOfThisAccount(this.queue);
    for (const suffix of new Set(props.logSuffixes)) {
      this.bucket.addEventNotification(EventType.OBJECT_CREATED, destination, { prefix: this.objectsPrefix, suffix });
    }
  }

  private allowNlbLogDelivery(bucket: Bucket): void {
    for (const statement of nlbLogDeliveryStatements(bucket, this.objectsPrefix)) bucket.addToResourcePolicy(statement);
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
    if (props.allowNlbLogDelivery) this.allowNlbLogDelivery(bucket);
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
 * The statements AWS documents for NLB access logs, which the CloudWatch Logs delivery service writes: it checks the
 * bucket ACL, then writes with `bucket-owner-full-control`, both only for this account's deliveries.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/network/enable-access-logs.html
 */
function nlbLogDeliveryStatements(bucket: IBucket, objectsPrefix: string): PolicyStatement[] {
  const principal = new ServicePrincipal('delivery.logs.amazonaws.com');
  const conditions = {
    StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
    ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
  };
  return [
    new PolicyStatement({
      sid: 'AllowNlbLogDeliveryAclCheck',
      principals: [principal],
      actions: ['s3:GetBucketAcl'],
      resources: [bucket.bucketArn],
      conditions,
    }),
    new PolicyStatement({
      sid: 'AllowNlbLogDeliveryWrite',
      principals: [principal],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects(`${objectsPrefix}${Aws.ACCOUNT_ID}/*`)],
      conditions: {
        ...conditions,
        StringEquals: { ...conditions.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' },
      },
    }),
  ];
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
