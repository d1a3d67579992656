import { Aws, Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type GraphWidgetProps,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type ITable, Operation } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CHECK_METRICS,
  type CheckMetricName,
  METRICS,
  METRICS_CHECK_SERVICE,
  METRICS_LOG_TYPE_DIMENSION,
  METRICS_NAMESPACE,
  type MetricName,
  metricsDimensions,
  PER_LOG_TYPE_METRICS,
} from '../lambda/ingest/metrics-contract';
import type { LogSchema, LogTypeId } from '../lambda/schema/types';
import { DEFAULTS } from './config';

/** Period of most alarms and dashboard graphs. */
const PERIOD = Duration.minutes(5);

/**
 * The metrics of the pipeline, one factory method per metric, each linked to the page that defines it.
 * Metric math lives here too, so alarms and dashboard graphs show exactly the same series.
 */
export class PipelineMetrics {
  constructor(
    private readonly sources: {
      readonly queue: IQueue;
      readonly deadLetterQueue: IQueue;
      readonly function: IFunction;
      /** The stack whose function emits the handler metrics (their `Stack` dimension). */
      readonly stackName: string;
      /** The object ledger table. */
      readonly ledgerTable?: ITable;
      /** The completeness check's function. */
      readonly checkFunction?: IFunction;
    },
  ) {}

  /** The ledger operations the pipeline calls (ingest: GetItem, UpdateItem; completeness check: Query). */
  private static readonly LEDGER_OPERATIONS = [Operation.GET_ITEM, Operation.UPDATE_ITEM, Operation.QUERY];

  /**
   * Age of the oldest message in the ingest queue (maximum).
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
   */
  queueOldestMessageAge(): IMetric {
    return this.sources.queue.metricApproximateAgeOfOldestMessage({
      statistic: Stats.MAXIMUM,
      period: PERIOD,
      label: 'Oldest message age (s)',
    });
  }

  /**
   * Messages waiting in the ingest queue (maximum).
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
   */
  queueVisibleMessages(): IMetric {
    return this.sources.queue.metricApproximateNumberOfMessagesVisible({
      statistic: Stats.MAXIMUM,
      period: PERIOD,
      label: 'Ingest queue',
    });
  }

  /**
   * Messages in the dead-letter queue (maximum).
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
   */
  deadLetterMessages(): IMetric {
    return this.sources.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      statistic: Stats.MAXIMUM,
      period: PERIOD,
      label: 'Dead-letter queue',
    });
  }

  /**
   * Invocations of the ingest function (sum).
   * @see https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
   */
  functionInvocations(): IMetric {
    return this.sources.function.metricInvocations({ statistic: Stats.SUM, period: PERIOD, label: 'Invocations' });
  }

  /**
   * Invocations that ended in a function error: an exception, a timeout or running out of memory (sum).
   * @see https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
   */
  functionErrors(): IMetric {
    return this.sources.function.metricErrors({ statistic: Stats.SUM, period: PERIOD, label: 'Errors' });
  }

  /**
   * Invocation requests Lambda throttled (sum).
   * @see https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
   */
  functionThrottles(): IMetric {
    return this.sources.function.metricThrottles({ statistic: Stats.SUM, period: PERIOD, label: 'Throttles' });
  }

  /**
   * Ingest function duration in milliseconds, with a statistic such as `p99` or `Maximum`.
   * @see https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
   */
  functionDuration(statistic: string): IMetric {
    return this.sources.function.metricDuration({ statistic, period: PERIOD, label: `Duration ${statistic} (ms)` });
  }

  /**
   * Rows Firehose could not write to the Iceberg table; they went to the error prefix of the lake bucket (sum).
   * @see https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-metric.html
   */
  firehoseFailedRows(stream: string): IMetric {
    return this.firehose(stream, 'DeliveryToIceberg.FailedRowCount', Stats.SUM, 'Failed rows');
  }

  /**
   * Rows Firehose wrote to the Iceberg table (sum).
   * @see https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-metric.html
   */
  firehoseSuccessfulRows(stream: string): IMetric {
    return this.firehose(stream, 'DeliveryToIceberg.SuccessfulRowCount', Stats.SUM, 'Delivered rows');
  }

  /**
   * Age of the oldest record in Firehose not yet delivered to the table, in seconds (maximum).
   * @see https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-metric.html
   */
  firehoseDataFreshness(stream: string): IMetric {
    return this.firehose(stream, 'DeliveryToIceberg.DataFreshness', Stats.MAXIMUM, 'Data freshness (s)');
  }

  /**
   * Records Firehose refused because the stream's throughput limits were exceeded (sum).
   * @see https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html
   */
  firehoseThrottledRecords(stream: string): IMetric {
    return this.firehose(stream, 'ThrottledRecords', Stats.SUM, 'Throttled records');
  }

  /**
   * Bytes put into the stream (sum).
   * @see https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html
   */
  firehoseIncomingBytes(stream: string): IMetric {
    return this.firehose(stream, 'IncomingBytes', Stats.SUM, 'Incoming bytes');
  }

  /**
   * The stream's current ingestion limit in bytes per second (average).
   * @see https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html
   */
  firehoseBytesPerSecondLimit(stream: string): IMetric {
    return this.firehose(stream, 'BytesPerSecondLimit', Stats.AVERAGE, 'Bytes/s limit');
  }

  /**
   * Incoming bytes per second as a percentage of `BytesPerSecondLimit`: the alarm AWS recommends for Firehose.
   * @see https://docs.aws.amazon.com/firehose/latest/dev/firehose-cloudwatch-metrics-best-practices.html
   */
  firehoseIncomingBytesPercentOfLimit(stream: string): IMetric {
    return new MathExpression({
      expression: '100 * (bytes / PERIOD(bytes)) / limit',
      usingMetrics: { bytes: this.firehoseIncomingBytes(stream), limit: this.firehoseBytesPerSecondLimit(stream) },
      period: PERIOD,
      label: 'Incoming bytes, % of limit',
    });
  }

  /**
   * One of the ingest handler's EMF metrics (lambda/ingest/metrics-contract.ts), summed, of this stack's function only
   * (the `Stack` dimension): every alarm and graph on handler metrics goes through here. With a log type, the series
   * of that type only (the `LogType` dimension, published for PER_LOG_TYPE_METRICS).
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
   */
  handler(name: MetricName, period: Duration = PERIOD, logType?: LogTypeId): IMetric {
    if (logType !== undefined && !(PER_LOG_TYPE_METRICS as readonly string[]).includes(name)) {
      throw new Error(`${name} is not published per log type (PER_LOG_TYPE_METRICS)`);
    }
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: {
        ...metricsDimensions(this.sources.stackName),
        ...(logType ? { [METRICS_LOG_TYPE_DIMENSION]: logType } : {}),
      },
      statistic: Stats.SUM,
      period,
      label: logType ? `${name}, ${logType}` : `${name} (${METRICS[name]})`,
    });
  }

  /**
   * Rejected lines as a percentage of lines read, from the handler's EMF metrics; 0 when nothing was read.
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
   */
  rejectRatePercent(period: Duration = PERIOD, logType?: LogTypeId): IMetric {
    return new MathExpression({
      expression: 'IF(lines > 0, 100 * FILL(rejects, 0) / lines, 0)',
      usingMetrics: {
        lines: this.handler('Lines', period, logType),
        rejects: this.handler('Rejects', period, logType),
      },
      period,
      label: logType ? `Rejected lines (%), ${logType}` : 'Rejected lines (%)',
    });
  }

  /**
   * Firehose record bytes per raw (decompressed) log byte: the main running-cost lever, since Firehose bills the
   * bytes it ingests.
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
   */
  recordBytesPerRawByte(): IMetric {
    return new MathExpression({
      expression: 'IF(raw > 0, records / raw, 0)',
      usingMetrics: { records: this.handler('RecordBytes'), raw: this.handler('RawBytes') },
      period: PERIOD,
      label: 'Record bytes per raw log byte',
    });
  }

  /**
   * One of the completeness check's EMF metrics (CHECK_METRICS in lambda/ingest/metrics-contract.ts), of this
   * stack's check only (Service=completeness-check, Stack). Each run writes one value, so the maximum over a period
   * of one check interval is the latest run's count.
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
   */
  check(name: CheckMetricName, period: Duration): IMetric {
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: metricsDimensions(this.sources.stackName, METRICS_CHECK_SERVICE),
      statistic: Stats.MAXIMUM,
      period,
      label: `${name} (${CHECK_METRICS[name]})`,
    });
  }

  /**
   * Failed or missing completeness-check runs per period: 1 when the check was not invoked at all, otherwise its
   * Lambda errors (a crash or timeout) plus the runs that reported `CheckErrors` (could not finish the comparison).
   * Where CloudWatch returns no datapoint at all (nothing to fill), alarms on this treat missing data as breaching,
   * so a check that stopped alarms either way.
   * @see https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
   */
  checkFailures(period: Duration): IMetric {
    const fn = this.requireCheckFunction();
    return new MathExpression({
      expression: 'IF(FILL(invocations, 0) < 1, 1, FILL(errors, 0) + FILL(checkErrors, 0))',
      usingMetrics: {
        errors: fn.metricErrors({ statistic: Stats.SUM, period }),
        checkErrors: new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: 'CheckErrors',
          dimensionsMap: metricsDimensions(this.sources.stackName, METRICS_CHECK_SERVICE),
          statistic: Stats.SUM,
          period,
        }),
        invocations: fn.metricInvocations({ statistic: Stats.SUM, period }),
      },
      period,
      label: 'Check failed or did not run',
    });
  }

  /**
   * Completeness-check invocations (sum).
   * @see https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
   */
  checkInvocations(period: Duration): IMetric {
    return this.requireCheckFunction().metricInvocations({ statistic: Stats.SUM, period, label: 'Check runs' });
  }

  /**
   * Ledger requests DynamoDB throttled, summed over the operations the pipeline calls.
   * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
   */
  ledgerThrottledRequests(): IMetric {
    return this.requireLedgerTable().metricThrottledRequestsForOperations({
      operations: PipelineMetrics.LEDGER_OPERATIONS,
      period: PERIOD,
      label: 'Ledger throttled requests',
    });
  }

  /**
   * Ledger requests that failed with an HTTP 500 (DynamoDB system errors), summed over the pipeline's operations.
   * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
   */
  ledgerSystemErrors(): IMetric {
    return this.requireLedgerTable().metricSystemErrorsForOperations({
      operations: PipelineMetrics.LEDGER_OPERATIONS,
      period: PERIOD,
      label: 'Ledger system errors',
    });
  }

  private requireCheckFunction(): IFunction {
    if (!this.sources.checkFunction) throw new Error('no completeness check in this stack');
    return this.sources.checkFunction;
  }

  private requireLedgerTable(): ITable {
    if (!this.sources.ledgerTable) throw new Error('no ledger table in this stack');
    return this.sources.ledgerTable;
  }

  /** A metric of one Firehose stream (each log type has its own). */
  private firehose(stream: string, metricName: string, statistic: string, label: string): IMetric {
    return new Metric({
      namespace: 'AWS/Firehose',
      metricName,
      dimensionsMap: { DeliveryStreamName: stream },
      statistic,
      period: PERIOD,
      label,
    });
  }
}

/** The alarms of the whole pipeline, each named `<stackName>-<id>`; the README runbook refers to these ids. */
export const STACK_ALARM_IDS = [
  'IngestBacklog',
  'DeadLetters',
  'IngestErrors',
  'IngestThrottles',
  'IngestDurationNearTimeout',
  'NoData',
  'ObjectsNotInPipeline',
  'CompletenessCheckFailing',
] as const;

/**
 * The alarms of one log type (its Firehose stream and its share of the handler's lines), one set per enabled type,
 * each named `<stackName>-<id>-<logType>`.
 */
export const LOG_TYPE_ALARM_IDS = [
  'FirehoseFailedRows',
  'FirehoseThrottled',
  'FirehoseNearThroughputLimit',
  'DataFreshness',
  'RejectRate',
  'FormatDrift',
] as const;

export const ALARM_IDS = [...STACK_ALARM_IDS, ...LOG_TYPE_ALARM_IDS] as const;

export type StackAlarmId = (typeof STACK_ALARM_IDS)[number];
export type LogTypeAlarmId = (typeof LOG_TYPE_ALARM_IDS)[number];
export type AlarmId = StackAlarmId | LogTypeAlarmId;

/** An alarm's name without the stack prefix: `<id>`, and `<id>-<logType>` for the alarms of one log type. */
export function alarmKey(id: AlarmId, logType?: LogTypeId): string {
  return logType ? `${id}-${logType}` : id;
}

/** The name of an alarm: `<stackName>-` and its {@link alarmKey}. */
export function alarmName(stackName: string, id: AlarmId, logType?: LogTypeId): string {
  return `${stackName}-${alarmKey(id, logType)}`;
}

/** One log type the stack ingests, as monitoring sees it. */
export interface MonitoredLogType {
  /** The log type's schema (id, title, schema module, AWS documentation page). */
  readonly schema: LogSchema;
  /** Its Firehose stream. */
  readonly deliveryStreamName: string;
  /** Its Glue table (for alarm texts). */
  readonly tableName: string;
  /** Name of its saved Athena query that shows lines with extra fields (the FormatDrift alarm points at it). */
  readonly formatDriftQueryName: string;
}

export interface MonitoringProps {
  /** The queue of S3 notifications the ingest function consumes. */
  readonly queue: IQueue;
  /** The ingest queue's dead-letter queue. */
  readonly deadLetterQueue: IQueue;
  /** The ingest function. */
  readonly function: IFunction;
  /** The ingest function's timeout: the duration alarm is a percentage of it. */
  readonly functionTimeout: Duration;
  /** The ingest function's `maxReceiveCount` before a message is dead-lettered (for the alarm text). */
  readonly maxReceiveCount: number;
  /** The log types the stack ingests, each with its stream: one set of LOG_TYPE_ALARM_IDS alarms each (at least one). */
  readonly logTypes: readonly MonitoredLogType[];
  /**
   * Address subscribed to the alarm topic (AWS sends a confirmation mail first).
   * @default - no subscription; subscribe to the topic yourself
   */
  readonly alarmEmail?: string;
  /**
   * Alarm when the oldest ingest-queue message is older than this.
   * @default DEFAULTS.backlogAgeAlarmSeconds
   */
  readonly backlogAgeThreshold?: Duration;
  /**
   * Alarm when the p99 function duration stays above this percentage of the timeout.
   * @default DEFAULTS.durationAlarmPercent
   */
  readonly durationAlarmPercent?: number;
  /**
   * Alarm when more than this percentage of lines is rejected.
   * @default DEFAULTS.rejectRateAlarmPercent
   */
  readonly rejectRateAlarmPercent?: number;
  /**
   * Alarm when Firehose holds undelivered records older than this.
   * @default DEFAULTS.dataFreshnessAlarmSeconds
   */
  readonly dataFreshnessThreshold?: Duration;
  /**
   * Alarm when incoming bytes stay above this percentage of the stream's limit.
   * @default DEFAULTS.firehoseLimitAlarmPercent
   */
  readonly firehoseLimitAlarmPercent?: number;
  /**
   * Alarm when no record was sent for this long.
   * @default - no such alarm (DEFAULTS.noDataAlarmMinutes is 0)
   */
  readonly noDataPeriod?: Duration;
  /**
   * The object ledger table: the dashboard shows its throttled requests and system errors.
   * @default - no ledger table graph
   */
  readonly ledgerTable?: ITable;
  /**
   * The scheduled completeness check: its function and the time between two runs. Adds the ObjectsNotInPipeline and
   * CompletenessCheckFailing alarms and the check's graphs.
   * @default - no completeness check (completenessCheckMinutes = 0): no such alarms or graphs
   */
  readonly completenessCheck?: { readonly function: IFunction; readonly interval: Duration };
}

/**
 * Alarms, a dashboard and an SNS topic for the pipeline, hand-written on aws-cloudwatch rather than with
 * cdk-monitoring-constructs: the Firehose Iceberg metrics (`DeliveryToIceberg.*`) and the handler's EMF metrics are
 * custom either way, and this keeps every threshold, missing-data rule and runbook text in one readable place.
 *
 * Every alarm notifies the topic on ALARM and on OK. Its description says what it means and what to do (the README
 * runbook quotes them). Missing data is "not breaching" for every alarm but NoData: without traffic there are no
 * datapoints, and that is not a failure, except for the alarm whose purpose is to notice exactly that.
 *
 * The topic enforces TLS for publishers (cdk-nag AwsSolutions-SNS3) and is not KMS-encrypted: CloudWatch cannot
 * publish to a topic encrypted with the AWS-managed key, a customer-managed key costs a monthly fee, and alarm
 * messages carry only alarm names, states and metric values.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly metrics: PipelineMetrics;
  /** The alarms by name without the stack prefix: `<id>` or `<id>-<logType>` (NoData only when configured). */
  readonly alarms: ReadonlyMap<string, Alarm>;
  /** Console URL of the dashboard. */
  readonly dashboardUrl: string;

  private readonly alarmMap = new Map<string, Alarm>();
  private readonly action: SnsAction;
  private readonly stackName: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    if (props.logTypes.length === 0) throw new Error('Monitoring: logTypes must name at least one log type');
    this.stackName = Stack.of(this).stackName;
    this.alarms = this.alarmMap;
    this.metrics = new PipelineMetrics({
      queue: props.queue,
      deadLetterQueue: props.deadLetterQueue,
      function: props.function,
      stackName: this.stackName,
      ledgerTable: props.ledgerTable,
      checkFunction: props.completenessCheck?.function,
    });

    // SNS display names are limited to 100 characters; stack names may have 128.
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `${this.stackName.slice(0, 93)} alarms`,
      enforceSSL: true,
    });
    // A topic policy replaces the default one, so CloudWatch needs an explicit grant, scoped to this stack's alarms.
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${this.stackName}-*`,
          },
        },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.action = new SnsAction(this.topic);

    this.createAlarms(props);
    this.dashboard = this.createDashboard(props);
    this.dashboardUrl = `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.dashboard.dashboardName}`;
  }

  /** The alarm with this id, of this log type for LOG_TYPE_ALARM_IDS (throws if it was not created). */
  alarm(id: AlarmId, logType?: LogTypeId): Alarm {
    const key = alarmKey(id, logType);
    const alarm = this.alarmMap.get(key);
    if (!alarm) throw new Error(`no alarm ${key}`);
    return alarm;
  }

  private createAlarms(props: MonitoringProps): void {
    const m = this.metrics;
    const backlog = props.backlogAgeThreshold ?? Duration.seconds(DEFAULTS.backlogAgeAlarmSeconds);
    const durationPercent = props.durationAlarmPercent ?? DEFAULTS.durationAlarmPercent;
    const durationMs = Math.round((props.functionTimeout.toMilliseconds() * durationPercent) / 100);
    const rejectPercent = props.rejectRateAlarmPercent ?? DEFAULTS.rejectRateAlarmPercent;
    const freshness = props.dataFreshnessThreshold ?? Duration.seconds(DEFAULTS.dataFreshnessAlarmSeconds);
    const limitPercent = props.firehoseLimitAlarmPercent ?? DEFAULTS.firehoseLimitAlarmPercent;
    const GTE = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
    const GT = ComparisonOperator.GREATER_THAN_THRESHOLD;

    this.addAlarm('IngestBacklog', {
      metric: m.queueOldestMessageAge(),
      threshold: backlog.toSeconds(),
      comparisonOperator: GT,
      evaluationPeriods: 1,
      description:
        `Ingest backlog: the oldest S3 notification in the ingest queue is older than ${backlog.toHumanString()}. Log files ` +
        'arrive faster than they are ingested, or ingestion fails and messages wait for retries (a failed message ' +
        "reappears after the queue's visibility timeout). Do: check the IngestErrors, IngestThrottles and Firehose " +
        'alarms and the function log group; if the function is healthy but always busy, raise maxConcurrency (mind ' +
        'the Firehose quota) or functionMemoryMiB. Messages older than queueRetentionDays are dropped: re-enqueue ' +
        'that time range with alb-iceberg backfill.',
    });
    this.addAlarm('DeadLetters', {
      metric: m.deadLetterMessages(),
      threshold: 1,
      comparisonOperator: GTE,
      evaluationPeriods: 1,
      description:
        `Dead letters: messages in the dead-letter queue. A log file (or a continuation of one) failed ` +
        `${props.maxReceiveCount} times and is no longer retried; the dead-letter queue keeps it 14 days. Do: read ` +
        'a message to get the S3 key, find that key in the function log group (and in alb-iceberg errors), fix the ' +
        'cause, then move the messages back to the ingest queue (SQS console "Start DLQ redrive", or aws sqs ' +
        'start-message-move-task). Rows sent twice by a retried file are removed by the dedup view.',
    });
    this.addAlarm('IngestErrors', {
      metric: m.functionErrors(),
      threshold: 1,
      comparisonOperator: GTE,
      evaluationPeriods: 1,
      description:
        'Ingest function errors: an invocation threw, timed out or ran out of memory. The handler reports failed ' +
        'messages as partial batch failures, so an error means something unexpected and the whole batch is retried. ' +
        'Do: search the function log group for "ERROR", "Task timed out" and "Runtime exited"; for timeouts or ' +
        'out-of-memory raise functionTimeoutSeconds or functionMemoryMiB; for a code error, open an issue with the ' +
        'log lines.',
    });
    this.addAlarm('IngestThrottles', {
      metric: m.functionThrottles(),
      threshold: 1,
      comparisonOperator: GTE,
      evaluationPeriods: 1,
      description:
        'Ingest function throttled: Lambda refused invocations, usually because the account or Region ran out of ' +
        'concurrency (the event source already caps this function at maxConcurrency). Throttled messages return to ' +
        'the queue and count towards maxReceiveCount, so sustained throttling dead-letters log files. Do: check the ' +
        "account's ConcurrentExecutions against its quota and other functions' use; request a higher Lambda " +
        'concurrency quota or lower maxConcurrency.',
    });
    this.addAlarm('IngestDurationNearTimeout', {
      metric: m.functionDuration(Stats.p(99)),
      threshold: durationMs,
      comparisonOperator: GT,
      evaluationPeriods: 3,
      description:
        `Ingest duration near the timeout: p99 duration above ${durationPercent}% of the function timeout ` +
        `(${props.functionTimeout.toHumanString()}) for 15 minutes. The handler checkpoints and continues large files ` +
        'in a new invocation before the timeout, so this means files routinely do not fit one invocation: ingestion ' +
        'slows down and continuations pile up. Do: raise functionMemoryMiB (more CPU, faster parsing) or ' +
        'functionTimeoutSeconds; check the Firehose alarms, since slow or throttled PutRecordBatch calls also ' +
        'stretch invocations.',
    });
    for (const t of props.logTypes) this.createLogTypeAlarms(t, { freshness, limitPercent, rejectPercent });
    if (props.noDataPeriod) {
      this.addAlarm('NoData', {
        metric: m.handler('RecordsSent', props.noDataPeriod),
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.BREACHING,
        description:
          `No data: the ingest function sent no record to Firehose for ${props.noDataPeriod.toHumanString()}. Either the ` +
          'load balancers had no traffic, or log files no longer reach the pipeline. Do: check that the ALBs still ' +
          'have access logging enabled to the log bucket and prefix, that new objects appear there, and that the ' +
          'bucket still sends s3:ObjectCreated notifications to the ingest queue (another tool may have replaced ' +
          'the bucket notification configuration); then check the IngestBacklog and DeadLetters alarms.',
      });
    }
    if (props.completenessCheck) this.createCheckAlarms(props.completenessCheck.interval);
  }

  /** The alarms of one log type: its Firehose stream, its rejected lines and its format drift. */
  private createLogTypeAlarms(
    t: MonitoredLogType,
    limits: { readonly freshness: Duration; readonly limitPercent: number; readonly rejectPercent: number },
  ): void {
    const m = this.metrics;
    const { freshness, limitPercent, rejectPercent } = limits;
    const type = t.schema.id;
    const title = t.schema.title;
    const stream = t.deliveryStreamName;
    const GTE = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
    const GT = ComparisonOperator.GREATER_THAN_THRESHOLD;
    this.addAlarm('FirehoseFailedRows', {
      logType: type,
      metric: m.firehoseFailedRows(stream),
      threshold: 1,
      comparisonOperator: GTE,
      evaluationPeriods: 1,
      description:
        `Firehose failed rows (${title}): Firehose could not write rows to the Iceberg table ${t.tableName} after ` +
        `retrying and wrote them to the firehose-errors/${t.tableName}/ prefix of the lake bucket instead; they are ` +
        'missing from the table. Do: run alb-iceberg errors on the lake bucket to see the error codes (e.g. Iceberg.NoSuchTable, Glue.AccessDenied, ' +
        'S3.AccessDenied) and the Firehose log group; fix the cause (table, permissions, Lake Formation grants), ' +
        `then run alb-iceberg redrive --prefix firehose-errors/${t.tableName}/ --stream <its stream> to send the ` +
        'failed rows again.',
    });
    this.addAlarm('FirehoseThrottled', {
      logType: type,
      metric: m.firehoseThrottledRecords(stream),
      threshold: 1,
      comparisonOperator: GTE,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description:
        `Firehose throttling (${title}): the stream refused records in two of the last three 5-minute periods because a ` +
        'throughput limit (bytes, records or requests per second) was exceeded. The ingest function retries with ' +
        'backoff, so nothing is lost yet, but ingestion slows and invocations get longer. Do: compare IncomingBytes ' +
        'with BytesPerSecondLimit on the dashboard; lower maxConcurrency to smooth the load, or request a higher ' +
        'Firehose limit (Service Quotas or the Firehose limits form).',
    });
    this.addAlarm('FirehoseNearThroughputLimit', {
      logType: type,
      metric: m.firehoseIncomingBytesPercentOfLimit(stream),
      threshold: limitPercent,
      comparisonOperator: GT,
      evaluationPeriods: 3,
      description:
        `Firehose near its throughput limit (${title}): incoming bytes per second above ${limitPercent}% of the stream's ` +
        'BytesPerSecondLimit for 15 minutes. Throttling (FirehoseThrottled) follows if traffic grows. Do: request a ' +
        'higher limit before it is reached (Service Quotas or the Firehose limits form), or lower maxConcurrency ' +
        'if the peak is a backfill that may take longer.',
    });
    this.addAlarm('DataFreshness', {
      logType: type,
      metric: m.firehoseDataFreshness(stream),
      threshold: freshness.toSeconds(),
      comparisonOperator: GT,
      evaluationPeriods: 1,
      description:
        `Stale data (${title}): Firehose holds records older than ${freshness.toHumanString()} that it has not yet ` +
        `committed to the Iceberg table ${t.tableName}, so queries miss recent requests. Firehose is retrying deliveries (table, Glue or S3 errors) ` +
        'or cannot keep up. Do: check the Firehose log group and FirehoseFailedRows; verify the Glue table exists and ' +
        'the Firehose role may update it; look for Glue or S3 incidents in AWS Health.',
    });
    this.addAlarm('RejectRate', {
      logType: type,
      metric: m.rejectRatePercent(Duration.minutes(15), type),
      threshold: rejectPercent,
      comparisonOperator: GT,
      evaluationPeriods: 2,
      description:
        `Rejected lines (${title}): more than ${rejectPercent}% of its log lines could not be parsed for 30 minutes. ` +
        'They are not in the table; each source file has a rejects object (file, line number, reason, raw text) under the ' +
        'rejects/ prefix of the lake bucket. Do: run alb-iceberg errors on the lake bucket to see the reasons and ' +
        'samples; if AWS changed a field format, fix the parser and re-ingest the affected files with alb-iceberg ' +
        'backfill.',
    });
    this.addAlarm('FormatDrift', {
      logType: type,
      metric: m.handler('ExtraFieldLines', Duration.hours(1), type),
      threshold: 1,
      comparisonOperator: GTE,
      evaluationPeriods: 1,
      description:
        `Format drift (${title}): log lines in the last hour carried fields after the last known one; AWS probably ` +
        `added a field to this log type. Nothing is lost: the extra text is kept in the extra_fields column of ` +
        `${t.tableName}. Do: run the Athena saved query "${t.formatDriftQueryName}" to see the new values, compare ` +
        `with ${t.schema.docUrl}, then add the field as a new column (next field id) in ` +
        `lambda/schema/${type}.ts and deploy.`,
    });
  }

  /**
   * The completeness check's alarms. Its period is one check interval: each run writes one value per metric.
   * Missing data: ObjectsNotInPipeline is not breaching (CompletenessCheckFailing covers a check that stopped), and
   * CompletenessCheckFailing is breaching, since no datapoint there means no run.
   */
  private createCheckAlarms(interval: Duration): void {
    const m = this.metrics;
    this.addAlarm('ObjectsNotInPipeline', {
      metric: m.check('ObjectsNotInPipeline', interval),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      description:
        "Objects not in the pipeline: log files are landing in S3 but not reaching the ingest queue: check the bucket's " +
        'event notifications. The completeness check found log files older than completenessGraceMinutes that the ' +
        'object ledger has never seen, so no notification for them reached the ingest function. Do: check that the ' +
        'log bucket still sends s3:ObjectCreated notifications for the watched prefix and suffix to the ingest queue ' +
        '(another tool may have replaced the notification configuration) and that the queue policy lets S3 send; ' +
        'then re-enqueue the files with alb-iceberg backfill for the affected days (or set completenessAutoEnqueue).',
    });
    this.addAlarm('CompletenessCheckFailing', {
      metric: m.checkFailures(interval),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.BREACHING,
      description:
        `Completeness check failing: for two check intervals (${interval.toHumanString()} each) the scheduled ` +
        'completeness check failed (a Lambda error, a timeout, or a run that could not finish its comparison) or did ' +
        'not run at all, so the ObjectsNotInPipeline alarm sees nothing. Do: search the check function log group for ' +
        '"ERROR" and "Task timed out"; check that its EventBridge schedule rule is enabled and that the function is ' +
        'not throttled; S3 AccessDenied means the watched prefix or bucket changed, ledger errors point at the ' +
        'ledger table (see its dashboard graph).',
    });
  }

  private addAlarm(
    id: AlarmId,
    spec: {
      /** The log type the alarm concerns, for LOG_TYPE_ALARM_IDS. */
      readonly logType?: LogTypeId;
      readonly metric: IMetric;
      readonly threshold: number;
      readonly comparisonOperator: ComparisonOperator;
      readonly evaluationPeriods: number;
      readonly datapointsToAlarm?: number;
      readonly treatMissingData?: TreatMissingData;
      readonly description: string;
    },
  ): void {
    const name = alarmName(this.stackName, id, spec.logType);
    // The alarms of ALB access logs keep the construct ids they had when it was the only type.
    const constructId = spec.logType && spec.logType !== 'alb-access' ? `${id}-${spec.logType}` : id;
    const alarm = new Alarm(this, constructId, {
      alarmName: name,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      // No traffic means no datapoints; that is not a failure (NoData overrides this deliberately).
      treatMissingData: spec.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarmMap.set(alarmKey(id, spec.logType), alarm);
  }

  private createDashboard(props: MonitoringProps): Dashboard {
    const m = this.metrics;
    const line = (id: AlarmId, label: string) => this.annotation(id, label);
    const graph = dashboardGraph;

    const dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${this.stackName}-${Aws.REGION}`,
      defaultInterval: Duration.hours(6),
    });
    dashboard.addWidgets(
      new TextWidget({
        markdown:
          `# ${this.stackName}: load balancer logs to Iceberg\n` +
          'S3 log bucket → SQS ingest queue → ingest Lambda → one Firehose stream and Iceberg table per log type ' +
          '(Athena). Read top to bottom: a problem usually shows first where it starts; each log type has its own ' +
          'rows at the end. Each alarm description says what it means and what to do.',
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarmMap.values()], width: 24, height: 3 }),
    );
    dashboard.addWidgets(
      graph('Queue: age of oldest message (s)', [m.queueOldestMessageAge()], {
        leftAnnotations: line('IngestBacklog', 'alarm'),
      }),
      graph('Queue: messages waiting', [m.queueVisibleMessages()], { right: [m.deadLetterMessages()] }),
      graph('Function: invocations, errors, throttles', [m.functionInvocations()], {
        right: [m.functionErrors(), m.functionThrottles()],
      }),
    );
    dashboard.addWidgets(
      graph('Function: duration (ms)', [m.functionDuration(Stats.p(50)), m.functionDuration(Stats.p(99))], {
        right: [m.functionDuration(Stats.MAXIMUM)],
        leftAnnotations: [
          ...line('IngestDurationNearTimeout', 'alarm (p99)'),
          { value: props.functionTimeout.toMilliseconds(), label: 'timeout' },
        ],
      }),
      graph('Handler: objects', [
        m.handler('ObjectsIngested'),
        m.handler('ObjectsSkipped'),
        m.handler('ObjectsMissing'),
        m.handler('ObjectsUnfinished'),
        m.handler('Continuations'),
        m.handler('MessagesFailed'),
      ]),
      graph('Handler: lines and records', [m.handler('Lines'), m.handler('RecordsSent')], {
        right: [m.handler('Rejects'), m.handler('ExtraFieldLines')],
      }),
    );
    dashboard.addWidgets(
      graph('Handler: rejected lines (%), all types', [m.rejectRatePercent()]),
      graph('Handler: bytes (compressed in, raw, Firehose records)', [
        m.handler('BytesIn'),
        m.handler('RawBytes'),
        m.handler('RecordBytes'),
      ]),
      graph('Handler: record bytes per raw log byte (cost lever)', [m.recordBytesPerRawByte()]),
    );
    dashboard.addWidgets(
      graph('Handler: Firehose retries and throttles', [m.handler('Retries'), m.handler('Throttles')]),
      graph(
        'Handler: object ledger',
        [
          m.handler('ObjectsAlreadyDone'),
          m.handler('ObjectsBusy'),
          m.handler('ObjectsTakenOver'),
          m.handler('CheckpointsPersisted'),
        ],
        { right: [m.handler('LedgerErrors')] },
      ),
    );
    for (const t of props.logTypes) this.addLogTypeRows(dashboard, t);
    // One graph each: both expressions name their per-operation metrics alike (getitem, ...), which one graph refuses.
    if (props.ledgerTable) {
      dashboard.addWidgets(
        graph('Ledger table: throttled requests', [m.ledgerThrottledRequests()]),
        graph('Ledger table: system errors', [m.ledgerSystemErrors()]),
      );
    }
    if (props.completenessCheck) {
      const interval = props.completenessCheck.interval;
      dashboard.addWidgets(
        graph(
          'Completeness check: objects by ledger state (latest run)',
          [m.check('ObjectsDone', interval), m.check('ObjectsInProgress', interval)],
          { right: [m.check('ObjectsFailed', interval), m.check('ObjectsNotInPipeline', interval)] },
        ),
        graph('Completeness check: not in the pipeline, enqueued', [m.check('ObjectsNotInPipeline', interval)], {
          leftAnnotations: line('ObjectsNotInPipeline', 'alarm (> 0)'),
          right: [m.check('ObjectsEnqueued', interval)],
        }),
        graph('Completeness check: runs and failures', [m.checkInvocations(interval)], {
          right: [m.checkFailures(interval)],
        }),
      );
    }
    return dashboard;
  }

  /** A horizontal alarm line for a graph, when that alarm exists. */
  private annotation(id: AlarmId, label: string, logType?: LogTypeId) {
    const a = this.alarmMap.get(alarmKey(id, logType));
    return a ? [{ value: a.toAnnotation().value, label }] : [];
  }

  /** Two dashboard rows per log type: its lines through the handler, then its Firehose stream. */
  private addLogTypeRows(dashboard: Dashboard, t: MonitoredLogType): void {
    const m = this.metrics;
    const type = t.schema.id;
    const stream = t.deliveryStreamName;
    const title = `${t.schema.title} (${t.tableName})`;
    dashboard.addWidgets(
      new TextWidget({ markdown: `## ${title}`, width: 24, height: 1 }),
      dashboardGraph(
        `${title}: lines and records`,
        [m.handler('Lines', PERIOD, type), m.handler('RecordsSent', PERIOD, type)],
        {
          right: [m.handler('Rejects', PERIOD, type), m.handler('ExtraFieldLines', PERIOD, type)],
        },
      ),
      dashboardGraph(`${title}: rejected lines (%)`, [m.rejectRatePercent(PERIOD, type)], {
        leftAnnotations: this.annotation('RejectRate', 'alarm (15-min periods)', type),
      }),
      dashboardGraph(`${title}: objects ingested`, [m.handler('ObjectsIngested', PERIOD, type)]),
      dashboardGraph(`${title}: Firehose incoming bytes, % of limit`, [m.firehoseIncomingBytesPercentOfLimit(stream)], {
        leftAnnotations: this.annotation('FirehoseNearThroughputLimit', 'alarm', type),
        right: [m.firehoseThrottledRecords(stream)],
      }),
      dashboardGraph(`${title}: Firehose rows delivered and failed`, [m.firehoseSuccessfulRows(stream)], {
        right: [m.firehoseFailedRows(stream)],
      }),
      dashboardGraph(`${title}: Firehose data freshness (s)`, [m.firehoseDataFreshness(stream)], {
        leftAnnotations: this.annotation('DataFreshness', 'alarm', type),
      }),
    );
  }
}

/** A graph of the dashboard's grid (three per row). */
function dashboardGraph(title: string, left: IMetric[], extra: Partial<GraphWidgetProps> = {}): GraphWidget {
  return new GraphWidget({ title, left, width: 8, height: 6, ...extra });
}
