/**
 * Rules that join two or more keys, run after every key passed its own checks (./settings.ts). Each returns the
 * error, naming the key the user should change, or undefined.
 */
import type { AlbIcebergConfig } from './derived';
import { ConfigError } from './errors';

/** A rule across keys. */
export interface CrossKeyRule {
  /** What the rule keeps true, for readers and test names. */
  readonly name: string;
  check(config: AlbIcebergConfig): ConfigError | undefined;
}

/** The rules, in the order they are checked. */
export const CROSS_KEY_RULES: readonly CrossKeyRule[] = [
  {
    name: 'createLogBucket and logBucketName choose one log bucket',
    check: ({ createLogBucket, logBucketName }) => {
      if (createLogBucket && logBucketName !== undefined) {
        return new ConfigError(
          'createLogBucket',
          `is true but logBucketName is "${logBucketName}"; choose one: import that bucket (createLogBucket=false) or create a new one (logBucketName empty)`,
        );
      }
      if (!createLogBucket && logBucketName === undefined) {
        return new ConfigError(
          'logBucketName',
          'is required when createLogBucket is false (the existing ALB log bucket)',
        );
      }
      return undefined;
    },
  },
  {
    name: 'a batchSize above 10 has a batching window',
    // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html (batch size > 10 needs a window)
    check: ({ batchSize, maxBatchingWindowSeconds }) =>
      batchSize > 10 && maxBatchingWindowSeconds < 1
        ? new ConfigError('batchSize', `above 10 requires maxBatchingWindowSeconds >= 1; got batchSize=${batchSize}`)
        : undefined,
  },
  {
    name: 'the backlog alarm fires before queued messages expire',
    check: ({ backlogAgeAlarmSeconds, queueRetentionDays }) =>
      backlogAgeAlarmSeconds >= queueRetentionDays * 86_400
        ? new ConfigError(
            'backlogAgeAlarmSeconds',
            `must be below the ingest queue retention (queueRetentionDays=${queueRetentionDays}, ${queueRetentionDays * 86_400} s), or messages expire before the alarm fires; got ${backlogAgeAlarmSeconds}`,
          )
        : undefined,
  },
  {
    name: 'the freshness alarm allows for the Firehose buffering interval',
    check: ({ dataFreshnessAlarmSeconds, bufferingIntervalSeconds }) =>
      dataFreshnessAlarmSeconds <= bufferingIntervalSeconds
        ? new ConfigError(
            'dataFreshnessAlarmSeconds',
            `must be above bufferingIntervalSeconds (${bufferingIntervalSeconds}): Firehose holds records that long by design; got ${dataFreshnessAlarmSeconds}`,
          )
        : undefined,
  },
];
