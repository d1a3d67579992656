/**
 * Structured JSON logs and CloudWatch Embedded Metric Format (EMF) metrics, written to stdout, which Lambda ships to
 * CloudWatch Logs; CloudWatch extracts the metrics from the EMF lines with no API calls from the function.
 * EMF specification: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

import { readStackName } from './config';
import {
  METRICS,
  METRICS_DIMENSION_NAMES,
  METRICS_NAMESPACE,
  type MetricName,
  metricsDimensions,
} from './metrics-contract';

// The metrics contract lives in metrics-contract.ts (shared with lib/monitoring.ts); re-exported for existing imports.
export {
  METRICS,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  METRICS_SERVICE_DIMENSION,
  METRICS_STACK_DIMENSION,
  type MetricName,
} from './metrics-contract';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Telemetry {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  count(metric: MetricName, value?: number): void;
  /** Writes the metrics gathered since the last flush as one EMF line, and resets them. */
  flush(): void;
}

/**
 * @param write where lines go (stdout by default).
 * @param stackName the stack name of the `Stack` dimension; by default read (on the first flush) from the environment
 *   variable the stack sets, so the module-scope telemetry of the handler needs no configuration.
 */
export function stdoutTelemetry(
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  stackName: () => string = () => readStackName(process.env),
): Telemetry {
  let values: Partial<Record<MetricName, number>> = {};
  let dimensions: Record<string, string> | undefined;
  return {
    log(level, message, fields = {}) {
      write(JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...fields }));
    },
    count(metric, value = 1) {
      values[metric] = (values[metric] ?? 0) + value;
    },
    flush() {
      const names = Object.keys(values) as MetricName[];
      if (names.length === 0) return;
      dimensions ??= metricsDimensions(stackName());
      write(
        JSON.stringify({
          _aws: {
            Timestamp: Date.now(),
            CloudWatchMetrics: [
              {
                Namespace: METRICS_NAMESPACE,
                Dimensions: [[...METRICS_DIMENSION_NAMES]],
                Metrics: names.map((Name) => ({ Name, Unit: METRICS[Name] })),
              },
            ],
          },
          ...dimensions,
          ...values,
        }),
      );
      values = {};
    },
  };
}
