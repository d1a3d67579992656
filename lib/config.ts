/**
 * Deployment configuration: every knob a user can turn, typed and validated in one place.
 *
 * Values come from the `context` block of cdk.json (JSON types) or from `cdk deploy -c key=value` (always strings), so
 * every reader accepts both. An invalid value throws a {@link ConfigError} that names the key, says what was expected
 * and what was given; synthesis stops before anything is deployed.
 */
import { isLogTypeId, LOG_SCHEMAS, LOG_TYPE_IDS, type LogTypeId } from '../lambda/schema/log-types';

/** A configuration value was missing, malformed or out of range. */
export class ConfigError extends Error {
  constructor(
    /** The context key at fault. */
    readonly key: string,
    detail: string,
  ) {
    super(`Invalid configuration "${key}": ${detail} (set it in cdk.json "context" or with -c ${key}=<value>)`);
    this.name = 'ConfigError';
  }
}

export type RemovalPolicyName = 'destroy' | 'retain';

/** The validated configuration of one deployment. */
export interface AlbIcebergConfig {
  /** CloudFormation stack name. */
  readonly stackName: string;
  /** Target account; undefined = environment-agnostic (resolved at deploy time). */
  readonly account?: string;
  /** Target region; undefined = environment-agnostic (resolved at deploy time). */
  readonly region?: string;

  /** Existing ALB log bucket to import; undefined when {@link createLogBucket} is true. */
  readonly logBucketName?: string;
  /** Create a new log bucket with the ELB log-delivery policy instead of importing one. */
  readonly createLogBucket: boolean;
  /** The ALB attribute `access_logs.s3.prefix` ('' = none). Keys are `<logPrefix>/AWSLogs/<account>/...`. */
  readonly logPrefix: string;
  /**
   * The log types this deployment ingests, each into its own table (lambda/schema/log-types.ts). Objects of other
   * types are skipped, counted. The bucket notifications filter on the suffixes of these types (`.log` for Classic).
   */
  readonly logTypes: readonly LogTypeId[];
  /** Days before raw logs in a created log bucket expire; 0 = never. Ignored for an imported bucket. */
  readonly rawLogRetentionDays: number;

  /** Glue database name (lower_snake_case: Firehose rejects hyphens). */
  readonly databaseName: string;
  /** Glue table name of ALB access logs (lower_snake_case). The other types' tables have fixed names (their schema's). */
  readonly tableName: string;

  readonly functionMemoryMiB: number;
  readonly functionTimeoutSeconds: number;
  /** Event source `MaximumConcurrency`: caps parallel ingest functions (and so Firehose request rate). */
  readonly maxConcurrency: number;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Receives of one message before it moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** Ingest queue message retention. The DLQ keeps messages 14 days. */
  readonly queueRetentionDays: number;

  readonly bufferingIntervalSeconds: number;
  readonly bufferingSizeMiB: number;
  /** How long Firehose retries a failing delivery before it writes the records to the error prefix. */
  readonly retryDurationSeconds: number;

  /** CloudWatch Logs retention of the function and Firehose log groups (a value CloudWatch accepts). */
  readonly logRetentionDays: number;
  /** Days before Firehose error objects expire. */
  readonly errorRetentionDays: number;
  /** Days before rejected-line objects expire. */
  readonly rejectRetentionDays: number;
  /** Days before Athena query results expire. */
  readonly athenaResultsRetentionDays: number;
  /** Iceberg snapshots younger than this are kept (time travel window). */
  readonly snapshotRetentionDays: number;
  /** Files not referenced by the table and older than this are deleted. */
  readonly orphanFileRetentionDays: number;

  /** Create a bucket for S3 server access logs of the stack's buckets. */
  readonly serverAccessLogs: boolean;
  /** Address that receives alarm notifications (used by the monitoring construct). */
  readonly alarmEmail?: string;
  /** Alarm when the oldest message of the ingest queue is older than this (log files waiting to be ingested). */
  readonly backlogAgeAlarmSeconds: number;
  /** Alarm when the p99 ingest-function duration stays above this percentage of its timeout. */
  readonly durationAlarmPercent: number;
  /** Alarm when the handler rejects more than this percentage of the log lines it reads (format problems). */
  readonly rejectRateAlarmPercent: number;
  /** Alarm when Firehose holds undelivered records older than this (`DeliveryToIceberg.DataFreshness`). */
  readonly dataFreshnessAlarmSeconds: number;
  /** Alarm when Firehose incoming bytes stay above this percentage of the stream's `BytesPerSecondLimit`. */
  readonly firehoseLimitAlarmPercent: number;
  /**
   * Alarm when the ingest function sent no record for this many minutes; 0 = no such alarm. For load balancers that
   * always have traffic: catches a removed S3 notification or access logging switched off.
   */
  readonly noDataAlarmMinutes: number;
  /** Athena workgroup limit: a query that scans more than this many GiB is cancelled. */
  readonly athenaBytesScannedCutoffGiB: number;

  /** Days after its last write an object-ledger entry expires (DynamoDB TTL); 0 = never. */
  readonly ledgerRetentionDays: number;
  /** Lines between two checkpoints the ingest handler persists to the ledger; undefined = the handler's default. */
  readonly checkpointEveryLines?: number;
  /** Minutes between two runs of the completeness check; 0 = no check (no function, schedule or alarms). */
  readonly completenessCheckMinutes: number;
  /** Minutes a log file may wait for its notification before the check counts it as not in the pipeline. */
  readonly completenessGraceMinutes: number;
  /** Day folders the check compares: today and this many days before it (UTC). */
  readonly completenessLookbackDays: number;
  /** The check sends the missing objects to the ingest queue itself. */
  readonly completenessAutoEnqueue: boolean;
  /** Removal policy of non-data resources (queues, log groups). Data (buckets, Glue) is always retained. */
  readonly removalPolicy: RemovalPolicyName;
}

/**
 * Defaults, also written in cdk.json (a test keeps the two equal). `createLogBucket` has no fixed default: it follows
 * `logBucketName` (empty name = create a bucket).
 */
export const DEFAULTS = {
  stackName: 'AlbIceberg',
  account: '',
  region: '',
  logBucketName: '',
  logPrefix: '',
  logTypes: LOG_TYPE_IDS,
  rawLogRetentionDays: 0,
  databaseName: 'alb_logs',
  tableName: 'access_logs',
  functionMemoryMiB: 1024,
  functionTimeoutSeconds: 300,
  maxConcurrency: 5,
  batchSize: 5,
  maxBatchingWindowSeconds: 10,
  maxReceiveCount: 5,
  queueRetentionDays: 7,
  bufferingIntervalSeconds: 60,
  bufferingSizeMiB: 64,
  retryDurationSeconds: 300,
  logRetentionDays: 30,
  errorRetentionDays: 30,
  rejectRetentionDays: 30,
  athenaResultsRetentionDays: 7,
  snapshotRetentionDays: 7,
  orphanFileRetentionDays: 3,
  serverAccessLogs: false,
  alarmEmail: '',
  backlogAgeAlarmSeconds: 3600,
  durationAlarmPercent: 80,
  rejectRateAlarmPercent: 1,
  dataFreshnessAlarmSeconds: 900,
  firehoseLimitAlarmPercent: 80,
  noDataAlarmMinutes: 0,
  athenaBytesScannedCutoffGiB: 10,
  removalPolicy: 'destroy',
  ledgerRetentionDays: 400,
  completenessCheckMinutes: 15,
  completenessGraceMinutes: 30,
  completenessLookbackDays: 1,
  completenessAutoEnqueue: false,
} as const satisfies Record<string, string | number | boolean | readonly string[]>;

/**
 * Every key {@link loadConfig} reads: the keys of {@link DEFAULTS} plus `createLogBucket` and `checkpointEveryLines`
 * (whose default is the handler's, so the stack sets nothing unless the key is given).
 */
export const CONFIG_KEYS: readonly string[] = [...Object.keys(DEFAULTS), 'createLogBucket', 'checkpointEveryLines'];

/**
 * Timeout of one completeness-check run (lib/completeness-check.ts). The shortest interval between runs is this
 * long, so a run ends before the next one starts.
 */
export const COMPLETENESS_CHECK_TIMEOUT_MINUTES = 5;

/**
 * Regions where Amazon Data Firehose has no Apache Iceberg Tables destination, by region code (China and
 * AWS GovCloud (US) by partition prefix, so every region of those partitions is covered).
 * https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-considerations.html
 * Region codes: https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html
 */
const NO_ICEBERG_DESTINATION_REGIONS: Readonly<Record<string, string>> = {
  'ap-east-2': 'Asia Pacific (Taipei)',
  'ap-southeast-5': 'Asia Pacific (Malaysia)',
  'ap-southeast-6': 'Asia Pacific (New Zealand)',
  'mx-central-1': 'Mexico (Central)',
};
const NO_ICEBERG_DESTINATION_PARTITIONS: readonly (readonly [prefix: string, name: string])[] = [
  ['cn-', 'the China Regions'],
  ['us-gov-', 'AWS GovCloud (US)'],
];

/** The name of the region (or partition) when Firehose cannot deliver to Iceberg tables there. */
function withoutIcebergDestination(region: string): string | undefined {
  const partition = NO_ICEBERG_DESTINATION_PARTITIONS.find(([prefix]) => region.startsWith(prefix));
  return partition ? partition[1] : NO_ICEBERG_DESTINATION_REGIONS[region];
}

/** A context key that is not a configuration key (a typo would otherwise be ignored silently). */
export class UnknownConfigKeyError extends ConfigError {
  constructor(key: string, nearest: string) {
    super(key, 'unknown');
    this.name = 'UnknownConfigKeyError';
    this.message =
      `Unknown configuration key "${key}" (did you mean "${nearest}"?): fix or remove it in cdk.json "context" or ` +
      `the -c option. Configuration keys: ${CONFIG_KEYS.join(', ')}`;
  }
}

/**
 * Whether a context key may be one of ours. The CDK and its CLI keep their own keys in the same context, and all of
 * them contain ":", "@", "/" or "-" (feature flags `@aws-cdk/...`, `aws:cdk:*`, `aws-cdk:enableDiffNoFail`,
 * `cdk-migrate`, `acknowledged-issue-numbers`, lookups such as `availability-zones:account=...`). The keys of this
 * app are lowerCamelCase words, so only keys of that shape are checked, and none that starts with "cdk" or "aws".
 */
function isAppKeyShaped(key: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(key) && !/^(cdk|aws)/i.test(key);
}

/** Levenshtein distance, case-insensitive (so `StackName` suggests `stackName`). */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length] ?? 0;
}

/** Keys earlier versions read, with what replaced them: a deployment that still sets one is told, not ignored. */
export const REMOVED_KEYS: Readonly<Record<string, string>> = {
  logSuffix:
    'the bucket notifications now filter on the suffix of each enabled log type (.log.gz, and .log for Classic Load Balancer logs); remove the key and choose types with "logTypes"',
};

/** Throws {@link UnknownConfigKeyError} for the first context key shaped like ours that is not a configuration key. */
export function checkContextKeys(keys: Iterable<string>): void {
  for (const key of keys) {
    const removed = REMOVED_KEYS[key];
    if (removed !== undefined) throw new ConfigError(key, `is no longer a configuration key: ${removed}`);
    if (CONFIG_KEYS.includes(key) || !isAppKeyShaped(key)) continue;
    const nearest = [...CONFIG_KEYS].sort((a, b) => editDistance(key, a) - editDistance(key, b))[0] ?? '';
    throw new UnknownConfigKeyError(key, nearest);
  }
}

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Reads one raw context value; undefined when the key is absent. */
export type ContextReader = (key: string) => unknown;

/**
 * Reads, types and validates the configuration.
 * @param read returns the raw context value of a key (e.g. `(k) => app.node.tryGetContext(k)`).
 * @param contextKeys every key present in the context (e.g. `Object.keys(app.node.getAllContext())`), to refuse
 *   misspelled keys; omitted = not checked.
 */
export function loadConfig(read: ContextReader, contextKeys: Iterable<string> = []): AlbIcebergConfig {
  checkContextKeys(contextKeys);
  const r = new Reader(read);

  const logBucketName = r.optionalString('logBucketName');
  if (logBucketName !== undefined) checkBucketName('logBucketName', logBucketName);
  const createLogBucket = r.optionalBoolean('createLogBucket') ?? logBucketName === undefined;
  if (createLogBucket && logBucketName !== undefined) {
    throw new ConfigError(
      'createLogBucket',
      `is true but logBucketName is "${logBucketName}"; choose one: import that bucket (createLogBucket=false) or create a new one (logBucketName empty)`,
    );
  }
  if (!createLogBucket && logBucketName === undefined) {
    throw new ConfigError('logBucketName', 'is required when createLogBucket is false (the existing ALB log bucket)');
  }

  const logPrefix = r.string('logPrefix', DEFAULTS.logPrefix, { allowEmpty: true });
  if (logPrefix.startsWith('/') || logPrefix.endsWith('/') || /(^|\/)AWSLogs(\/|$)/.test(logPrefix)) {
    throw new ConfigError(
      'logPrefix',
      `must be the ALB attribute access_logs.s3.prefix (e.g. "prod-alb"), without leading or trailing "/" and without "AWSLogs"; got "${logPrefix}"`,
    );
  }

  // At least 90 s: the handler keeps a 60 s retry budget per batch and a 20 s reserve to checkpoint (lambda/ingest/env.ts).
  const functionTimeoutSeconds = r.integer('functionTimeoutSeconds', DEFAULTS.functionTimeoutSeconds, 90, 900);
  const batchSize = r.integer('batchSize', DEFAULTS.batchSize, 1, 10_000);
  const maxBatchingWindowSeconds = r.integer('maxBatchingWindowSeconds', DEFAULTS.maxBatchingWindowSeconds, 0, 300);
  if (batchSize > 10 && maxBatchingWindowSeconds < 1) {
    // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html (batch size > 10 needs a window)
    throw new ConfigError('batchSize', `above 10 requires maxBatchingWindowSeconds >= 1; got batchSize=${batchSize}`);
  }

  const account = r.optionalString('account');
  if (account !== undefined && !/^\d{12}$/.test(account)) {
    throw new ConfigError('account', `must be a 12-digit AWS account id; got "${account}"`);
  }
  const region = r.optionalString('region');
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new ConfigError('region', `must be an AWS region code such as "eu-west-1"; got "${region}"`);
  }
  const noIceberg = region === undefined ? undefined : withoutIcebergDestination(region);
  if (region !== undefined && noIceberg !== undefined) {
    throw new ConfigError(
      'region',
      `Amazon Data Firehose has no Apache Iceberg destination in ${noIceberg} ("${region}"), so this stack cannot deliver there; choose another region (https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-considerations.html)`,
    );
  }
  const alarmEmail = r.optionalString('alarmEmail');
  if (alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alarmEmail)) {
    throw new ConfigError('alarmEmail', `must be an email address; got "${alarmEmail}"`);
  }

  const logRetentionDays = r.integer('logRetentionDays', DEFAULTS.logRetentionDays, 1, 3653);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    throw new ConfigError(
      'logRetentionDays',
      `must be one of the values CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(', ')}); got ${logRetentionDays}`,
    );
  }

  const queueRetentionDays = r.integer('queueRetentionDays', DEFAULTS.queueRetentionDays, 4, 14);
  const backlogAgeAlarmSeconds = r.integer('backlogAgeAlarmSeconds', DEFAULTS.backlogAgeAlarmSeconds, 60, 14 * 86_400);
  if (backlogAgeAlarmSeconds >= queueRetentionDays * 86_400) {
    throw new ConfigError(
      'backlogAgeAlarmSeconds',
      `must be below the ingest queue retention (queueRetentionDays=${queueRetentionDays}, ${queueRetentionDays * 86_400} s), or messages expire before the alarm fires; got ${backlogAgeAlarmSeconds}`,
    );
  }
  const bufferingIntervalSeconds = r.integer('bufferingIntervalSeconds', DEFAULTS.bufferingIntervalSeconds, 0, 900);
  const dataFreshnessAlarmSeconds = r.integer(
    'dataFreshnessAlarmSeconds',
    DEFAULTS.dataFreshnessAlarmSeconds,
    60,
    86_400,
  );
  if (dataFreshnessAlarmSeconds <= bufferingIntervalSeconds) {
    throw new ConfigError(
      'dataFreshnessAlarmSeconds',
      `must be above bufferingIntervalSeconds (${bufferingIntervalSeconds}): Firehose holds records that long by design; got ${dataFreshnessAlarmSeconds}`,
    );
  }
  const noDataAlarmMinutes = r.integer('noDataAlarmMinutes', DEFAULTS.noDataAlarmMinutes, 0, 1440);
  if (noDataAlarmMinutes !== 0 && noDataAlarmMinutes < 15) {
    // ALB delivers a log file per node every 5 minutes; shorter windows would alarm between deliveries.
    throw new ConfigError(
      'noDataAlarmMinutes',
      `must be 0 (no alarm) or from 15 to 1440 minutes; got ${noDataAlarmMinutes}`,
    );
  }

  const completenessCheckMinutes = r.integer('completenessCheckMinutes', DEFAULTS.completenessCheckMinutes, 0, 1440);
  if (completenessCheckMinutes !== 0 && completenessCheckMinutes < COMPLETENESS_CHECK_TIMEOUT_MINUTES) {
    throw new ConfigError(
      'completenessCheckMinutes',
      `must be 0 (no check) or from ${COMPLETENESS_CHECK_TIMEOUT_MINUTES} (the check's timeout, so runs never overlap) to 1440 minutes; got ${completenessCheckMinutes}`,
    );
  }

  const removalPolicy = r.string('removalPolicy', DEFAULTS.removalPolicy);
  if (removalPolicy !== 'destroy' && removalPolicy !== 'retain') {
    throw new ConfigError('removalPolicy', `must be "destroy" or "retain"; got "${removalPolicy}"`);
  }

  const logTypes = r.logTypes('logTypes', DEFAULTS.logTypes);
  const tableName = r.glueName('tableName', DEFAULTS.tableName);
  const clash = LOG_SCHEMAS.find((s) => s.id !== 'alb-access' && s.defaultTableName === tableName);
  if (clash) {
    throw new ConfigError(
      'tableName',
      `"${tableName}" is the table of ${clash.title}; choose another name for the ALB access log table`,
    );
  }

  const stackName = r.string('stackName', DEFAULTS.stackName);
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    throw new ConfigError(
      'stackName',
      `must start with a letter and contain only letters, digits and "-"; got "${stackName}"`,
    );
  }

  return {
    stackName,
    account,
    region,
    logBucketName,
    createLogBucket,
    logPrefix,
    logTypes,
    rawLogRetentionDays: r.integer('rawLogRetentionDays', DEFAULTS.rawLogRetentionDays, 0, 36_500),
    databaseName: r.glueName('databaseName', DEFAULTS.databaseName),
    tableName,
    functionMemoryMiB: r.integer('functionMemoryMiB', DEFAULTS.functionMemoryMiB, 128, 10_240),
    functionTimeoutSeconds,
    maxConcurrency: r.integer('maxConcurrency', DEFAULTS.maxConcurrency, 2, 1000),
    batchSize,
    maxBatchingWindowSeconds,
    maxReceiveCount: r.integer('maxReceiveCount', DEFAULTS.maxReceiveCount, 1, 1000),
    queueRetentionDays,
    bufferingIntervalSeconds,
    bufferingSizeMiB: r.integer('bufferingSizeMiB', DEFAULTS.bufferingSizeMiB, 1, 128),
    retryDurationSeconds: r.integer('retryDurationSeconds', DEFAULTS.retryDurationSeconds, 0, 7200),
    logRetentionDays,
    errorRetentionDays: r.integer('errorRetentionDays', DEFAULTS.errorRetentionDays, 1, 36_500),
    rejectRetentionDays: r.integer('rejectRetentionDays', DEFAULTS.rejectRetentionDays, 1, 36_500),
    athenaResultsRetentionDays: r.integer('athenaResultsRetentionDays', DEFAULTS.athenaResultsRetentionDays, 1, 36_500),
    snapshotRetentionDays: r.integer('snapshotRetentionDays', DEFAULTS.snapshotRetentionDays, 1, 36_500),
    orphanFileRetentionDays: r.integer('orphanFileRetentionDays', DEFAULTS.orphanFileRetentionDays, 1, 36_500),
    serverAccessLogs: r.boolean('serverAccessLogs', DEFAULTS.serverAccessLogs),
    alarmEmail,
    backlogAgeAlarmSeconds,
    durationAlarmPercent: r.integer('durationAlarmPercent', DEFAULTS.durationAlarmPercent, 10, 100),
    rejectRateAlarmPercent: r.decimal('rejectRateAlarmPercent', DEFAULTS.rejectRateAlarmPercent, 0.01, 100),
    dataFreshnessAlarmSeconds,
    firehoseLimitAlarmPercent: r.integer('firehoseLimitAlarmPercent', DEFAULTS.firehoseLimitAlarmPercent, 10, 100),
    noDataAlarmMinutes,
    // Whole GiB (Athena itself accepts down to 10 MB per query).
    athenaBytesScannedCutoffGiB: r.integer(
      'athenaBytesScannedCutoffGiB',
      DEFAULTS.athenaBytesScannedCutoffGiB,
      1,
      1_048_576,
    ),
    removalPolicy,
    ledgerRetentionDays: r.integer('ledgerRetentionDays', DEFAULTS.ledgerRetentionDays, 0, 36_500),
    checkpointEveryLines: r.optionalInteger('checkpointEveryLines', 1, 10_000_000),
    completenessCheckMinutes,
    // ALB delivers a file per node every 5 minutes and S3 notifies within seconds to minutes; a shorter grace would
    // count files the pipeline is about to see.
    completenessGraceMinutes: r.integer('completenessGraceMinutes', DEFAULTS.completenessGraceMinutes, 5, 1440),
    // Each day is one folder per account and Region to list and query: a week fits the check's timeout.
    completenessLookbackDays: r.integer('completenessLookbackDays', DEFAULTS.completenessLookbackDays, 0, 7),
    completenessAutoEnqueue: r.boolean('completenessAutoEnqueue', DEFAULTS.completenessAutoEnqueue),
  };
}

/** Bucket naming rules: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html */
function checkBucketName(key: string, name: string): void {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) || name.includes('..')) {
    throw new ConfigError(
      key,
      `must be an S3 bucket name (3-63 lower-case letters, digits, "." and "-"); got "${name}"`,
    );
  }
}

/** Typed access to raw context values; strings (from -c) are parsed. */
class Reader {
  constructor(private readonly read: ContextReader) {}

  /** The raw value, or undefined when absent or an empty string. */
  private raw(key: string): unknown {
    const value = this.read(key);
    return value === null || value === '' ? undefined : value;
  }

  optionalString(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new ConfigError(key, `expected a string, got ${JSON.stringify(value)}`);
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  string(key: string, fallback: string, options: { allowEmpty?: boolean } = {}): string {
    const value = this.read(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string') throw new ConfigError(key, `expected a string, got ${JSON.stringify(value)}`);
    const trimmed = value.trim();
    if (trimmed === '' && !options.allowEmpty) throw new ConfigError(key, 'must not be empty');
    return trimmed;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    return this.optionalInteger(key, min, max) ?? fallback;
  }

  /** An integer from min to max; undefined when absent. */
  optionalInteger(key: string, min: number, max: number): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(key, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return n;
  }

  /** A decimal number (e.g. a percentage such as 0.5). */
  decimal(key: string, fallback: number, min: number, max: number): number {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    const text = typeof value === 'string' ? value.trim() : undefined;
    const n = typeof value === 'number' ? value : text !== undefined && text !== '' ? Number(text) : Number.NaN;
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new ConfigError(key, `expected a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return n;
  }

  optionalBoolean(key: string): boolean | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new ConfigError(key, `expected true or false, got ${JSON.stringify(value)}`);
  }

  boolean(key: string, fallback: boolean): boolean {
    return this.optionalBoolean(key) ?? fallback;
  }

  /**
   * A list of log type ids: a JSON array (cdk.json) or a comma-separated string (`-c logTypes=alb-access,nlb-access`).
   * Unknown, repeated and empty lists are refused: a typo would otherwise switch a type off silently.
   */
  logTypes(key: string, fallback: readonly LogTypeId[]): readonly LogTypeId[] {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
    if (!items || items.some((item) => typeof item !== 'string')) {
      throw new ConfigError(key, `expected a list of log types, got ${JSON.stringify(value)}`);
    }
    const names = (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
    if (names.length === 0) throw new ConfigError(key, `must name at least one of ${LOG_TYPE_IDS.join(', ')}`);
    const seen = new Set<string>();
    for (const name of names) {
      if (!isLogTypeId(name)) {
        throw new ConfigError(key, `unknown log type "${name}"; the log types are ${LOG_TYPE_IDS.join(', ')}`);
      }
      if (seen.has(name)) throw new ConfigError(key, `names "${name}" twice`);
      seen.add(name);
    }
    // The order of LOG_TYPE_IDS, whatever order was written: construct ids and outputs do not depend on it.
    return LOG_TYPE_IDS.filter((id) => seen.has(id));
  }

  /**
   * Glue and Firehose name: lower case letters, digits and underscores. Firehose's destination table configuration
   * accepts `[a-zA-Z0-9._]+` and Glue folds names to lower case, so hyphens and capitals are refused here.
   * https://docs.aws.amazon.com/firehose/latest/APIReference/API_DestinationTableConfiguration.html
   */
  glueName(key: string, fallback: string): string {
    const name = this.string(key, fallback);
    if (!/^[a-z_][a-z0-9_]{0,254}$/.test(name)) {
      throw new ConfigError(
        key,
        `must be lower_snake_case (a-z, 0-9, "_", starting with a letter or "_"; no hyphens: Firehose and Athena reject them); got "${name}"`,
      );
    }
    return name;
  }
}
