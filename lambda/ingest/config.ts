/** Reads the ingest handler's configuration from the environment (names in env.ts), failing fast and clearly. */
import { ENV } from './env';

export interface IngestConfig {
  readonly deliveryStreamName: string;
  readonly rejectsBucket: string;
  readonly rejectsPrefix: string;
  readonly ingestQueueUrl: string;
  readonly maxInFlight: number;
  readonly retryBudgetMs: number;
  readonly safetyMarginMs: number;
  readonly maxAttemptsWithoutProgress: number;
}

export class ConfigError extends Error {}

/** The stack name of the metrics' `Stack` dimension (required; telemetry.ts reads it through this function). */
export function readStackName(env: NodeJS.ProcessEnv): string {
  const v = env[ENV.stackName];
  if (!v) throw new ConfigError(`missing required environment variable ${ENV.stackName}`);
  return v;
}

export function readIngestConfig(env: NodeJS.ProcessEnv): IngestConfig {
  const required = (name: string): string => {
    const v = env[name];
    if (!v) throw new ConfigError(`missing required environment variable ${name}`);
    return v;
  };
  const count = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(`environment variable ${name} must be an integer from ${min} to ${max}, got '${raw}'`);
    }
    return v;
  };
  const config: IngestConfig = {
    deliveryStreamName: required(ENV.deliveryStreamName),
    rejectsBucket: required(ENV.rejectsBucket),
    rejectsPrefix: required(ENV.rejectsPrefix),
    ingestQueueUrl: required(ENV.ingestQueueUrl),
    maxInFlight: count(ENV.maxInFlight, 4, 1, 64),
    retryBudgetMs: count(ENV.retryBudgetMs, 60_000, 0, 900_000),
    safetyMarginMs: count(ENV.safetyMarginMs, 20_000, 0, 900_000),
    maxAttemptsWithoutProgress: count(ENV.maxAttempts, 5, 1, 100),
  };
  // The stack name is not part of IngestConfig (telemetry.ts reads it for the metrics' Stack dimension); checked here
  // so a missing variable fails the invocation up front rather than at the first metrics flush.
  readStackName(env);
  return config;
}
