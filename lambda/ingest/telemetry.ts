/**
 * Structured JSON logs and CloudWatch Embedded Metric Format (EMF) metrics, written to stdout, which Lambda ships to
 * CloudWatch Logs; CloudWatch extracts the metrics from the EMF lines with no API calls from the function.
 * EMF specification: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

/** Namespace and dimension of every metric; the monitoring construct reads these too. */
export const METRICS_NAMESPACE = 'AlbIceberg';
export const METRICS_SERVICE_DIMENSION = 'Service';
export const METRICS_SERVICE = 'ingest';

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

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Telemetry {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  count(metric: MetricName, value?: number): void;
  /** Writes the metrics gathered since the last flush as one EMF line, and resets them. */
  flush(): void;
}

export function stdoutTelemetry(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Telemetry {
  let values: Partial<Record<MetricName, number>> = {};
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
      write(
        JSON.stringify({
          _aws: {
            Timestamp: Date.now(),
            CloudWatchMetrics: [
              {
                Namespace: METRICS_NAMESPACE,
                Dimensions: [[METRICS_SERVICE_DIMENSION]],
                Metrics: names.map((Name) => ({ Name, Unit: METRICS[Name] })),
              },
            ],
          },
          [METRICS_SERVICE_DIMENSION]: METRICS_SERVICE,
          ...values,
        }),
      );
      values = {};
    },
  };
}
