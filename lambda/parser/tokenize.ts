/**
 * Splits one ALB log line into fields: single spaces separate fields, and a field that starts with `"` runs to the
 * next unescaped `"`. Values are kept verbatim (the surrounding quotes excluded): ALB writes a quote inside a field
 * as the four characters `\x22`, which stay as they are, and a backslash-escaped `\"` (other writers, hand-made
 * files) does not end the field. A lone backslash is data.
 *
 * The reference tokenizer (line-parser.ts). The line kernel (kernel/) splits raw bytes the same way on its fast path.
 */

const SPACE = 32;
const QUOTE = 34;
const BACKSLASH = 92;

/** Field offsets for one line, reused between lines to avoid allocation. */
export class FieldOffsets {
  /** Start of each field's value (after the opening quote for quoted fields). */
  readonly start: Int32Array;
  /** End (exclusive) of each field's value (before the closing quote). */
  readonly end: Int32Array;
  /** 1 where the field was quoted. */
  readonly quoted: Uint8Array;
  /** Fields read. */
  count = 0;
  /** Offset of the unread remainder when the scan stopped at `maxFields`, else -1. */
  restStart = -1;

  constructor(readonly capacity: number) {
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.quoted = new Uint8Array(capacity);
  }

  /** The value of field `i`, verbatim. */
  value(line: string, i: number): string {
    return line.slice(this.start[i]!, this.end[i]!);
  }
}

/**
 * Reads up to `out.capacity` fields of `line` into `out`.
 * @returns undefined on success, else why the line cannot be split (unterminated or malformed quoted field)
 */
export function tokenize(line: string, out: FieldOffsets): string | undefined {
  const len = line.length;
  const max = out.capacity;
  const { start, end, quoted } = out;
  let pos = 0;
  let count = 0;
  out.restStart = -1;
  for (;;) {
    if (count === max) {
      out.restStart = pos;
      break;
    }
    let after: number;
    if (line.charCodeAt(pos) === QUOTE) {
      let close = line.indexOf('"', pos + 1);
      while (close !== -1 && isEscaped(line, close)) close = line.indexOf('"', close + 1);
      if (close === -1) return `unterminated quoted field ${count + 1} (starts at offset ${pos})`;
      start[count] = pos + 1;
      end[count] = close;
      quoted[count] = 1;
      count++;
      after = close + 1;
      if (after < len && line.charCodeAt(after) !== SPACE) {
        return `unexpected character after the closing quote of field ${count} (offset ${after})`;
      }
    } else {
      after = line.indexOf(' ', pos);
      if (after === -1) after = len;
      start[count] = pos;
      end[count] = after;
      quoted[count] = 0;
      count++;
    }
    if (after >= len) break;
    pos = after + 1;
  }
  out.count = count;
  return undefined;
}

/**
 * Reads up to `out.capacity` fields of `line` into `out`, every field ending at the next space: for formats that quote
 * nothing (NLB), so a token with quotes inside (`"h2","http/1.1"`) is kept verbatim.
 * @returns undefined: a line of such a format can always be split
 */
export function splitAtSpaces(line: string, out: FieldOffsets): string | undefined {
  const len = line.length;
  const max = out.capacity;
  const { start, end, quoted } = out;
  let pos = 0;
  let count = 0;
  out.restStart = -1;
  for (;;) {
    if (count === max) {
      out.restStart = pos;
      break;
    }
    let after = line.indexOf(' ', pos);
    if (after === -1) after = len;
    start[count] = pos;
    end[count] = after;
    quoted[count] = 0;
    count++;
    if (after >= len) break;
    pos = after + 1;
  }
  out.count = count;
  return undefined;
}

/** True when the quote at `at` is preceded by an odd number of backslashes. */
function isEscaped(line: string, at: number): boolean {
  let n = 0;
  while (at - n - 1 >= 0 && line.charCodeAt(at - n - 1) === BACKSLASH) n++;
  return n % 2 === 1;
}
