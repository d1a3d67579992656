/**
 * The completeness check's metrics as one CloudWatch Embedded Metric Format line (names, units and dimensions from
 * lambda/ingest/metrics-contract.ts: Service=completeness-check, Stack=<stack name>). Every metric is written on
 * every run, zeros included, so the alarm on ObjectsNotInPipeline sees a data point per run rather than missing data.
 * EMF specification: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import {
  CHECK_METRICS,
  type CheckMetricName,
  METRICS_CHECK_SERVICE,
  METRICS_DIMENSION_NAMES,
  METRICS_NAMESPACE,
  metricsDimensions,
} from '../ingest/metrics-contract';

export type CheckMetrics = Record<CheckMetricName, number>;

export const NO_CHECK_METRICS: CheckMetrics = Object.fromEntries(
  Object.keys(CHECK_METRICS).map((name) => [name, 0]),
) as CheckMetrics;

/** The EMF line (JSON, no newline) of one run's metrics. Pure. */
export function checkMetricsLine(stackName: string, values: CheckMetrics, timestampMs: number): string {
  const names = Object.keys(CHECK_METRICS) as CheckMetricName[];
  return JSON.stringify({
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [[...METRICS_DIMENSION_NAMES]],
          Metrics: names.map((Name) => ({ Name, Unit: CHECK_METRICS[Name] })),
        },
      ],
    },
    ...metricsDimensions(stackName, METRICS_CHECK_SERVICE),
    ...Object.fromEntries(names.map((n) => [n, values[n]])),
  });
}
