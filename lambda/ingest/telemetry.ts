/**
 * Structured JSON logs and CloudWatch Embedded Metric Format (EMF) metrics, written to stdout, which Lambda ships to
 * CloudWatch Logs; CloudWatch extracts the metrics from the EMF lines with no API calls from the function.
 * EMF specification: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

import type { LogTypeId } from '../schema/types';
import { readStackName } from './config';
import {
  METRICS,
  METRICS_DIMENSION_NAMES,
  METRICS_LOG_TYPE_DIMENSION,
  METRICS_NAMESPACE,
  type MetricName,
  metricsDimensions,
  PER_LOG_TYPE_METRICS,
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
  /**
   * Adds to a metric. With `logType`, a metric of {@link PER_LOG_TYPE_METRICS} is also counted for that log type
   * (the total is counted either way).
   */
  count(metric: MetricName, value?: number, logType?: LogTypeId): void;
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
  type Values = Partial<Record<MetricName, number>>;
  let values: Values = {};
  let perType = new Map<LogTypeId, Values>();
  let dimensions: Record<string, string> | undefined;
  /** One EMF line: `metrics` under one dimension set. */
  const emf = (metrics: Values, extraDimensions: Record<string, string>) => {
    const names = Object.keys(metrics) as MetricName[];
    write(
      JSON.stringify({
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [[...METRICS_DIMENSION_NAMES, ...Object.keys(extraDimensions)]],
              Metrics: names.map((Name) => ({ Name, Unit: METRICS[Name] })),
            },
          ],
        },
        ...dimensions,
        ...extraDimensions,
        ...metrics,
      }),
    );
  };
  return {
    log(level, message, fields = {}) {
      write(JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...fields }));
    },
    count(metric, value = 1, logType) {
      values[metric] = (values[metric] ?? 0) + value;
      if (logType === undefined || !PER_TYPE.has(metric)) return;
      const typed = perType.get(logType) ?? {};
      typed[metric] = (typed[metric] ?? 0) + value;
      perType.set(logType, typed);
    },
    flush() {
      if (Object.keys(values).length === 0) return;
      dimensions ??= metricsDimensions(stackName());
      // The totals first, then one line per log type: the same counts again under the LogType dimension.
      emf(values, {});
      for (const [logType, typed] of perType) emf(typed, { [METRICS_LOG_TYPE_DIMENSION]: logType });
      values = {};
      perType = new Map();
    },
  };
}

const PER_TYPE: ReadonlySet<MetricName> = new Set(PER_LOG_TYPE_METRICS);
