/**
 * The scheduled completeness check's configuration contract (environment variables). The CDK construct sets exactly
 * these names, imported from here.
 */
export const CHECK_ENV = {
  /** Required. The watched log bucket. */
  logBucket: 'LOG_BUCKET',
  /** Optional. The load balancers' log prefix (the part before `AWSLogs/`); '' or unset for none. */
  logPrefix: 'LOG_PREFIX',
  /** Required. The object ledger's DynamoDB table. */
  ledgerTableName: 'LEDGER_TABLE_NAME',
  /** Required. The stack name: the `Stack` dimension of the check's metrics. */
  stackName: 'STACK_NAME',
  /** Optional. Minutes an object may wait for its notification before it counts as not in the pipeline. Default 30. */
  graceMinutes: 'GRACE_MINUTES',
  /** Optional. Day folders checked: today and the days before it (UTC). Default 1 (today and yesterday). */
  lookbackDays: 'LOOKBACK_DAYS',
  /** Optional. `true` to enqueue the objects found missing on the ingest queue. Default false. */
  autoEnqueue: 'AUTO_ENQUEUE',
  /**
   * Optional. The log types the deployment ingests, comma-separated (`alb-access,clb-access`); log files of other
   * types are counted as not ingested by configuration, never missing. Default: every type.
   */
  logTypes: 'LOG_TYPES',
  /** Required when AUTO_ENQUEUE is true. The ingest queue's URL. */
  ingestQueueUrl: 'INGEST_QUEUE_URL',
} as const;
