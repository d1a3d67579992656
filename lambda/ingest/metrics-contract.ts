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
} as const;

export type MetricName = keyof typeof METRICS;

/** The dimension names of every metric, in the order of the EMF dimension set. */
export const METRICS_DIMENSION_NAMES = [METRICS_SERVICE_DIMENSION, METRICS_STACK_DIMENSION] as const;

/** The dimensions (name to value) of every metric of the stack `stackName`. */
export function metricsDimensions(stackName: string): Record<(typeof METRICS_DIMENSION_NAMES)[number], string> {
  return { [METRICS_SERVICE_DIMENSION]: METRICS_SERVICE, [METRICS_STACK_DIMENSION]: stackName };
}
