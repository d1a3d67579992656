/** Reads the ingest handler's configuration from the environment (names in env.ts), failing fast and clearly. */
import { PARSER_ENGINES, type ParserEngine, parserEngineNamed } from '../parser/line-encoder';
import { LOG_TYPE_IDS } from '../schema/log-types';
import type { LogTypeId } from '../schema/types';
import { deliveryStreamEnv, ENV } from './env';

export interface IngestConfig {
  /** The Firehose stream of each enabled log type (at least one); objects of the other types are skipped, counted. */
  readonly deliveryStreams: Readonly<Partial<Record<LogTypeId, string>>>;
  readonly rejectsBucket: string;
  readonly rejectsPrefix: string;
  readonly ingestQueueUrl: string;
  readonly maxInFlight: number;
  readonly retryBudgetMs: number;
  readonly safetyMarginMs: number;
  readonly maxAttemptsWithoutProgress: number;
  /** `kernel` (default) or `reference`: the reference parser alone (lambda/parser/line-encoder.ts). */
  readonly parserEngine?: ParserEngine;
  /** The object ledger (DynamoDB); absent when LEDGER_TABLE_NAME is unset (no claims, no persisted checkpoints). */
  readonly ledger?: LedgerConfig;
}

export interface LedgerConfig {
  readonly tableName: string;
  /** Days after its last write an entry expires (DynamoDB TTL); 0 = never. */
  readonly retentionDays: number;
  /** Lines newly settled between two checkpoints persisted while an object streams. */
  readonly checkpointEveryLines: number;
}

/**
 * Default lines between persisted checkpoints. The cost side: one DynamoDB write (1 write unit while the item is
 * under 1 KB) per 10,000 lines is about 0.4 s of one function's streaming (about 25k records/s, README Performance)
 * and, at 180 M requests a month, 18,000 writes (a few cents on demand). The benefit side: after a hard kill
 * (out of memory, Lambda timeout, runtime crash) at most about this many lines are sent again. ALB writes a file
 * per node every 5 minutes, so most files have fewer lines than this and cost just a claim and a finish.
 */
export const DEFAULT_CHECKPOINT_EVERY_LINES = 10_000;

/** DynamoDB table names: 3 to 255 of [a-zA-Z0-9_.-] (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html). */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

export class IngestConfigError extends Error {}

/** The stack name of the metrics' `Stack` dimension (required; telemetry.ts reads it through this function). */
export function readStackName(env: NodeJS.ProcessEnv): string {
  const v = env[ENV.stackName];
  if (!v) throw new IngestConfigError(`missing required environment variable ${ENV.stackName}`);
  return v;
}

export function readIngestConfig(env: NodeJS.ProcessEnv): IngestConfig {
  const required = (name: string): string => {
    const v = env[name];
    if (!v) throw new IngestConfigError(`missing required environment variable ${name}`);
    return v;
  };
  const count = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new IngestConfigError(
        `environment variable ${name} must be an integer from ${min} to ${max}, got '${raw}'`,
      );
    }
    return v;
  };
  const config: IngestConfig = {
    deliveryStreams: readDeliveryStreams(env),
    rejectsBucket: required(ENV.rejectsBucket),
    rejectsPrefix: required(ENV.rejectsPrefix),
    ingestQueueUrl: required(ENV.ingestQueueUrl),
    maxInFlight: count(ENV.maxInFlight, 4, 1, 64),
    retryBudgetMs: count(ENV.retryBudgetMs, 60_000, 0, 900_000),
    safetyMarginMs: count(ENV.safetyMarginMs, 20_000, 0, 900_000),
    maxAttemptsWithoutProgress: count(ENV.maxAttempts, 5, 1, 100),
    parserEngine: readParserEngine(env),
  };
  const table = env[ENV.ledgerTableName];
  const withLedger: IngestConfig =
    table === undefined || table === ''
      ? config
      : {
          ...config,
          ledger: {
            tableName: validTableName(table),
            retentionDays: count(ENV.ledgerRetentionDays, 400, 0, 36_500),
            checkpointEveryLines: count(ENV.checkpointEveryLines, DEFAULT_CHECKPOINT_EVERY_LINES, 1, 100_000_000),
          },
        };
  // The stack name is not part of IngestConfig (telemetry.ts reads it for the metrics' Stack dimension); checked here
  // so a missing variable fails the invocation up front rather than at the first metrics flush.
  readStackName(env);
  return withLedger;
}

function readParserEngine(env: NodeJS.ProcessEnv): ParserEngine {
  const raw = env[ENV.parserEngine];
  const engine = parserEngineNamed(raw);
  if (engine === undefined) {
    throw new IngestConfigError(
      `environment variable ${ENV.parserEngine} must be one of ${PARSER_ENGINES.join(', ')}, got '${raw}'`,
    );
  }
  return engine;
}

function readDeliveryStreams(env: NodeJS.ProcessEnv): Partial<Record<LogTypeId, string>> {
  const streams: Partial<Record<LogTypeId, string>> = {};
  for (const logType of LOG_TYPE_IDS) {
    const name = env[deliveryStreamEnv(logType)];
    if (name) streams[logType] = name;
  }
  if (Object.keys(streams).length === 0) {
    const [first, ...others] = LOG_TYPE_IDS.map(deliveryStreamEnv);
    throw new IngestConfigError(
      `missing required environment variable ${first} (or another of ${others.join(', ')}: one per enabled log type)`,
    );
  }
  return streams;
}

function validTableName(name: string): string {
  if (!TABLE_NAME.test(name)) {
    throw new IngestConfigError(
      `environment variable ${ENV.ledgerTableName} must be a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -), got '${name}'`,
    );
  }
  return name;
}
