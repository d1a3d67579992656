/**
 * Splits one ALB log line into fields: single spaces separate fields, and a field that starts with `"` runs to the
 * next unescaped `"`. Values are returned verbatim (without the surrounding quotes): ALB writes a quote inside a field
 * as the four characters `\x22`, which stay as they are, and a backslash-escaped `\"` (other writers, hand-made files)
 * does not end the field. A lone backslash is data.
 */

const SPACE = 32;
const QUOTE = 34;
const BACKSLASH = 92;

/** Why a line could not be split into fields. */
export type TokenizeError = { readonly error: string };

/** Result of {@link tokenize}: how many fields were read, and where the unread remainder starts (or -1). */
export interface Tokens {
  /** Number of entries filled in the `out` array. */
  readonly count: number;
  /** Offset of the first character after the last field read, when `maxFields` stopped the scan early; else -1. */
  readonly restStart: number;
}

/**
 * Reads up to `maxFields` fields of `line` into `out` (reused between calls to avoid allocation).
 * @returns the field count and where the remainder starts, or an error for an unterminated or malformed quoted field.
 */
export function tokenize(line: string, maxFields: number, out: string[]): Tokens | TokenizeError {
  const len = line.length;
  let pos = 0;
  let count = 0;
  for (;;) {
    if (count === maxFields) return { count, restStart: pos };
    let end: number;
    if (line.charCodeAt(pos) === QUOTE) {
      const start = pos + 1;
      let close = line.indexOf('"', start);
      while (close !== -1 && isEscaped(line, close)) close = line.indexOf('"', close + 1);
      if (close === -1) return { error: `unterminated quoted field ${count + 1} (starts at offset ${pos})` };
      out[count++] = line.slice(start, close);
      end = close + 1;
      if (end < len && line.charCodeAt(end) !== SPACE) {
        return { error: `unexpected character after the closing quote of field ${count} (offset ${end})` };
      }
    } else {
      end = line.indexOf(' ', pos);
      if (end === -1) end = len;
      out[count++] = line.slice(pos, end);
    }
    if (end >= len) return { count, restStart: -1 };
    pos = end + 1;
  }
}

/** True when the quote at `at` is preceded by an odd number of backslashes. */
function isEscaped(line: string, at: number): boolean {
  let n = 0;
  while (at - n - 1 >= 0 && line.charCodeAt(at - n - 1) === BACKSLASH) n++;
  return n % 2 === 1;
}
