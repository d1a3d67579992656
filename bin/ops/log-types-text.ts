/** How the operator commands print a selection of log types and counts per type. Pure. */
import type { TypeCounts } from '../../lambda/inventory/log-type-selection';
import { LOG_TYPE_IDS, type LogTypeId } from '../../lambda/schema/log-types';

/** Whether a selection is every type (then messages and documents need not name it). */
export function isEveryType(types: readonly LogTypeId[] | undefined): boolean {
  return types === undefined || LOG_TYPE_IDS.every((t) => types.includes(t));
}

/** `alb-access 3, clb-access 1` (in the order of LOG_TYPE_IDS), or '' when every count is zero. */
export function typeCountsText(counts: TypeCounts): string {
  return LOG_TYPE_IDS.filter((t) => (counts[t] ?? 0) > 0)
    .map((t) => `${t} ${counts[t]}`)
    .join(', ');
}
