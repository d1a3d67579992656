/**
 * Allocation-free checks on a span of a line for the shapes ALB writes almost always. Each returns "not the common
 * shape" rather than "invalid": the caller then falls back to the general (slower, regex-based) check in json.ts,
 * which decides. Keeping both lets the hot path stay fast without ever accepting what the general check rejects.
 */

const ZERO = 48;
const NINE = 57;
const MINUS = 45;
const DOT = 46;

const isDigit = (c: number) => c >= ZERO && c <= NINE;

/** `-?[1-9][0-9]*` or `0`, at most `maxDigits` digits: valid JSON and always in range for the column. */
export function isPlainInteger(line: string, s: number, e: number, maxDigits: number): boolean {
  let i = line.charCodeAt(s) === MINUS ? s + 1 : s;
  const digits = e - i;
  if (digits < 1 || digits > maxDigits) return false;
  if (digits > 1 && line.charCodeAt(i) === ZERO) return false;
  for (; i < e; i++) if (!isDigit(line.charCodeAt(i))) return false;
  return true;
}

/**
 * For `-?digits(.digits)?` without leading zeros: the end of the shortest equal JSON number (trailing fractional
 * zeros dropped, `0.000` → `0`), else -1.
 */
export function plainDecimalEnd(line: string, s: number, e: number): number {
  let i = line.charCodeAt(s) === MINUS ? s + 1 : s;
  const intStart = i;
  while (i < e && isDigit(line.charCodeAt(i))) i++;
  const intDigits = i - intStart;
  if (intDigits < 1 || intDigits > 15 || (intDigits > 1 && line.charCodeAt(intStart) === ZERO)) return -1;
  if (i === e) return e;
  if (line.charCodeAt(i) !== DOT) return -1;
  const dot = i++;
  while (i < e && isDigit(line.charCodeAt(i))) i++;
  if (i !== e || i === dot + 1 || i - dot > 10) return -1;
  let t = e;
  while (t > dot + 1 && line.charCodeAt(t - 1) === ZERO) t--;
  if (t === dot + 1) t = dot;
  if (t - s === 2 && line.charCodeAt(s) === MINUS && line.charCodeAt(s + 1) === ZERO) return -1; // "-0"
  return t;
}

/** Two digits at `at` as a number, or -1. */
function twoDigits(line: string, at: number): number {
  const a = line.charCodeAt(at) - ZERO;
  const b = line.charCodeAt(at + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Exactly ALB's form `YYYY-MM-DDTHH:MM:SS.ffffffZ` with fields in range. */
export function isAlbTimestampAt(line: string, s: number, e: number): boolean {
  if (e - s !== 27) return false;
  const c = (k: number) => line.charCodeAt(s + k);
  if (c(4) !== MINUS || c(7) !== MINUS || c(10) !== 84 /* T */ || c(13) !== 58 || c(16) !== 58) return false;
  if (c(19) !== DOT || c(26) !== 90 /* Z */) return false;
  if (twoDigits(line, s) < 0 || twoDigits(line, s + 2) < 0) return false;
  const month = twoDigits(line, s + 5);
  const day = twoDigits(line, s + 8);
  const hour = twoDigits(line, s + 11);
  const minute = twoDigits(line, s + 14);
  const second = twoDigits(line, s + 17);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return false;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  for (let k = 20; k < 26; k++) if (!isDigit(c(k))) return false;
  return true;
}
