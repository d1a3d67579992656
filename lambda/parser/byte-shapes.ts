/**
 * Allocation-free checks on a span of raw log bytes for the shapes ALB writes almost always. Each answers "is it
 * the common shape", never "is it invalid": anything else goes to the reference parser (line-parser.ts), which
 * decides. So the fast path can never accept what the reference rejects, and it stays small.
 */

const ZERO = 48;
const NINE = 57;
const MINUS = 45;
const DOT = 46;
const COLON = 58;
const T = 84;
const Z = 90;

const isDigit = (c: number) => c >= ZERO && c <= NINE;

/** `-?[1-9][0-9]*` or `0`, at most `maxDigits` digits: valid JSON as is, and always in range for the column. */
export function isPlainInteger(b: Uint8Array, s: number, e: number, maxDigits: number): boolean {
  let i = b[s] === MINUS ? s + 1 : s;
  const digits = e - i;
  if (digits < 1 || digits > maxDigits) return false;
  if (digits > 1 && b[i] === ZERO) return false;
  for (; i < e; i++) if (!isDigit(b[i]!)) return false;
  return true;
}

/**
 * For `-?digits(.digits)?` without leading zeros (at most 15 integer and 9 fraction digits): the end of the
 * shortest equal JSON number (trailing fractional zeros dropped, `0.000` → `0`), else -1.
 */
export function plainDecimalEnd(b: Uint8Array, s: number, e: number): number {
  let i = b[s] === MINUS ? s + 1 : s;
  const intStart = i;
  while (i < e && isDigit(b[i]!)) i++;
  const intDigits = i - intStart;
  if (intDigits < 1 || intDigits > 15 || (intDigits > 1 && b[intStart] === ZERO)) return -1;
  if (i === e) return e;
  if (b[i] !== DOT) return -1;
  const dot = i++;
  while (i < e && isDigit(b[i]!)) i++;
  if (i !== e || i === dot + 1 || i - dot > 10) return -1;
  let t = e;
  while (t > dot + 1 && b[t - 1] === ZERO) t--;
  if (t === dot + 1) t = dot;
  if (t - s === 2 && b[s] === MINUS && b[s + 1] === ZERO) return -1; // "-0"
  return t;
}

/** Two digits at `at` as a number, or -1. */
function twoDigits(b: Uint8Array, at: number): number {
  const hi = b[at]! - ZERO;
  const lo = b[at + 1]! - ZERO;
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : -1;
}

/** Exactly ALB's form `YYYY-MM-DDTHH:MM:SS.ffffffZ`, with every field in range. */
export function isAlbTimestamp(b: Uint8Array, s: number, e: number): boolean {
  if (e - s !== 27) return false;
  if (b[s + 4] !== MINUS || b[s + 7] !== MINUS || b[s + 10] !== T || b[s + 13] !== COLON) return false;
  if (b[s + 16] !== COLON || b[s + 19] !== DOT || b[s + 26] !== Z) return false;
  if (twoDigits(b, s) < 0 || twoDigits(b, s + 2) < 0) return false;
  const month = twoDigits(b, s + 5);
  const day = twoDigits(b, s + 8);
  const hour = twoDigits(b, s + 11);
  const minute = twoDigits(b, s + 14);
  const second = twoDigits(b, s + 17);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return false;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  for (let k = s + 20; k < s + 26; k++) if (!isDigit(b[k]!)) return false;
  return true;
}

/** A port as ALB writes it: 1–5 digits, no leading zero (except `0`), at most 65535. Returns -1 otherwise. */
export function plainPort(b: Uint8Array, s: number, e: number): number {
  const digits = e - s;
  if (digits < 1 || digits > 5 || (digits > 1 && b[s] === ZERO)) return -1;
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - ZERO);
  }
  return n <= 65535 ? n : -1;
}
