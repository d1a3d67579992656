/** Reads the scheduled completeness check's configuration from the environment (names in env.ts), failing clearly. */

import { parseLogTypeList } from '../inventory/log-type-selection';
import { DEFAULT_GRACE_MINUTES } from '../ledger/completeness';
import { LOG_TYPE_IDS, type LogTypeId } from '../schema/log-types';
import { CHECK_ENV } from './env';

export interface CheckConfig {
  readonly logBucket: string;
  /** The load balancers' log prefix ('' for none). */
  readonly logPrefix: string;
  readonly ledgerTableName: string;
  readonly stackName: string;
  readonly graceMinutes: number;
  /** Days checked before today (UTC). */
  readonly lookbackDays: number;
  readonly autoEnqueue: boolean;
  /** The log types the deployment ingests (LOG_TYPES; every type when unset). */
  readonly logTypes: readonly LogTypeId[];
  /** Set when autoEnqueue is. */
  readonly ingestQueueUrl: string | undefined;
}

export class CheckConfigError extends Error {
  override name = 'CheckConfigError';
}

/** Longest look-back: each day costs a listing and a ledger query per account and region, every run. */
export const MAX_LOOKBACK_DAYS = 31;

export function readCheckConfig(env: NodeJS.ProcessEnv): CheckConfig {
  const required = (name: string): string => {
    const v = env[name];
    if (!v) throw new CheckConfigError(`missing required environment variable ${name}`);
    return v;
  };
  const number = (name: string, fallback: number, min: number, max: number, integer: boolean): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
      throw new CheckConfigError(
        `environment variable ${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got '${raw}'`,
      );
    }
    return v;
  };
  const rawAuto = env[CHECK_ENV.autoEnqueue] ?? '';
  if (!['', 'true', 'false'].includes(rawAuto)) {
    throw new CheckConfigError(
      `environment variable ${CHECK_ENV.autoEnqueue} must be 'true' or 'false', got '${rawAuto}'`,
    );
  }
  const autoEnqueue = rawAuto === 'true';
  const queue = env[CHECK_ENV.ingestQueueUrl] || undefined;
  if (autoEnqueue && queue === undefined) {
    throw new CheckConfigError(
      `environment variable ${CHECK_ENV.ingestQueueUrl} is required when ${CHECK_ENV.autoEnqueue} is true`,
    );
  }
  const rawTypes = env[CHECK_ENV.logTypes];
  const types =
    rawTypes === undefined
      ? { types: LOG_TYPE_IDS }
      : parseLogTypeList([rawTypes], `environment variable ${CHECK_ENV.logTypes}`);
  if ('problem' in types) throw new CheckConfigError(types.problem);
  return {
    logBucket: required(CHECK_ENV.logBucket),
    logPrefix: env[CHECK_ENV.logPrefix] ?? '',
    ledgerTableName: required(CHECK_ENV.ledgerTableName),
    stackName: required(CHECK_ENV.stackName),
    // A day at most: beyond that an object without a notification is long overdue anyway.
    graceMinutes: number(CHECK_ENV.graceMinutes, DEFAULT_GRACE_MINUTES, 0, 1440, false),
    lookbackDays: number(CHECK_ENV.lookbackDays, 1, 0, MAX_LOOKBACK_DAYS, true),
    autoEnqueue,
    logTypes: types.types,
    ingestQueueUrl: queue,
  };
}
