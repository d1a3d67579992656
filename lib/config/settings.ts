/**
 * Every configuration key, once: its kind and range, its default, the README's text and the rule of the key alone.
 * The config type, DEFAULTS, CONFIG_KEYS, the validation and the README table are derived from this table
 * (./derived.ts, ./load.ts, test/support/readme-tables.ts); cdk.json's context is checked against it. Rules that
 * join two keys are in ./rules.ts. The JSDoc of each entry is what editors show on the config field.
 */
import { LOG_SCHEMAS, LOG_TYPE_IDS } from '../../lambda/schema/log-types';
import {
  boolean,
  decimal,
  derivedBoolean,
  glueName,
  integer,
  logTypeList,
  oneOf,
  optionalBucketName,
  optionalInteger,
  optionalText,
  text,
} from './kinds';
import { withoutIcebergDestination } from './regions';

/**
 * Timeout of one completeness-check run (lib/completeness-check.ts). The shortest interval between runs is this
 * long, so a run ends before the next one starts.
 */
export const COMPLETENESS_CHECK_TIMEOUT_MINUTES = 5;

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Removal policy names the stack maps to CDK's RemovalPolicy. */
export const REMOVAL_POLICIES = ['destroy', 'retain'] as const;
export type RemovalPolicyName = (typeof REMOVAL_POLICIES)[number];

/** The upper bound of the retention keys: 100 years, "as long as you like" without overflowing date arithmetic. */
const CENTURY_DAYS = 36_500;

/** The configuration table, in README order. */
export const SETTINGS = {
  /** CloudFormation stack name. */
  stackName: text({
    default: 'AlbIceberg',
    accepts: 'letters, digits, `-`; a letter first',
    doc: 'CloudFormation stack name; also the prefix of alarm names, the dashboard and the Athena workgroup',
    check: (name) =>
      /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(name)
        ? undefined
        : `must start with a letter and contain only letters, digits and "-"; got "${name}"`,
  }),
  /** Target account; undefined = environment-agnostic (resolved at deploy time). */
  account: optionalText({
    accepts: '12-digit account id',
    doc: 'target account; empty = environment-agnostic (resolved at deploy time)',
    check: (account) => (/^\d{12}$/.test(account) ? undefined : `must be a 12-digit AWS account id; got "${account}"`),
  }),
  /** Target region; undefined = environment-agnostic (resolved at deploy time). */
  region: optionalText({
    accepts: 'region code',
    doc: 'target region; empty = environment-agnostic (resolved at deploy time). Regions where Firehose has no Iceberg destination (China, GovCloud, Taipei, Malaysia, New Zealand, Mexico Central) stop synth',
    check: (region) => {
      if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
        return `must be an AWS region code such as "eu-west-1"; got "${region}"`;
      }
      const noIceberg = withoutIcebergDestination(region);
      return noIceberg === undefined
        ? undefined
        : `Amazon Data Firehose has no Apache Iceberg destination in ${noIceberg} ("${region}"), so this stack cannot deliver there; choose another region (https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-considerations.html)`;
    },
  }),
  /** Existing ALB log bucket to import; undefined when {@link createLogBucket} is true. */
  logBucketName: optionalBucketName({
    doc: 'existing ALB log bucket to import (the notification is added without removing existing ones); empty = create a new log bucket with the ELB log-delivery policy',
  }),
  /** Create a new log bucket with the ELB log-delivery policy instead of importing one. */
  createLogBucket: derivedBoolean({
    defaultDoc: 'follows `logBucketName`',
    derive: (values) => values.logBucketName === undefined,
    doc: 'explicit form of the above; `true` with a name, or `false` without one, is an error',
  }),
  /** The ALB attribute `access_logs.s3.prefix` ('' = none). Keys are `<logPrefix>/AWSLogs/<account>/...`. */
  logPrefix: text({
    default: '',
    allowEmpty: true,
    accepts: 'text, no `/` at either end',
    doc: 'the ALB attribute `access_logs.s3.prefix`; the stack watches `[prefix/]AWSLogs/`',
    check: (prefix) =>
      prefix.startsWith('/') || prefix.endsWith('/') || /(^|\/)AWSLogs(\/|$)/.test(prefix)
        ? `must be the ALB attribute access_logs.s3.prefix (e.g. "prod-alb"), without leading or trailing "/" and without "AWSLogs"; got "${prefix}"`
        : undefined,
  }),
  /**
   * The log types this deployment ingests, each into its own table (lambda/schema/log-types.ts). Objects of other
   * types are skipped, counted. The bucket notifications filter on the suffixes of these types (`.log` for Classic).
   */
  logTypes: logTypeList({
    default: LOG_TYPE_IDS,
    doc: 'the log types ingested, each into its own table: a JSON array in `cdk.json`, comma-separated with `-c`. The bucket notifications cover their suffixes (`.log.gz`; `.log` for Classic). Unknown or repeated types stop synth. (`logSuffix` of earlier versions is refused with this hint)',
  }),
  /** Days before raw logs in a created log bucket expire; 0 = never. Ignored for an imported bucket. */
  rawLogRetentionDays: integer({
    min: 0,
    max: CENTURY_DAYS,
    default: 0,
    doc: 'expiry of raw logs in a created log bucket; 0 = keep forever',
  }),
  /** Glue database name (lower_snake_case: Firehose rejects hyphens). */
  databaseName: glueName({
    default: 'alb_logs',
    doc: 'Glue database (lower_snake_case: Firehose rejects hyphens)',
  }),
  /** Glue table name of ALB access logs (lower_snake_case). The other types' tables have fixed names (their schema's). */
  tableName: glueName({
    default: 'access_logs',
    doc: "the table of ALB access logs (lower_snake_case: Firehose rejects hyphens); the other types' tables have fixed names (see below)",
    check: (name) => {
      const clash = LOG_SCHEMAS.find((s) => s.id !== 'alb-access' && s.defaultTableName === name);
      return clash && `"${name}" is the table of ${clash.title}; choose another name for the ALB access log table`;
    },
  }),
  /** Ingest function memory; CPU scales with it. */
  functionMemoryMiB: integer({
    min: 128,
    max: 10_240,
    default: 1024,
    doc: 'ingest function memory (CPU scales with it)',
  }),
  /**
   * Ingest function timeout. At least 90 s: the handler keeps a 60 s retry budget per batch and a 20 s reserve to
   * checkpoint (lambda/ingest/env.ts).
   */
  functionTimeoutSeconds: integer({
    min: 90,
    max: 900,
    default: 300,
    doc: "ingest function timeout; the queue's visibility timeout is 6× this",
  }),
  /** Event source `MaximumConcurrency`: caps parallel ingest functions (and so Firehose request rate). */
  maxConcurrency: integer({
    min: 2,
    max: 1000,
    default: 5,
    doc: 'event source `MaximumConcurrency`: caps parallel functions, and so the Firehose request rate',
  }),
  /** SQS messages per invocation; above 10 needs a batching window (./rules.ts). */
  batchSize: integer({
    min: 1,
    max: 10_000,
    default: 5,
    doc: 'SQS messages per invocation (above 10 needs a batching window ≥ 1 s)',
  }),
  /** SQS batching window of the event source. */
  maxBatchingWindowSeconds: integer({
    min: 0,
    max: 300,
    default: 10,
    doc: 'SQS batching window',
  }),
  /** Receives of one message before it moves to the dead-letter queue. */
  maxReceiveCount: integer({
    min: 1,
    max: 1000,
    default: 5,
    doc: 'receives before a message moves to the dead-letter queue',
  }),
  /** Ingest queue message retention. The DLQ keeps messages 14 days. */
  queueRetentionDays: integer({
    min: 4,
    max: 14,
    default: 7,
    doc: 'ingest queue retention; the DLQ keeps messages 14 days',
  }),
  /** Firehose buffering interval (`BufferingHints.IntervalInSeconds`). */
  bufferingIntervalSeconds: integer({
    min: 0,
    max: 900,
    default: 420,
    doc:
      'Firehose buffering interval: rows are queryable up to this long after ingestion. 420 s is the shortest at ' +
      "which Firehose's files meet the query-cost targets before compaction (README: Table layout and query cost)",
  }),
  /** Firehose buffering size (`BufferingHints.SizeInMBs`). */
  bufferingSizeMiB: integer({
    min: 1,
    max: 128,
    default: 64,
    doc: 'Firehose buffering size',
  }),
  /** How long Firehose retries a failing delivery before it writes the records to the error prefix. */
  retryDurationSeconds: integer({
    min: 0,
    max: 7200,
    default: 300,
    doc: 'how long Firehose retries a failing delivery before writing records to `firehose-errors/<table>/`',
  }),
  /** CloudWatch Logs retention of the function and Firehose log groups (a value CloudWatch accepts). */
  logRetentionDays: integer({
    min: 1,
    max: 3653,
    default: 30,
    accepts: `${LOG_RETENTION_DAYS.join(', ')}`,
    doc: 'CloudWatch Logs retention of the function and Firehose log groups',
    check: (days) =>
      (LOG_RETENTION_DAYS as readonly number[]).includes(days)
        ? undefined
        : `must be one of the values CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(', ')}); got ${days}`,
  }),
  /** Days before Firehose error objects expire. */
  errorRetentionDays: integer({
    min: 1,
    max: CENTURY_DAYS,
    default: 30,
    doc: 'expiry of `firehose-errors/` in the lake bucket',
  }),
  /** Days before rejected-line objects expire. */
  rejectRetentionDays: integer({
    min: 1,
    max: CENTURY_DAYS,
    default: 30,
    doc: 'expiry of `rejects/` in the lake bucket',
  }),
  /** Days before Athena query results expire. */
  athenaResultsRetentionDays: integer({
    min: 1,
    max: CENTURY_DAYS,
    default: 7,
    doc: 'expiry of `athena-results/` in the lake bucket',
  }),
  /** Iceberg snapshots younger than this are kept (time travel window). */
  snapshotRetentionDays: integer({
    min: 1,
    max: CENTURY_DAYS,
    default: 7,
    doc: 'Glue table optimizers: time-travel window',
  }),
  /** Files not referenced by the table and older than this are deleted. */
  orphanFileRetentionDays: integer({
    min: 1,
    max: CENTURY_DAYS,
    default: 3,
    doc: 'Glue table optimizers: age of unreferenced files before deletion',
  }),
  /** Create a bucket for S3 server access logs of the stack's buckets. */
  serverAccessLogs: boolean({
    default: false,
    doc: "create a bucket for S3 server access logs of the stack's buckets",
  }),
  /** Address that receives alarm notifications (used by the monitoring construct). */
  alarmEmail: optionalText({
    accepts: 'e-mail address',
    doc: 'e-mail subscribed to the alarm topic (confirm the subscription e-mail)',
    check: (email) =>
      /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? undefined : `must be an email address; got "${email}"`,
  }),
  /** Alarm when the oldest message of the ingest queue is older than this (log files waiting to be ingested). */
  backlogAgeAlarmSeconds: integer({
    min: 60,
    max: 14 * 86_400,
    default: 3600,
    doc: 'alarm when the oldest queued message is older than this',
  }),
  /** Alarm when the p99 ingest-function duration stays above this percentage of its timeout. */
  durationAlarmPercent: integer({
    min: 10,
    max: 100,
    default: 80,
    doc: "alarm when the function's p99 duration exceeds this share of its timeout",
  }),
  /** Alarm when the handler rejects more than this percentage of the log lines it reads (format problems). */
  rejectRateAlarmPercent: decimal({
    min: 0.01,
    max: 100,
    default: 1,
    doc: 'alarm when more than this percent of lines are rejected',
  }),
  /** Alarm when Firehose holds undelivered records older than this (`DeliveryToIceberg.DataFreshness`). */
  dataFreshnessAlarmSeconds: integer({
    min: 60,
    max: 86_400,
    default: 900,
    doc: "alarm when Firehose's oldest undelivered record is older than this",
  }),
  /** Alarm when Firehose incoming bytes stay above this percentage of the stream's `BytesPerSecondLimit`. */
  firehoseLimitAlarmPercent: integer({
    min: 10,
    max: 100,
    default: 80,
    doc: "alarm when incoming bytes exceed this share of the stream's limit",
  }),
  /**
   * Alarm when the ingest function sent no record for this many minutes; 0 = no such alarm. For load balancers that
   * always have traffic: catches a removed S3 notification or access logging switched off.
   */
  noDataAlarmMinutes: integer({
    min: 0,
    max: 1440,
    default: 0,
    accepts: '0, or 15–1440',
    doc: 'alarm when no record was sent for this long; 0 = off (turn on for always-busy load balancers)',
    // ALB delivers a log file per node every 5 minutes; shorter windows would alarm between deliveries.
    check: (minutes) =>
      minutes !== 0 && minutes < 15 ? `must be 0 (no alarm) or from 15 to 1440 minutes; got ${minutes}` : undefined,
  }),
  /** Athena workgroup limit: a query that scans more than this many GiB is cancelled. */
  athenaBytesScannedCutoffGiB: integer({
    // Whole GiB (Athena itself accepts down to 10 MB per query).
    min: 1,
    max: 1_048_576,
    default: 10,
    doc: 'per-query scan limit in the Athena workgroup',
  }),
  /** Removal policy of non-data resources (queues, log groups). Data (buckets, Glue) is always retained. */
  removalPolicy: oneOf({
    values: REMOVAL_POLICIES,
    default: 'destroy',
    doc: 'for queues and log groups only; buckets, the Glue database and table and the ledger table are always retained',
  }),
  /** Days after its last write an object-ledger entry expires (DynamoDB TTL); 0 = never. */
  ledgerRetentionDays: integer({
    min: 0,
    max: CENTURY_DAYS,
    default: 400,
    doc: 'days after its last write an object-ledger entry expires (DynamoDB TTL on `expiresAt`); 0 = never',
  }),
  /** Lines between two checkpoints the ingest handler persists to the ledger; undefined = the handler's default. */
  checkpointEveryLines: optionalInteger({
    min: 1,
    max: 10_000_000,
    defaultDoc: 'handler default',
    doc: 'lines between two checkpoints the ingest function persists to the ledger while a file streams: the bound on lines sent again after a hard kill',
  }),
  /** Minutes between two runs of the completeness check; 0 = no check (no function, schedule or alarms). */
  completenessCheckMinutes: integer({
    min: 0,
    max: 1440,
    default: 15,
    accepts: `0, or ${COMPLETENESS_CHECK_TIMEOUT_MINUTES}–1440`,
    doc: 'how often the completeness check compares the log bucket with the ledger (at least its 5-minute timeout); 0 = off (no check, no check alarms)',
    check: (minutes) =>
      minutes !== 0 && minutes < COMPLETENESS_CHECK_TIMEOUT_MINUTES
        ? `must be 0 (no check) or from ${COMPLETENESS_CHECK_TIMEOUT_MINUTES} (the check's timeout, so runs never overlap) to 1440 minutes; got ${minutes}`
        : undefined,
  }),
  /**
   * Minutes a log file may wait for its notification before the check counts it as not in the pipeline. At least 5:
   * ALB delivers a file per node every 5 minutes and S3 notifies within seconds to minutes; a shorter grace would
   * count files the pipeline is about to see.
   */
  completenessGraceMinutes: integer({
    min: 5,
    max: 1440,
    default: 30,
    doc: 'age after which a log file the ledger has never seen counts as not in the pipeline',
  }),
  /**
   * Day folders the check compares: today and this many days before it (UTC). At most 7: each day is one folder per
   * account and Region to list and query, and a week fits the check's timeout.
   */
  completenessLookbackDays: integer({
    min: 0,
    max: 7,
    default: 1,
    doc: 'day folders checked: today and this many days before it, UTC',
  }),
  /** The check sends the missing objects to the ingest queue itself. */
  completenessAutoEnqueue: boolean({
    default: false,
    doc: 'the check sends the files it finds missing to the ingest queue itself (and may then `sqs:SendMessage` to it)',
  }),
};
