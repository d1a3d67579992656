/**
 * The `--now` instant of `alb-iceberg query`: UTC, written as ISO-8601 (`2026-11-23T18:05:00Z`, the seconds and
 * fraction optional, `T` or a space), and given to DuckDB as a TIMESTAMP without zone, the type of "time".
 */

const INSTANT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d{1,6})?)?Z?$/;

/**
 * `text` as `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC), or null when it is not a UTC instant of that form or not a real
 * date and time. An offset other than `Z` is refused rather than converted: the tables hold UTC.
 */
export function utcTimestamp(text: string): string | null {
  const m = INSTANT.exec(text);
  if (!m) return null;
  const [, day, hourMinute, rest] = m;
  const seconds = rest ?? ':00';
  // Date.parse accepts 24:00 and rolls 2026-02-30 over; the round trip catches both.
  const whole = `${day}T${hourMinute}${seconds.slice(0, 3)}`;
  const ms = Date.parse(`${whole}Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== whole) return null;
  return `${day} ${hourMinute}${seconds}`;
}
