/**
 * Which log types an operator run or the scheduled check covers: every type by default, or the types named by
 * `--type` (CLI) or LOG_TYPES (check). A log file of a type outside the selection is set apart and counted, never
 * judged missing nor enqueued: a deployment that does not ingest a type has no notification, stream or ledger
 * entry for it, so "never seen" would be a false alarm. Pure.
 */
import { LOG_TYPE_IDS, type LogTypeId } from '../schema/log-types';

/** A parsed list of log types, or why it is not one (a one-line message naming the valid types). */
export type LogTypeListResult = { readonly types: readonly LogTypeId[] } | { readonly problem: string };

/**
 * Parses log type names given as a list of comma-separated items (`['alb-access,clb-access', 'nlb-access']`):
 * duplicates are dropped and the result is in the order of {@link LOG_TYPE_IDS}, so two spellings of one selection
 * compare equal (the backfill checkpoint's identity depends on it).
 * @param what how the caller names the input in a message (`--type`, `environment variable LOG_TYPES`)
 */
export function parseLogTypeList(items: readonly string[], what: string): LogTypeListResult {
  const names = items.flatMap((item) => item.split(',')).map((s) => s.trim());
  const valid = LOG_TYPE_IDS.join(', ');
  if (names.length === 0 || names.some((n) => n === '')) {
    return { problem: `${what} must name log types separated by commas (${valid}), got '${items.join(',')}'` };
  }
  const unknown = names.filter((n) => !(LOG_TYPE_IDS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    return { problem: `${what}: unknown log type '${unknown[0]}'; valid types: ${valid}` };
  }
  return { types: LOG_TYPE_IDS.filter((t) => names.includes(t)) };
}

/** The set of selected types; `undefined` (no selection given) is every type. */
export function selectedTypes(types: readonly LogTypeId[] | undefined): ReadonlySet<LogTypeId> {
  return new Set(types ?? LOG_TYPE_IDS);
}

/** Counts per log type; a type without any is absent. */
export type TypeCounts = Partial<Record<LogTypeId, number>>;

/** Adds one to a type's count. */
export function countType(counts: TypeCounts, type: LogTypeId, n = 1): void {
  counts[type] = (counts[type] ?? 0) + n;
}
