/**
 * Every log type the pipeline can ingest, each with its own schema module and Iceberg table. The order is the order
 * of tables in the stack, the README and the CLI's help.
 */
import { ALB_ACCESS } from './alb-access';
import { ALB_CONNECTION } from './alb-connection';
import { ALB_HEALTH_CHECK } from './alb-health-check';
import { CLB_ACCESS } from './clb-access';
import { NLB_ACCESS } from './nlb-access';
import type { LogSchema, LogTypeId } from './types';

export type { LogSchema, LogTypeId } from './types';

export const LOG_SCHEMAS: readonly LogSchema[] = [ALB_ACCESS, ALB_CONNECTION, ALB_HEALTH_CHECK, NLB_ACCESS, CLB_ACCESS];

export const LOG_TYPE_IDS: readonly LogTypeId[] = LOG_SCHEMAS.map((s) => s.id);

const BY_ID = new Map<string, LogSchema>(LOG_SCHEMAS.map((s) => [s.id, s]));

export function isLogTypeId(value: string): value is LogTypeId {
  return BY_ID.has(value);
}

/** The schema of a log type. */
export function logSchemaOf(id: LogTypeId): LogSchema {
  return BY_ID.get(id)!;
}
