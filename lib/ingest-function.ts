import { type Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deliveryStreamEnv, ENV } from '../lambda/ingest/env';
import type { LogTypeId } from '../lambda/schema/types';
import { bundledFunction } from './bundled-function';
import { acknowledge, wildcardResource } from './nag';
import { requireWholeNumber } from './prop-checks';

export interface IngestFunctionProps {
  /** Function memory, 128 to 10,240 MiB (CPU grows with it). */
  readonly memoryMiB: number;
  /** Function timeout, 90 s to 15 minutes (the handler keeps a retry budget and a checkpoint reserve). */
  readonly timeout: Duration;
  /** Retention of the function's log group. */
  readonly logRetention: RetentionDays;
  /** Removal policy of the log group. */
  readonly removalPolicy: RemovalPolicy;
}

/** How the ingest function uses the object ledger. */
export interface IngestLedgerOptions {
  /**
   * Days after its last write a ledger entry expires (the handler writes the TTL attribute); 0 = never.
   * @default - none; required (the stack passes `ledgerRetentionDays`, default 400)
   */
  readonly retentionDays: number;
  /**
   * Lines settled between two checkpoints the handler persists to the ledger while an object streams.
   * @default - the handler's own default (the variable is not set)
   */
  readonly checkpointEveryLines?: number;
}

/** The SQS event source of the ingest function. */
export interface QueueSourceOptions {
  /** Messages per invocation (1 to 10,000; above 10 needs a batching window). */
  readonly batchSize: number;
  /** How long Lambda gathers messages before it invokes (0 to 300 s). */
  readonly maxBatchingWindow: Duration;
  /** Most invocations at once (2 to 1,000): caps the Firehose request rate. */
  readonly maxConcurrency: number;
}

/**
 * The ingest Lambda: reads ALB log objects announced on the queue, parses them and sends records to Firehose.
 *
 * Bundled from lambda/ingest/handler.ts with the local esbuild (no Docker), arm64, Node.js 24, source maps on. The
 * AWS SDK is bundled rather than taken from the runtime so the deployed code runs the SDK version the tests ran.
 * Permissions are added together with the environment variable that names the resource (methods below), so the
 * handler's contract (lambda/ingest/env.ts) and its grants cannot drift apart.
 */
export class IngestFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** The stream of each log type the function sends to (see {@link sendRecordsTo}). */
  private readonly streamArns = new Map<LogTypeId, string>();
  private putRecords?: PolicyStatement;

  constructor(scope: Construct, id: string, props: IngestFunctionProps) {
    super(scope, id);
    requireWholeNumber('IngestFunction', 'memoryMiB', props.memoryMiB, { min: 128, max: 10_240 });
    const timeoutSeconds = props.timeout.toSeconds();
    if (timeoutSeconds < 90 || timeoutSeconds > 900) {
      throw new Error(`IngestFunction: timeout must be from 90 to 900 seconds; got ${timeoutSeconds}`);
    }
    const {
      function: fn,
      role,
      logGroup,
    } = bundledFunction(this, {
      entry: 'lambda/ingest/handler.ts',
      description: 'Parses load balancer log objects into Iceberg rows via Firehose, one stream per log type',
      roleDescription: 'Load balancer log ingest function',
      memoryMiB: props.memoryMiB,
      timeout: props.timeout,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      // The stack name scopes the handler's metrics (the `Stack` dimension) to this stack; lib/monitoring.ts alarms
      // on the same dimensions (lambda/ingest/metrics-contract.ts).
      environment: { NODE_OPTIONS: '--enable-source-maps', [ENV.stackName]: Stack.of(this).stackName },
    });
    this.function = fn;
    this.role = role;
    this.logGroup = logGroup;
  }

  /**
   * Consume the ingest queue: partial batch responses (one bad object never re-delivers the rest of its batch) and a
   * concurrency cap that keeps the function under the Firehose quota. The function may also send continuation
   * messages to the same queue, so it gets `sqs:SendMessage` on it and its URL.
   * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
   */
  consumeQueue(queue: IQueue, options: QueueSourceOptions): void {
    this.function.addEventSource(
      new SqsEventSource(queue, {
        batchSize: options.batchSize,
        maxBatchingWindow: options.maxBatchingWindow,
        maxConcurrency: options.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    this.function.addEnvironment(ENV.ingestQueueUrl, queue.queueUrl);
    this.role.addToPolicy(
      new PolicyStatement({ sid: 'SendContinuations', actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
    );
  }

  /**
   * Read log objects under one key prefix of the log bucket, and list that prefix only. Without `s3:ListBucket`, S3
   * answers GetObject on a deleted key with 403 AccessDenied instead of 404 NoSuchKey, so the handler's "missing
   * object: skip" never runs and the message ends in the DLQ.
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html ("Permissions")
   * The `s3:prefix` condition limits listing to the watched prefix; for the 403/404 decision S3 evaluates it with the
   * requested key as the prefix (not stated on that page; the behaviour Ceph RGW copied from S3, ceph/ceph#68577).
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html
   */
  readLogsFrom(bucket: IBucket, keyPrefix: string): void {
    const objects = bucket.arnForObjects(`${keyPrefix}*`);
    this.role.addToPolicy(
      new PolicyStatement({ sid: 'ReadLogObjects', actions: ['s3:GetObject'], resources: [objects] }),
    );
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'ListLogPrefix',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': `${keyPrefix}*` } },
      }),
    );
    acknowledge(
      this.role,
      wildcardResource(this.role, objects),
      'Log object keys are generated by ALB (account, region, date, node); read access is scoped to the ALB log prefix.',
    );
  }

  /**
   * Write rejected-line objects under one key prefix of the lake bucket. The rejects writer (lib-storage `Upload`)
   * switches to a multipart upload above 5 MiB: `s3:PutObject` covers creating, uploading parts and completing it, and
   * `s3:AbortMultipartUpload` lets a failed upload remove its parts instead of leaving them to the lifecycle rule.
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions
   */
  writeRejectsTo(bucket: IBucket, keyPrefix: string): void {
    const objects = bucket.arnForObjects(`${keyPrefix}*`);
    this.function.addEnvironment(ENV.rejectsBucket, bucket.bucketName);
    this.function.addEnvironment(ENV.rejectsPrefix, keyPrefix);
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'WriteRejects',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [objects],
      }),
    );
    acknowledge(
      this.role,
      wildcardResource(this.role, objects),
      'One rejects object per source log file, named after it; write access is scoped to the rejects prefix.',
    );
  }

  /**
   * Send the records of one log type to its Firehose stream: PutRecordBatch only, the one call the handler makes.
   * The handler ingests exactly the types it has a stream for (lambda/ingest/config.ts) and skips the others, counted.
   */
  sendRecordsTo(logType: LogTypeId, deliveryStreamName: string, deliveryStreamArn: string): void {
    if (this.streamArns.has(logType)) throw new Error(`IngestFunction: a stream for ${logType} is already set`);
    this.streamArns.set(logType, deliveryStreamArn);
    this.function.addEnvironment(deliveryStreamEnv(logType), deliveryStreamName);
    // One statement for all streams, so the policy grows by one ARN per log type, not by a statement.
    if (!this.putRecords) {
      this.putRecords = new PolicyStatement({ sid: 'PutRecords', actions: ['firehose:PutRecordBatch'] });
      this.role.addToPolicy(this.putRecords);
    }
    this.putRecords.addResources(deliveryStreamArn);
  }

  /**
   * Record objects in the object ledger (lambda/ledger/object-ledger.ts): the handler claims, checkpoints and
   * finishes an object with conditional UpdateItem calls and reads an entry with a consistent GetItem. It never
   * queries or deletes (the completeness check queries; DynamoDB's TTL deletes), so only those two actions, on this
   * table only (no index is read).
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/api-permissions-reference.html
   */
  recordObjectsIn(table: ITable, options: IngestLedgerOptions): void {
    this.function.addEnvironment(ENV.ledgerTableName, table.tableName);
    this.function.addEnvironment(ENV.ledgerRetentionDays, String(options.retentionDays));
    if (options.checkpointEveryLines !== undefined) {
      this.function.addEnvironment(ENV.checkpointEveryLines, String(options.checkpointEveryLines));
    }
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'ObjectLedger',
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [table.tableArn],
      }),
    );
  }
}
