import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LEDGER_PARTITION_KEY } from '../lambda/ledger/schema';
import { PARTITION_COLUMN } from '../lambda/schema/alb-access';
import { AccessLogsBucket } from './access-logs-bucket';
import { Athena } from './athena';
import { CompletenessCheck } from './completeness-check';
import type { AlbIcebergConfig } from './config';
import { DeliveryStream, FIREHOSE_ERROR_PREFIX } from './delivery-stream';
import { IcebergTable } from './iceberg-table';
import { IngestFunction } from './ingest-function';
import { LAKE_PREFIXES, LakeBucket } from './lake-bucket';
import { LedgerTable } from './ledger-table';
import { LogSource } from './log-source';
import { Monitoring } from './monitoring';
import { acknowledge } from './nag';

export interface AlbIcebergStackProps extends StackProps {
  readonly config: AlbIcebergConfig;
}

/** Queue visibility timeout = this many function timeouts (Lambda's guidance for SQS event sources). */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * ALB access logs into an Apache Iceberg table:
 * S3 log bucket --ObjectCreated--> SQS (+DLQ) --> ingest Lambda --> Firehose (Iceberg, append-only) --> Glue table.
 */
export class AlbIcebergStack extends Stack {
  readonly logSource: LogSource;
  readonly lake: LakeBucket;
  readonly table: IcebergTable;
  readonly deliveryStream: DeliveryStream;
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
      logSuffix: config.logSuffix,
      rawLogRetentionDays: config.rawLogRetentionDays,
      visibilityTimeout: Duration.seconds(config.functionTimeoutSeconds * VISIBILITY_TIMEOUT_FACTOR),
      maxReceiveCount: config.maxReceiveCount,
      queueRetention: Duration.days(config.queueRetentionDays),
      removalPolicy,
      serverAccessLogsBucket: accessLogs,
    });

    this.table = new IcebergTable(this, 'Table', {
      bucket: this.lake.bucket,
      databaseName: config.databaseName,
      tableName: config.tableName,
      snapshotRetentionDays: config.snapshotRetentionDays,
      orphanFileRetentionDays: config.orphanFileRetentionDays,
    });

    this.deliveryStream = new DeliveryStream(this, 'DeliveryStream', {
      bucket: this.lake.bucket,
      table: this.table,
      bufferingInterval: Duration.seconds(config.bufferingIntervalSeconds),
      bufferingSizeMiB: config.bufferingSizeMiB,
      retryDuration: Duration.seconds(config.retryDurationSeconds),
      logRetention,
      removalPolicy,
    });

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
    this.ingest.sendRecordsTo(this.deliveryStream.deliveryStreamName, this.deliveryStream.deliveryStreamArn);

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
      deliveryStreamName: this.deliveryStream.deliveryStreamName,
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
      tableName: config.tableName,
      bytesScannedCutoffGiB: config.athenaBytesScannedCutoffGiB,
      removalPolicy,
    });

    this.acknowledgeNotificationHandler();
    this.addOutputs(config);
  }

  /**
   * `addEventNotification` creates one CDK-owned custom-resource function per stack that applies the bucket
   * notification configuration. Its role and runtime are fixed by aws-cdk-lib. Its `s3:PutBucketNotification` grant
   * is scoped to the log bucket's ARN (no wildcard, so no IAM5 finding to acknowledge).
   */
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
    const { logSource, lake, table, deliveryStream, monitoring, athena, ledger } = this;
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });

    output('LogBucketName', logSource.bucket.bucketName, 'Bucket the ALB writes access logs to');
    output('LogObjectsPrefix', logSource.objectsPrefix, 'Key prefix whose new objects are ingested');
    if (logSource.createdBucket) {
      const prefixAttribute = config.logPrefix ? ` Key=access_logs.s3.prefix,Value=${config.logPrefix}` : '';
      output(
        'EnableAlbAccessLogs',
        `aws elbv2 modify-load-balancer-attributes --load-balancer-arn <ALB_ARN> --attributes Key=access_logs.s3.enabled,Value=true Key=access_logs.s3.bucket,Value=${logSource.bucket.bucketName}${prefixAttribute}`,
        "The command that sends an ALB's access logs to the log bucket: run it for each ALB (same region), with the load balancer's ARN in place of <ALB_ARN>",
      );
    }
    output('IngestQueueUrl', logSource.queue.queueUrl, 'Queue of S3 object-created notifications');
    output('DeadLetterQueueUrl', logSource.deadLetterQueue.queueUrl, 'Messages that failed repeatedly');
    output(
      'DeadLetterQueueArn',
      logSource.deadLetterQueue.queueArn,
      'Dead-letter queue ARN: the --source-arn of aws sqs start-message-move-task (DLQ redrive)',
    );
    output('LakeBucketName', lake.bucket.bucketName, 'Iceberg data, Firehose errors, rejected lines, Athena results');
    output('TableLocation', table.location, 'Iceberg table location');
    output(
      'FirehoseErrorsLocation',
      lake.s3Url(FIREHOSE_ERROR_PREFIX.slice(0, FIREHOSE_ERROR_PREFIX.indexOf('!'))),
      'Records Firehose could not deliver (by error type and hour)',
    );
    output('RejectsLocation', lake.s3Url(LAKE_PREFIXES.rejects), 'Log lines the parser rejected (one object per file)');
    output('AthenaResultsLocation', lake.s3Url(LAKE_PREFIXES.athenaResults), 'Athena query result location');
    output('DeliveryStreamName', deliveryStream.deliveryStreamName, 'Firehose stream the ingest function writes to');
    output('DatabaseName', table.databaseName, 'Glue database');
    output('TableName', table.tableName, 'Glue Iceberg table');
    output(
      'FirstAthenaQuery',
      `SELECT "${PARTITION_COLUMN}", elb_status_code, request_verb, request_url, target_processing_time FROM "${table.databaseName}"."${table.tableName}" WHERE "${PARTITION_COLUMN}" > localtimestamp - INTERVAL '1' HOUR ORDER BY "${PARTITION_COLUMN}" DESC LIMIT 100`,
      'A first query (the filter on time prunes partitions)',
    );
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
