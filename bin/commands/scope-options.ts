/**
 * The options `status` and `reconcile` share: which log objects (bucket, prefix, days, accounts, regions, log
 * types), which ledger, and the grace period. Parsing them into a scan scope is pure, so it is unit-tested without any server.
 */

import { dayOf } from '../../lambda/inventory/dates';
import type { ScanScope } from '../../lambda/inventory/ledger-scan';
import { parseLogTypeList } from '../../lambda/inventory/log-type-selection';
import { DEFAULT_GRACE_MINUTES } from '../../lambda/ledger/completeness';
import { LOG_TYPE_IDS, type LogTypeId } from '../../lambda/schema/log-types';
import type { OptionSpecs } from '../args';
import { BackfillUsageError, validateScope } from '../ops/backfill';

export { DEFAULT_GRACE_MINUTES };

export const SCOPE_OPTIONS = {
  bucket: { type: 'string', value: 'BUCKET' },
  prefix: { type: 'string', value: 'PREFIX' },
  from: { type: 'string', value: 'YYYY-MM-DD' },
  to: { type: 'string', value: 'YYYY-MM-DD' },
  account: { type: 'string', multiple: true, value: 'ID' },
  'log-region': { type: 'string', multiple: true, value: 'REGION' },
  type: { type: 'string', multiple: true, value: 'TYPE' },
  'ledger-table': { type: 'string', value: 'TABLE' },
  'grace-minutes': { type: 'string', value: 'N' },
} as const satisfies OptionSpecs;

/** The help text of --type (aligned for a 21-character option column; backfill's is 19 and uses its own). */
export const TYPE_HELP = `  --type TYPE[,TYPE]    Only log files of these types (repeatable): ${LOG_TYPE_IDS.join(', ')}.
                        Log files of other types are counted apart ('not selected'), never missing. Default:
                        every type.`;

/** The help text of the shared options (aligned for a 21-character option column). */
export const SCOPE_HELP = `  --bucket BUCKET       The ALB log bucket.
  --prefix PREFIX       The log prefix configured on the load balancers (access_logs.s3.prefix: the part before
                        AWSLogs/). Default: none.
  --from DATE           First day (the UTC date folder ALB writes, YYYY-MM-DD). Required: every day costs one
                        S3 listing and one ledger query per account and region.
  --to DATE             Last day, inclusive. Default: today (UTC).
  --account ID          Only this account's logs (repeatable). Default: every account found under AWSLogs/.
  --log-region REGION   Only this region folder of the log keys (repeatable). Default: every region folder found.
                        NOT the AWS region the CLI calls (that is AWS_REGION).
${TYPE_HELP}
  --ledger-table TABLE  The object ledger's DynamoDB table (stack output LedgerTableName). Required.
  --grace-minutes N     Objects younger than N minutes that the ledger does not know yet are 'recent' (their
                        notification may still be on its way), not 'missing'. Default: ${DEFAULT_GRACE_MINUTES}.`;

/**
 * Reads `--type` values (each a comma-separated list): the types in a fixed order, undefined when not given, or the
 * problem as a one-line usage error naming the valid types. Pure.
 */
export function parseTypeOption(values: readonly string[] | undefined): readonly LogTypeId[] | undefined | string {
  if (values === undefined) return undefined;
  const parsed = parseLogTypeList(values, '--type');
  return 'problem' in parsed ? parsed.problem : parsed.types;
}

export interface ParsedScope {
  readonly scope: ScanScope;
  /** The last day, resolved (`--to`, or today in UTC). */
  readonly to: string;
  readonly ledgerTable: string;
  readonly graceMinutes: number;
}

type ScopeValues = {
  readonly [K in keyof typeof SCOPE_OPTIONS]?: (typeof SCOPE_OPTIONS)[K] extends { multiple: true } ? string[] : string;
};

/** Reads the shared options; returns the problem (a one-line usage error) when they are not usable. Pure. */
export function parseScope(values: ScopeValues, now: number): ParsedScope | string {
  if (!values.bucket) return '--bucket is required';
  if (!values['ledger-table']) return '--ledger-table is required (the stack output LedgerTableName)';
  if (values.from === undefined) {
    return '--from is required: the first day to check (YYYY-MM-DD); each day costs one listing and one ledger query per account and region';
  }
  const to = values.to ?? dayOf(now);
  const logTypes = parseTypeOption(values.type);
  if (typeof logTypes === 'string') return logTypes;
  const scope: ScanScope = {
    bucket: values.bucket,
    from: values.from,
    to,
    ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
    ...(values.account ? { accounts: values.account } : {}),
    ...(values['log-region'] ? { regions: values['log-region'] } : {}),
    ...(logTypes ? { logTypes } : {}),
  };
  try {
    validateScope(scope);
  } catch (e) {
    if (e instanceof BackfillUsageError) {
      // --to defaulted to today: say so when the range is upside down because of it.
      return values.to === undefined && e.message.includes('is after')
        ? `--from ${values.from} is after today (${to})`
        : e.message;
    }
    throw e;
  }
  const rawGrace = values['grace-minutes'];
  const graceMinutes = rawGrace === undefined ? DEFAULT_GRACE_MINUTES : Number(rawGrace);
  if (rawGrace !== undefined && (rawGrace.trim() === '' || !Number.isFinite(graceMinutes) || graceMinutes < 0)) {
    return `--grace-minutes must be a number of minutes >= 0, got '${rawGrace}'`;
  }
  return { scope, to, ledgerTable: values['ledger-table'], graceMinutes };
}
