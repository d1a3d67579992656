import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CHECK_ENV } from '../lambda/check/env';
import { LOG_TYPE_IDS, type LogTypeId } from '../lambda/schema/log-types';
import { bundledFunction } from './bundled-function';
import { COMPLETENESS_CHECK_TIMEOUT_MINUTES, DEFAULTS } from './config';

/** Default time between two runs. */
export const DEFAULT_CHECK_INTERVAL = Duration.minutes(DEFAULTS.completenessCheckMinutes);
/**
 * Timeout of one run. A run lists one day folder per account and region and day (ALB writes one file per node every
 * 5 minutes, so a busy load balancer has tens of thousands of keys a day: tens of ListObjectsV2 pages of 1,000 keys
 * and as many ledger Query pages), which takes seconds; five minutes leaves room for many accounts and Regions and
 * for the SDK's retries. The configuration keeps the interval at least this long, so runs do not overlap.
 */
export const CHECK_TIMEOUT = Duration.minutes(COMPLETENESS_CHECK_TIMEOUT_MINUTES);

export interface CompletenessCheckProps {
  /** The watched ALB log bucket. */
  readonly logBucket: IBucket;
  /** The ALB attribute `access_logs.s3.prefix` ('' = none): the check's `LOG_PREFIX`. */
  readonly logPrefix: string;
  /** Key prefix the pipeline watches (`[<logPrefix>/]AWSLogs/`): the only prefix the check may list. */
  readonly objectsPrefix: string;
  /** The object ledger the check queries. */
  readonly ledgerTable: ITable;
  /** The ingest queue: the check enqueues missing objects there when {@link autoEnqueue} is on. */
  readonly ingestQueue: IQueue;
  /**
   * Time between two runs (EventBridge schedule).
   * @default DEFAULTS.completenessCheckMinutes (15 minutes)
   */
  readonly interval?: Duration;
  /**
   * Minutes an object may wait for its notification before it counts as not in the pipeline.
   * @default - the handler's default (30; the variable is not set)
   */
  readonly graceMinutes?: number;
  /**
   * Day folders checked: today and this many days before it (UTC).
   * @default - the handler's default (1; the variable is not set)
   */
  readonly lookbackDays?: number;
  /**
   * The log types the deployment ingests (the check's `LOG_TYPES`): log files of other types in the bucket are
   * counted as not ingested by configuration, never as not in the pipeline. At least one type.
   * @default - every log type (LOG_TYPE_IDS; the variable is not set)
   */
  readonly logTypes?: readonly LogTypeId[];
  /**
   * Send the objects found missing to the ingest queue (and grant `sqs:SendMessage` on it).
   * @default false
   */
  readonly autoEnqueue?: boolean;
  /**
   * Memory of the function (CPU scales with it; the listing and the ledger pages are parsed JSON/XML).
   * @default 512
   */
  readonly memoryMiB?: number;
  /** CloudWatch Logs retention of the function's log group. */
  readonly logRetention: RetentionDays;
  /** Removal policy of the log group. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The scheduled completeness check (lambda/check/handler.ts): every interval it lists the watched day folders of the
 * log bucket, compares them with the object ledger and writes its counts as EMF metrics
 * (Service=completeness-check); objects older than the grace period that the ledger never saw had no notification
 * reach the ingest queue.
 *
 * Bundled with the local esbuild exactly like the ingest function (no Docker). Never two runs at once: reserved
 * concurrency 1, no retries of a failed run, and a run that cannot start within one interval is dropped (the next
 * scheduled run does the same work). Permissions are added with the environment variable that names the resource.
 */
export class CompletenessCheck extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly rule: Rule;
  /** Time between two runs. */
  readonly interval: Duration;

  constructor(scope: Construct, id: string, props: CompletenessCheckProps) {
    super(scope, id);
    this.interval = props.interval ?? DEFAULT_CHECK_INTERVAL;
    const stackName = Stack.of(this).stackName;
    const environment: Record<string, string> = {
      NODE_OPTIONS: '--enable-source-maps',
      [CHECK_ENV.stackName]: stackName,
      [CHECK_ENV.autoEnqueue]: String(props.autoEnqueue ?? false),
    };
    if (props.logPrefix) environment[CHECK_ENV.logPrefix] = props.logPrefix;
    if (props.graceMinutes !== undefined) environment[CHECK_ENV.graceMinutes] = String(props.graceMinutes);
    if (props.lookbackDays !== undefined) environment[CHECK_ENV.lookbackDays] = String(props.lookbackDays);
    const logTypes = checkedLogTypes(props.logTypes);
    if (logTypes !== undefined) environment[CHECK_ENV.logTypes] = logTypes.join(',');

    const {
      function: fn,
      role,
      logGroup,
    } = bundledFunction(this, {
      entry: 'lambda/check/handler.ts',
      description: 'Compares the ALB log bucket with the object ledger: log files that never reached the pipeline',
      roleDescription: 'ALB log completeness check',
      memoryMiB: props.memoryMiB ?? 512,
      timeout: CHECK_TIMEOUT,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment,
      extra: {
        // One run at a time: a second invocation while one runs is throttled, not run in parallel (two runs would
        // count, and with auto-enqueue send, the same objects twice). Reserved concurrency comes out of the
        // account's unreserved pool. https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
        reservedConcurrentExecutions: 1,
        // EventBridge invokes asynchronously. A failed run is not retried (the next run repeats it, and the
        // CompletenessCheckFailing alarm reports it), and a throttled one is dropped after one interval instead of
        // Lambda's default six hours of retries.
        // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
        retryAttempts: 0,
        maxEventAge: maxEventAge(this.interval),
      },
    });
    this.function = fn;
    this.role = role;
    this.logGroup = logGroup;

    this.rule = new Rule(this, 'Schedule', {
      description: `Runs the ALB log completeness check every ${this.interval.toHumanString()}`,
      schedule: Schedule.rate(this.interval),
      targets: [new LambdaFunction(this.function, { retryAttempts: 0 })],
    });

    this.listLogFolders(props.logBucket, props.objectsPrefix);
    this.queryLedger(props.ledgerTable);
    if (props.autoEnqueue) this.enqueueMissing(props.ingestQueue);
  }

  /**
   * List the watched prefix of the log bucket, and nothing else: `s3:ListBucket` on the bucket with an `s3:prefix`
   * condition (the check never reads objects: the listing has the keys, sizes and ETags it compares).
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html
   */
  private listLogFolders(bucket: IBucket, objectsPrefix: string): void {
    this.function.addEnvironment(CHECK_ENV.logBucket, bucket.bucketName);
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'ListLogPrefix',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': `${objectsPrefix}*` } },
      }),
    );
  }

  /** Read the ledger one day folder (partition) at a time: Query only, on the table only (no index). */
  private queryLedger(table: ITable): void {
    this.function.addEnvironment(CHECK_ENV.ledgerTableName, table.tableName);
    this.role.addToPolicy(
      new PolicyStatement({ sid: 'QueryLedger', actions: ['dynamodb:Query'], resources: [table.tableArn] }),
    );
  }

  /**
   * Send notifications for missing objects to the ingest queue. `sqs:SendMessage` also authorizes SendMessageBatch.
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html
   */
  private enqueueMissing(queue: IQueue): void {
    this.function.addEnvironment(CHECK_ENV.ingestQueueUrl, queue.queueUrl);
    this.role.addToPolicy(
      new PolicyStatement({ sid: 'EnqueueMissing', actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
    );
  }
}

/**
 * The `logTypes` prop as the variable's value: undefined for every type (the handler's default, so the template of a
 * deployment that ingests everything does not change), else the types in LOG_TYPE_IDS order. Throws for an empty
 * list or an unknown type, so synth fails at the construct rather than the function at its first run.
 */
export function checkedLogTypes(logTypes: readonly LogTypeId[] | undefined): readonly LogTypeId[] | undefined {
  if (logTypes === undefined) return undefined;
  const unknown = logTypes.filter((t) => !LOG_TYPE_IDS.includes(t));
  if (logTypes.length === 0 || unknown.length > 0) {
    throw new Error(
      `CompletenessCheck: logTypes must name at least one of ${LOG_TYPE_IDS.join(', ')}` +
        (unknown.length ? `; unknown: ${unknown.join(', ')}` : ''),
    );
  }
  return LOG_TYPE_IDS.every((t) => logTypes.includes(t)) ? undefined : LOG_TYPE_IDS.filter((t) => logTypes.includes(t));
}

/** One interval, within what Lambda accepts for the maximum event age (60 s to 6 h). */
function maxEventAge(interval: Duration): Duration {
  return Duration.seconds(Math.min(Math.max(interval.toSeconds(), 60), 6 * 3600));
}
