import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LEDGER_PARTITION_KEY } from '../lambda/ledger/schema';
import { LOG_FILE_SUFFIX } from '../lambda/s3/log-key';
import { PARTITION_COLUMN } from '../lambda/schema/alb-access';
import { logSchemaOf } from '../lambda/schema/log-types';
import type { LogSchema, LogTypeId } from '../lambda/schema/types';
import { AccessLogsBucket } from './access-logs-bucket';
import { Athena } from './athena';
import { CompletenessCheck } from './completeness-check';
import type { AlbIcebergConfig } from './config';
import { DeliveryStream } from './delivery-stream';
import { IcebergTable } from './iceberg-table';
import { IngestFunction } from './ingest-function';
import { LAKE_PREFIXES, LakeBucket } from './lake-bucket';
import { LedgerTable } from './ledger-table';
import { LogDatabase } from './log-database';
import { LogSource } from './log-source';
import { Monitoring } from './monitoring';
import { acknowledge } from './nag';
import { perTableQueryName, QueryTable } from './queries';

export interface AlbIcebergStackProps extends StackProps {
  readonly config: AlbIcebergConfig;
}

/** Queue visibility timeout = this many function timeouts (Lambda's guidance for SQS event sources). */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * The logical id the Glue database had when it was a child of the ALB access table construct (`Table/Database`).
 * Kept so that updating a deployment from then does not try to create a second database of the same name.
 */
export const DATABASE_LOGICAL_ID = 'TableDatabaseEF722678';

/** One enabled log type: its table and the Firehose stream that writes it. */
export interface LogTypeResources {
  readonly schema: LogSchema;
  readonly table: IcebergTable;
  readonly deliveryStream: DeliveryStream;
}

/**
 * Construct id of a log type's table or stream. ALB access logs keep the ids they had as the only type (`Table`,
 * `DeliveryStream`), so their table, optimizers and stream keep their logical ids across the upgrade.
 */
export function logTypeConstructId(base: string, logType: LogTypeId): string {
  if (logType === 'alb-access') return base;
  return base + logType.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());
}

/**
 * Load balancer logs into Apache Iceberg tables, one per enabled log type:
 * S3 log bucket --ObjectCreated--> SQS (+DLQ) --> ingest Lambda --> one Firehose stream per type (Iceberg,
 * append-only) --> one Glue table per type.
 */
export class AlbIcebergStack extends Stack {
  readonly logSource: LogSource;
  readonly lake: LakeBucket;
  readonly database: LogDatabase;
  /** The table and stream of each enabled log type, in LOG_TYPE_IDS order. */
  readonly logTypes: ReadonlyMap<LogTypeId, LogTypeResources>;
  readonly ingest: IngestFunction;
  readonly ledger: LedgerTable;
  /** Undefined when completenessCheckMinutes is 0. */
  readonly completenessCheck?: CompletenessCheck;
  readonly monitoring: Monitoring;
  readonly athena: Athena;

  constructor(scope: Construct, id: string, props: AlbIcebergStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;
    const functionTimeout = Duration.seconds(config.functionTimeoutSeconds);

    const accessLogs = config.serverAccessLogs
      ? new AccessLogsBucket(this, 'AccessLogs', { expirationDays: config.logRetentionDays }).bucket
      : undefined;

    this.lake = new LakeBucket(this, 'Lake', {
      errorRetentionDays: config.errorRetentionDays,
      rejectRetentionDays: config.rejectRetentionDays,
      athenaResultsRetentionDays: config.athenaResultsRetentionDays,
      serverAccessLogsBucket: accessLogs,
    });

    this.logSource = new LogSource(this, 'LogSource', {
      existingBucketName: config.createLogBucket ? undefined : config.logBucketName,
      logPrefix: config.logPrefix,
      logSuffixes: config.logTypes.map((type) => LOG_FILE_SUFFIX[type]),
      allowNlbLogDelivery: config.logTypes.includes('nlb-access'),
      rawLogRetentionDays: config.rawLogRetentionDays,
      visibilityTimeout: Duration.seconds(config.functionTimeoutSeconds * VISIBILITY_TIMEOUT_FACTOR),
      maxReceiveCount: config.maxReceiveCount,
      queueRetention: Duration.days(config.queueRetentionDays),
      removalPolicy,
      serverAccessLogsBucket: accessLogs,
    });

    this.database = new LogDatabase(this, 'Database', {
      databaseName: config.databaseName,
      logicalId: DATABASE_LOGICAL_ID,
    });
    const logTypes = new Map<LogTypeId, LogTypeResources>();
    for (const type of config.logTypes) {
      const schema = logSchemaOf(type);
      const table = new IcebergTable(this, logTypeConstructId('Table', type), {
        bucket: this.lake.bucket,
        database: this.database,
        schema,
        tableName: type === 'alb-access' ? config.tableName : schema.defaultTableName,
        snapshotRetentionDays: config.snapshotRetentionDays,
        orphanFileRetentionDays: config.orphanFileRetentionDays,
      });
      const deliveryStream = new DeliveryStream(this, logTypeConstructId('DeliveryStream', type), {
        bucket: this.lake.bucket,
        table,
        bufferingInterval: Duration.seconds(config.bufferingIntervalSeconds),
        bufferingSizeMiB: config.bufferingSizeMiB,
        retryDuration: Duration.seconds(config.retryDurationSeconds),
        logRetention,
        removalPolicy,
      });
      logTypes.set(type, { schema, table, deliveryStream });
    }
    this.logTypes = logTypes;

    this.ingest = new IngestFunction(this, 'Ingest', {
      memoryMiB: config.functionMemoryMiB,
      timeout: functionTimeout,
      logRetention,
      removalPolicy,
    });
    this.ingest.consumeQueue(this.logSource.queue, {
      batchSize: config.batchSize,
      maxBatchingWindow: Duration.seconds(config.maxBatchingWindowSeconds),
      maxConcurrency: config.maxConcurrency,
    });
    this.ingest.readLogsFrom(this.logSource.bucket, this.logSource.objectsPrefix);
    this.ingest.writeRejectsTo(this.lake.bucket, LAKE_PREFIXES.rejects);
    for (const [type, { deliveryStream }] of logTypes) {
      this.ingest.sendRecordsTo(type, deliveryStream.deliveryStreamName, deliveryStream.deliveryStreamArn);
    }

    this.ledger = new LedgerTable(this, 'Ledger');
    this.ingest.recordObjectsIn(this.ledger.table, {
      retentionDays: config.ledgerRetentionDays,
      checkpointEveryLines: config.checkpointEveryLines,
    });
    if (config.completenessCheckMinutes > 0) {
      this.completenessCheck = new CompletenessCheck(this, 'CompletenessCheck', {
        logBucket: this.logSource.bucket,
        logPrefix: config.logPrefix,
        objectsPrefix: this.logSource.objectsPrefix,
        ledgerTable: this.ledger.table,
        ingestQueue: this.logSource.queue,
        interval: Duration.minutes(config.completenessCheckMinutes),
        graceMinutes: config.completenessGraceMinutes,
        lookbackDays: config.completenessLookbackDays,
        autoEnqueue: config.completenessAutoEnqueue,
        logTypes: config.logTypes,
        logRetention,
        removalPolicy,
      });
    }

    this.monitoring = new Monitoring(this, 'Monitoring', {
      queue: this.logSource.queue,
      deadLetterQueue: this.logSource.deadLetterQueue,
      function: this.ingest.function,
      functionTimeout,
      maxReceiveCount: config.maxReceiveCount,
      logTypes: [...logTypes.values()].map(({ schema, table, deliveryStream }) => ({
        schema,
        deliveryStreamName: deliveryStream.deliveryStreamName,
        tableName: table.tableName,
        formatDriftQueryName: perTableQueryName(
          new QueryTable(table.databaseName, table.tableName, schema),
          'formatDrift',
        ),
      })),
      alarmEmail: config.alarmEmail,
      backlogAgeThreshold: Duration.seconds(config.backlogAgeAlarmSeconds),
      durationAlarmPercent: config.durationAlarmPercent,
      rejectRateAlarmPercent: config.rejectRateAlarmPercent,
      dataFreshnessThreshold: Duration.seconds(config.dataFreshnessAlarmSeconds),
      firehoseLimitAlarmPercent: config.firehoseLimitAlarmPercent,
      noDataPeriod: config.noDataAlarmMinutes > 0 ? Duration.minutes(config.noDataAlarmMinutes) : undefined,
      ledgerTable: this.ledger.table,
      completenessCheck: this.completenessCheck && {
        function: this.completenessCheck.function,
        interval: this.completenessCheck.interval,
      },
    });

    this.athena = new Athena(this, 'Athena', {
      workGroupName: this.stackName,
      resultsBucket: this.lake.bucket,
      resultsPrefix: LAKE_PREFIXES.athenaResults,
      databaseName: config.databaseName,
      tables: [...logTypes.values()].map(({ schema, table }) => ({ schema, tableName: table.tableName })),
      bytesScannedCutoffGiB: config.athenaBytesScannedCutoffGiB,
      removalPolicy,
    });

    this.acknowledgeNotificationHandler();
    this.addOutputs(config);
  }

  /** The table and stream of an enabled log type (throws for a type this deployment does not ingest). */
  resourcesOf(type: LogTypeId): LogTypeResources {
    const resources = this.logTypes.get(type);
    if (!resources) throw new Error(`log type ${type} is not enabled in this stack (configuration key logTypes)`);
    return resources;
  }

  /**
   * `addEventNotification` creates one CDK-owned custom-resource function per stack that applies the bucket
   * notification configuration. Its role and runtime are fixed by aws-cdk-lib. Its `s3:PutBucketNotification` grant
   * is scoped to the log bucket's ARN (no wildcard, so no IAM5 finding to acknowledge).
   */
  /**
   * The commands that point load balancers at a created log bucket, one per load balancer kind the enabled types
   * need. ALB access, connection and health-check logs are three attributes of the same ALB; NLB access logs use the
   * same attribute names on the NLB; Classic Load Balancers have their own API.
   * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
   * https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/enable-access-logs.html
   */
  private addEnableLogsOutputs(config: AlbIcebergConfig): void {
    const bucket = this.logSource.bucket.bucketName;
    const enabled = (type: LogTypeId) => config.logTypes.includes(type);
    const attributes = (kind: string) =>
      `Key=${kind}.s3.enabled,Value=true Key=${kind}.s3.bucket,Value=${bucket}` +
      (config.logPrefix ? ` Key=${kind}.s3.prefix,Value=${config.logPrefix}` : '');
    const albKinds = (
      [
        ['alb-access', 'access_logs'],
        ['alb-connection', 'connection_logs'],
        ['alb-health-check', 'health_check_logs'],
      ] as const
    ).filter(([type]) => enabled(type));
    if (albKinds.length > 0) {
      new CfnOutput(this, 'EnableAlbAccessLogs', {
        value: `aws elbv2 modify-load-balancer-attributes --load-balancer-arn <ALB_ARN> --attributes ${albKinds.map(([, kind]) => attributes(kind)).join(' ')}`,
        description:
          "The command that sends an ALB's logs of the enabled types to the log bucket: run it for each ALB (same Region), with the load balancer's ARN in place of <ALB_ARN>",
      });
    }
    if (enabled('nlb-access')) {
      new CfnOutput(this, 'EnableNlbAccessLogs', {
        value: `aws elbv2 modify-load-balancer-attributes --load-balancer-arn <NLB_ARN> --attributes ${attributes('access_logs')}`,
        description:
          "The command that sends an NLB's access logs (TLS listeners only) to the log bucket: run it for each NLB, with its ARN in place of <NLB_ARN>",
      });
    }
    if (enabled('clb-access')) {
      const prefix = config.logPrefix ? `,"S3BucketPrefix":"${config.logPrefix}"` : '';
      new CfnOutput(this, 'EnableClbAccessLogs', {
        value: `aws elb modify-load-balancer-attributes --load-balancer-name <CLB_NAME> --load-balancer-attributes '{"AccessLog":{"Enabled":true,"S3BucketName":"${bucket}","EmitInterval":5${prefix}}}'`,
        description:
          "The command that sends a Classic Load Balancer's access logs to the log bucket every 5 minutes: run it for each one, with its name in place of <CLB_NAME>",
      });
    }
  }

  private acknowledgeNotificationHandler(): void {
    const handler = this.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (!handler) return;
    acknowledge(
      handler,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'CDK-owned custom resource (S3 bucket notifications): its role is defined by aws-cdk-lib and only writes its own logs.',
    );
  }

  private addOutputs(config: AlbIcebergConfig): void {
    const { logSource, lake, monitoring, athena, ledger } = this;
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });

    output('LogBucketName', logSource.bucket.bucketName, 'Bucket the load balancers write their logs to');
    output('LogObjectsPrefix', logSource.objectsPrefix, 'Key prefix whose new objects are ingested');
    if (logSource.createdBucket) this.addEnableLogsOutputs(config);
    output('IngestQueueUrl', logSource.queue.queueUrl, 'Queue of S3 object-created notifications');
    output('DeadLetterQueueUrl', logSource.deadLetterQueue.queueUrl, 'Messages that failed repeatedly');
    output(
      'DeadLetterQueueArn',
      logSource.deadLetterQueue.queueArn,
      'Dead-letter queue ARN: the --source-arn of aws sqs start-message-move-task (DLQ redrive)',
    );
    output('LakeBucketName', lake.bucket.bucketName, 'Iceberg data, Firehose errors, rejected lines, Athena results');
    output('RejectsLocation', lake.s3Url(LAKE_PREFIXES.rejects), 'Log lines the parser rejected (one object per file)');
    output('AthenaResultsLocation', lake.s3Url(LAKE_PREFIXES.athenaResults), 'Athena query result location');
    output('DatabaseName', this.database.databaseName, 'Glue database of the tables');
    for (const [type, { schema, table, deliveryStream }] of this.logTypes) {
      const id = (base: string) => logTypeConstructId(base, type);
      output(id('TableName'), table.tableName, `Glue Iceberg table of ${schema.title}`);
      output(id('TableLocation'), table.location, `Iceberg table location of ${schema.title}`);
      output(
        id('DeliveryStreamName'),
        deliveryStream.deliveryStreamName,
        `Firehose stream the ingest function writes ${schema.title} to`,
      );
      output(
        id('FirehoseErrorsLocation'),
        lake.s3Url(deliveryStream.errorFolder),
        `Records of ${schema.title} Firehose could not deliver (by error type and hour)`,
      );
      output(
        id('RedriveCommand'),
        `alb-iceberg redrive --bucket ${lake.bucket.bucketName} --prefix ${deliveryStream.errorFolder} --stream ${deliveryStream.deliveryStreamName} --dry-run`,
        `The command that sends the undelivered records of ${schema.title} back to their stream (drop --dry-run to send)`,
      );
    }
    const access = this.logTypes.get('alb-access');
    if (access) {
      const t = access.table;
      output(
        'FirstAthenaQuery',
        `SELECT "${PARTITION_COLUMN}", elb_status_code, request_verb, request_url, target_processing_time FROM "${t.databaseName}"."${t.tableName}" WHERE "${PARTITION_COLUMN}" > localtimestamp - INTERVAL '1' HOUR ORDER BY "${PARTITION_COLUMN}" DESC LIMIT 100`,
        'A first query (the filter on time prunes partitions)',
      );
    }
    output(
      'LedgerTableName',
      ledger.table.tableName,
      'DynamoDB object ledger: one item per log file (state, checkpoint, accounting), by folder',
    );
    // The partition key is `<bucket>/<folder>/` (lambda/ledger/schema.ts): for ALB logs one account, Region and day.
    output(
      'LedgerFolderQuery',
      `aws dynamodb query --table-name ${ledger.table.tableName} --key-condition-expression '${LEDGER_PARTITION_KEY} = :folder' --expression-attribute-values '{":folder":{"S":"${logSource.bucket.bucketName}/${logSource.objectsPrefix}<ACCOUNT_ID>/elasticloadbalancing/<REGION>/<YYYY>/<MM>/<DD>/"}}'`,
      "The command that lists the ledger's entries of one day folder of the log bucket: replace <ACCOUNT_ID>, <REGION> and <YYYY>/<MM>/<DD> (UTC) with the load balancer's account, Region and the day",
    );
    output('AthenaWorkGroup', athena.workGroupName, 'Athena workgroup with the saved incident and maintenance queries');
    output('DashboardName', monitoring.dashboard.dashboardName, 'CloudWatch dashboard of the pipeline');
    output('DashboardUrl', monitoring.dashboardUrl, 'CloudWatch dashboard of the pipeline (console link)');
    output('AlarmTopicArn', monitoring.topic.topicArn, 'SNS topic of the alarms: subscribe to it for notifications');
  }
}
