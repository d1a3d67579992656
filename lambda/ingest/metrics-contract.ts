/**
 * The ingest handler's metrics contract: the CloudWatch namespace, dimensions and metric names (with units) that
 * telemetry.ts writes as Embedded Metric Format and that the stack's alarms and dashboard (lib/monitoring.ts) read.
 * Both sides import this module, which has no runtime dependencies, so the names cannot drift apart.
 * EMF specification: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

/** Namespace of every handler metric. */
export const METRICS_NAMESPACE = 'AlbIceberg';
/** Dimension naming the component; always {@link METRICS_SERVICE}. */
export const METRICS_SERVICE_DIMENSION = 'Service';
export const METRICS_SERVICE = 'ingest';
/**
 * Dimension naming the CloudFormation stack the function belongs to (env var `ENV.stackName`), so two stacks in one
 * account and region (a renamed stack, the integration test's stack) never feed each other's alarms.
 */
export const METRICS_STACK_DIMENSION = 'Stack';

/** Metric names with their units. Summed over one invocation. */
export const METRICS = {
  ObjectsIngested: 'Count',
  ObjectsSkipped: 'Count',
  ObjectsMissing: 'Count',
  ObjectsUnfinished: 'Count',
  ObjectsRestarted: 'Count',
  MessagesFailed: 'Count',
  Continuations: 'Count',
  /** S3 event records that are not `ObjectCreated:*` (deletes, restores, ...): logged, not ingested. */
  EventsIgnored: 'Count',
  /** Records naming an object already listed in the same message: ingested once. */
  DuplicateRecords: 'Count',
  BytesIn: 'Bytes',
  RawBytes: 'Bytes',
  Lines: 'Count',
  RecordsSent: 'Count',
  RecordBytes: 'Bytes',
  Rejects: 'Count',
  ExtraFieldLines: 'Count',
  Retries: 'Count',
  Throttles: 'Count',
  DurationMs: 'Milliseconds',
  /** Objects the ledger already has as done (a duplicate notification, an overlapping backfill): not read again. */
  ObjectsAlreadyDone: 'Count',
  /** Objects another invocation holds under a live lease: retried later, not read twice at the same time. */
  ObjectsBusy: 'Count',
  /** Objects whose earlier holder died (expired lease): resumed from the ledger's checkpoint. */
  ObjectsTakenOver: 'Count',
  /** Checkpoints persisted to the ledger while objects streamed. */
  CheckpointsPersisted: 'Count',
  /** Ledger calls that failed (throttling, outage, timeout) after the SDK's retries. */
  LedgerErrors: 'Count',
} as const;

export type MetricName = keyof typeof METRICS;

/** `Service` of the scheduled completeness check (lambda/check/). */
export const METRICS_CHECK_SERVICE = 'completeness-check';

/** The completeness check's metrics, one value per run (its alarm reads `ObjectsNotInPipeline`). */
export const CHECK_METRICS = {
  /**
   * Objects listed in S3, older than the grace period, that the ledger has never seen: their notification never
   * reached the ingest queue.
   */
  ObjectsNotInPipeline: 'Count',
  /** Objects the ledger has as failed (given up, dead-lettered). */
  ObjectsFailed: 'Count',
  ObjectsInProgress: 'Count',
  ObjectsDone: 'Count',
  /** Missing objects the check enqueued itself (when auto-enqueue is on). */
  ObjectsEnqueued: 'Count',
  /** Runs that could not finish their comparison (S3 or ledger errors). */
  CheckErrors: 'Count',
} as const;

export type CheckMetricName = keyof typeof CHECK_METRICS;

/** The dimension that says which log type a per-type metric concerns (values: lambda/schema/types.ts LogTypeId). */
export const METRICS_LOG_TYPE_DIMENSION = 'LogType';

/**
 * Metrics also published per log type, with the dimensions `[Service, Stack, LogType]`, beside their total over
 * every type (`[Service, Stack]`, what the stack-wide alarms read). Few on purpose: each is one more custom metric
 * per log type that has traffic (a type that never sees a file publishes nothing and costs nothing).
 */
export const PER_LOG_TYPE_METRICS = ['Lines', 'RecordsSent', 'Rejects', 'ExtraFieldLines', 'ObjectsIngested'] as const;

/** The dimension names of every metric, in the order of the EMF dimension set. */
export const METRICS_DIMENSION_NAMES = [METRICS_SERVICE_DIMENSION, METRICS_STACK_DIMENSION] as const;

/** The dimensions (name to value) of every metric of the stack `stackName`. */
export function metricsDimensions(
  stackName: string,
  service: string = METRICS_SERVICE,
): Record<(typeof METRICS_DIMENSION_NAMES)[number], string> {
  return { [METRICS_SERVICE_DIMENSION]: service, [METRICS_STACK_DIMENSION]: stackName };
}
