/** The `--since` argument of `errors` and `redrive`: a day or an instant. */
import { parseDay } from '../../lambda/inventory/dates';

/**
 * Parses a `--since` value: `YYYY-MM-DD` (UTC midnight) or an ISO-8601 instant with a time zone
 * (`2026-11-23T18:00:00Z`). Returns ms since epoch, or undefined when invalid.
 */
export function parseInstant(text: string): number | undefined {
  const day = parseDay(text);
  if (day !== undefined) return day;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
