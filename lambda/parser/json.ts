/**
 * JSON fragments for the record encoder. Records are built as strings directly (no intermediate object and no
 * JSON.stringify of the whole row) because encoding is on the hot path of every line.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON requires escaping exactly these control characters.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** A JSON string literal for `s`; the common case (nothing to escape) avoids JSON.stringify. */
export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * The one place that decides how timestamps are sent to Firehose: ISO-8601 exactly as ALB wrote it (microseconds,
 * `Z`). AWS's Iceberg samples send this form into `timestamp` columns. The Firehose docs say timestamps must be
 * "sent in microseconds", which no document settles further (epoch seconds or milliseconds reportedly land in 1970
 * or the far future): https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-destination.html. If a
 * deployment (`npm run test:integ`) proves another form is needed, change only this.
 */
export function encodeTimestamp(iso: string): string {
  return `"${iso}"`;
}

/** ISO-8601 UTC as ALB writes it: date, `T`, time, optional fraction (ALB: 6 digits), `Z`. */
const ISO_UTC = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?Z$/;

export function isIsoUtcTimestamp(s: string): boolean {
  return ISO_UTC.test(s);
}

/** ISO-8601 with no zone, as NLB writes it (`2018-12-20T02:59:40`): read as UTC (schema/types.ts). */
const ISO_NO_ZONE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?$/;

export function isIsoTimestampWithoutZone(s: string): boolean {
  return ISO_NO_ZONE.test(s);
}

/** A zone-less ISO time, sent as UTC in the same form as {@link encodeTimestamp}. */
export function encodeTimestampWithoutZone(iso: string): string {
  return encodeTimestamp(`${iso}Z`);
}

const INT = /^-?\d{1,19}$/;
const DECIMAL = /^-?\d{1,15}(\.\d{1,9})?$/;
const INT32_MAX = 2147483647n;
const INT32_MIN = -2147483648n;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * A JSON number literal for an integer field, or undefined when `s` is not an integer in range.
 * @param isLong whether the column is an Iceberg `long` (64-bit) rather than `int` (32-bit)
 */
export function jsonInteger(s: string, isLong: boolean): string | undefined {
  if (!INT.test(s)) return undefined;
  const digits = s.charCodeAt(0) === 45 /* - */ ? s.length - 1 : s.length;
  // Up to 9 digits always fits an int (15 a long's safe range): only longer values pay for a range check.
  if (digits > (isLong ? 15 : 9)) {
    const n = BigInt(s);
    if (isLong ? n > INT64_MAX || n < INT64_MIN : n > INT32_MAX || n < INT32_MIN) return undefined;
    return n.toString();
  }
  // Leading zeros are not valid JSON; only then pay for a Number round trip.
  return hasLeadingZero(s) ? String(Number(s)) : s;
}

/** A JSON number literal for a decimal field (trailing fractional zeros dropped: `0.000` → `0`), or undefined. */
export function jsonDecimal(s: string): string | undefined {
  if (!DECIMAL.test(s)) return undefined;
  if (hasLeadingZero(s)) return String(Number(s));
  const dot = s.indexOf('.');
  if (dot === -1) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48 /* 0 */) end--;
  if (end === dot + 1) end = dot;
  const out = s.slice(0, end);
  return out === '-0' ? '0' : out;
}

/** `01`, `-01`, `00.5`: a zero followed by another digit. */
function hasLeadingZero(s: string): boolean {
  const i = s.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const next = s.charCodeAt(i + 1);
  return s.charCodeAt(i) === 48 && next >= 48 && next <= 57;
}
