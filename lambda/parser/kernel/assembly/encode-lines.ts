/**
 * AssemblyScript, compiled to WebAssembly by ../build.ts (`npm run build:kernel`): the hot path of the parser.
 * Each line of a batch, as raw bytes, becomes the exact UTF-8 JSON record sent to Firehose, or the answer
 * "not the common shape" (FALLBACK), in which case the caller hands the line to the reference parser
 * (../../line-parser.ts), which decides. The kernel therefore never rejects a line and never defines the format:
 * a test requires its bytes to equal the reference parser's on every line it answers.
 *
 * It knows nothing of column names: the host (../line-kernel.ts) writes the schema's JSON keys and field decoders
 * into the kernel's configuration once, from lambda/schema/alb-access.ts.
 *
 * Memory (wasm32, no allocator: the stub runtime is linked but never called):
 *   static data   field scratch, field table, key bytes          (fixed, below __heap_base)
 *   heap          suffix | input | line table | results | output (laid out by reserve(), grown on demand)
 * Every region is followed by SLACK bytes, because spans are searched and copied 16 bytes at a time: a search or
 * copy may read up to 15 bytes past its span, and a copy may write up to 15 past its destination (overwritten by
 * what is written next).
 */

// Field decoders: the numbers ../line-kernel.ts maps the schema's FieldDecoder names to.
const STRING: i32 = 0;
const INT: i32 = 1;
const LONG: i32 = 2;
const DOUBLE: i32 = 3;
const TIMESTAMP: i32 = 4;
const HOST_PORT: i32 = 5;
const REQUEST: i32 = 6;

/** Line status in the results table. */
const ENCODED: i32 = 0;
const ENCODED_WITH_EXTRA_FIELDS: i32 = 1;
const FALLBACK: i32 = -1;

const SPACE: u32 = 32;
const QUOTE: u32 = 34;
const DASH: u32 = 45;
const DOT: u32 = 46;
const ZERO: u32 = 48;
const NINE: u32 = 57;
const COLON: u32 = 58;
const OPEN_BRACKET: u32 = 91;
const BACKSLASH: u32 = 92;
const CLOSE_BRACKET: u32 = 93;
const T: u32 = 84;
const Z: u32 = 90;

export const MAX_FIELDS: i32 = 64;
export const KEY_BYTES: i32 = 8192;
const SLACK: usize = 32;
/** Per field: decoder, then (offset, length) of up to three keys in KEYS. */
const FIELD_ENTRY: usize = 32;
const LINE_ENTRY: usize = 12;
const RESULT_ENTRY: usize = 8;

const FIELD_START = memory.data(MAX_FIELDS * 4, 16);
const FIELD_END = memory.data(MAX_FIELDS * 4, 16);
const FIELD_QUOTED = memory.data(MAX_FIELDS, 16);
const FIELD_TABLE = memory.data(MAX_FIELDS * <i32>FIELD_ENTRY, 16);
const KEYS = memory.data(KEY_BYTES + <i32>SLACK, 16);

let knownFields: i32 = 0;
let minFields: i32 = 0;
let recordStart: usize = 0;
let recordStartLength: i32 = 0;
let extraKey: usize = 0;
let extraKeyLength: i32 = 0;

let suffixBase: usize = 0;
let inputBase: usize = 0;
let linesBase: usize = 0;
let resultsBase: usize = 0;
let outputBase: usize = 0;

/** Where the unread rest of the line starts when it has more fields than the schema knows, else -1. */
let restStart: isize = -1;

// ---- configuration (once per instance) ----

/** Where the host writes the JSON key bytes (KEY_BYTES at most) before calling defineField and configure. */
export function keysPointer(): usize {
  return KEYS;
}

/** Field `index` is decoded by `decoder` into the columns whose keys are at KEYS + offset (length 0: unused). */
export function defineField(
  index: i32,
  decoder: i32,
  key0: i32,
  length0: i32,
  key1: i32,
  length1: i32,
  key2: i32,
  length2: i32,
): void {
  if (index < 0 || index >= MAX_FIELDS) unreachable();
  const entry = FIELD_TABLE + <usize>index * FIELD_ENTRY;
  store<i32>(entry, decoder);
  store<i32>(entry, key0, 4);
  store<i32>(entry, length0, 8);
  store<i32>(entry, key1, 12);
  store<i32>(entry, length1, 16);
  store<i32>(entry, key2, 20);
  store<i32>(entry, length2, 24);
}

/** The schema's shape: how many fields it knows, the fewest a line may have, and the record-start and extra keys. */
export function configure(
  fields: i32,
  minimumFields: i32,
  startOffset: i32,
  startLength: i32,
  extraOffset: i32,
  extraLength: i32,
): void {
  if (fields < 1 || fields > MAX_FIELDS) unreachable();
  knownFields = fields;
  minFields = minimumFields;
  recordStart = KEYS + <usize>startOffset;
  recordStartLength = startLength;
  extraKey = KEYS + <usize>extraOffset;
  extraKeyLength = extraLength;
}

// ---- memory layout (before each batch) ----

const align = (n: usize): usize => (n + 15) & ~(<usize>15);

/** Lays out the heap regions for a batch of this size, growing memory if needed (a trap if it cannot grow). */
export function reserve(suffixBytes: i32, inputBytes: i32, lines: i32, outputBytes: i32): void {
  suffixBase = align(__heap_base);
  inputBase = align(suffixBase + <usize>suffixBytes + SLACK);
  linesBase = align(inputBase + <usize>inputBytes + SLACK);
  resultsBase = align(linesBase + <usize>lines * LINE_ENTRY);
  outputBase = align(resultsBase + <usize>lines * RESULT_ENTRY);
  const end = outputBase + <usize>outputBytes + SLACK;
  const pages = <i32>((end + 0xffff) >> 16);
  const have = memory.size();
  if (pages > have && memory.grow(pages - have) < 0) unreachable();
}

export function suffixPointer(): usize {
  return suffixBase;
}
export function inputPointer(): usize {
  return inputBase;
}
/** Per line: start and end (relative to the input) and line number, as three i32. */
export function linesPointer(): usize {
  return linesBase;
}
/** Per line, written by encode: the end of its record (relative to the output) and its status, as two i32. */
export function resultsPointer(): usize {
  return resultsBase;
}
export function outputPointer(): usize {
  return outputBase;
}

// ---- encoding ----

/** Encodes every line of the line table; records are written one after another. Returns the output length. */
export function encode(lineCount: i32, suffixLength: i32): i32 {
  let out = outputBase;
  for (let i = 0; i < lineCount; i++) {
    const line = linesBase + <usize>i * LINE_ENTRY;
    const s = inputBase + <usize>load<i32>(line);
    const e = inputBase + <usize>load<i32>(line, 4);
    const end = encodeLine(s, e, load<i32>(line, 8), out, suffixLength);
    const result = resultsBase + <usize>i * RESULT_ENTRY;
    if (end === 0) {
      store<i32>(result, <i32>(out - outputBase));
      store<i32>(result, FALLBACK, 4);
    } else {
      out = end;
      store<i32>(result, <i32>(out - outputBase));
      store<i32>(result, restStart >= 0 ? ENCODED_WITH_EXTRA_FIELDS : ENCODED, 4);
    }
  }
  return <i32>(out - outputBase);
}

/** Writes the record for the line `[s, e)` at `out` and returns its end, or 0 (FALLBACK: output undefined). */
function encodeLine(s: usize, e: usize, lineNumber: i32, out: usize, suffixLength: i32): usize {
  while (e > s && <u32>load<u8>(e - 1) === SPACE) e--;
  const scan = scanLine(s, e);
  if (scan < 0) return 0;
  const escaped = scan === 1;
  const count = tokenize(s, e, escaped);
  if (count < minFields) return 0;
  let p = copy(out, recordStart, recordStartLength);
  p = writeDecimal(p, lineNumber);
  for (let i = 0; i < count; i++) {
    const fs = <usize>load<i32>(FIELD_START + <usize>i * 4);
    const fe = <usize>load<i32>(FIELD_END + <usize>i * 4);
    if (fe - fs === 1 && <u32>load<u8>(fs) === DASH) continue;
    const entry = FIELD_TABLE + <usize>i * FIELD_ENTRY;
    const decoder = load<i32>(entry);
    const quoted = load<u8>(FIELD_QUOTED + <usize>i) !== 0;
    if (decoder === STRING) {
      if (fe === fs) continue;
      p = writeKey(p, entry, 0);
      p = writeString(p, fs, fe, escaped);
    } else if (decoder === INT || decoder === LONG) {
      if (quoted || !isPlainInteger(fs, fe, decoder === LONG ? 15 : 9)) return 0;
      p = writeKey(p, entry, 0);
      p = copy(p, fs, <i32>(fe - fs));
    } else if (decoder === DOUBLE) {
      const numberEnd: usize = quoted ? 0 : plainDecimalEnd(fs, fe);
      if (numberEnd === 0) return 0;
      p = writeKey(p, entry, 0);
      p = copy(p, fs, <i32>(numberEnd - fs));
    } else if (decoder === TIMESTAMP) {
      // The host's encodeTimestamp (json.ts) sends ALB's form unchanged, so a quoted copy is the same bytes.
      if (!isAlbTimestamp(fs, fe)) return 0;
      p = writeKey(p, entry, 0);
      p = writeString(p, fs, fe, false);
    } else if (decoder === HOST_PORT) {
      p = writeHostPort(p, fs, fe, entry, escaped);
      if (p === 0) return 0;
    } else if (decoder === REQUEST) {
      p = writeRequest(p, fs, fe, entry, escaped);
    } else {
      return 0;
    }
  }
  if (restStart >= 0) {
    p = copy(p, extraKey, extraKeyLength);
    // The rest holds whole fields, quotes included: always escaped.
    p = writeString(p, <usize>restStart, e, true);
  }
  return copy(p, suffixBase, suffixLength);
}

/**
 * One pass over the line, 16 bytes at a time: -1 if any byte is outside printable ASCII (control characters,
 * DEL, UTF-8 sequences: the reference parser decides those lines), 1 if it has a backslash, else 0.
 */
function scanLine(s: usize, e: usize): i32 {
  const low = i8x16.splat(0x20);
  const high = i8x16.splat(0x7e);
  const backslash = i8x16.splat(<i8>BACKSLASH);
  let bad = i8x16.splat(0);
  let escapes = i8x16.splat(0);
  let i = s;
  for (; i + 16 <= e; i += 16) {
    const v = v128.load(i);
    bad = v128.or(bad, v128.or(i8x16.lt_u(v, low), i8x16.gt_u(v, high)));
    escapes = v128.or(escapes, i8x16.eq(v, backslash));
  }
  if (v128.any_true(bad)) return -1;
  let hasEscape = v128.any_true(escapes);
  for (; i < e; i++) {
    const c = <u32>load<u8>(i);
    if (c < 0x20 || c > 0x7e) return -1;
    if (c === BACKSLASH) hasEscape = true;
  }
  return hasEscape ? 1 : 0;
}

function setField(index: i32, start: usize, end: usize, quoted: u8): void {
  store<i32>(FIELD_START + <usize>index * 4, <i32>start);
  store<i32>(FIELD_END + <usize>index * 4, <i32>end);
  store<u8>(FIELD_QUOTED + <usize>index, quoted);
}

/**
 * The first byte at or after `pos` equal to `a` or `b`, searched 16 bytes at a time; `e` if there is none before
 * `e`. A search may read up to 15 bytes past `e` (SLACK); a match there counts as none.
 */
function nextOf(pos: usize, e: usize, a: v128, b: v128): usize {
  for (; pos < e; pos += 16) {
    const v = v128.load(pos);
    const mask = i8x16.bitmask(v128.or(i8x16.eq(v, a), i8x16.eq(v, b)));
    if (mask !== 0) {
      const at = pos + <usize>ctz(mask);
      return at < e ? at : e;
    }
  }
  return e;
}

/**
 * Splits `[s, e)` into at most knownFields fields, exactly as tokenize.ts does, or returns FALLBACK for anything
 * unusual: a quote inside an unquoted field, an unterminated quoted field, text right after a closing quote.
 * In a line with backslashes (`escaped`), a `\` inside a quoted field escapes the next byte, so `\"` does not
 * close the field; outside quotes a backslash is data.
 */
function tokenize(s: usize, e: usize, escaped: bool): i32 {
  const space = i8x16.splat(<i8>SPACE);
  const quote = i8x16.splat(<i8>QUOTE);
  // Inside quotes the search stops at quotes and, in an escaped line, at backslashes too.
  const inQuotes = escaped ? i8x16.splat(<i8>BACKSLASH) : quote;
  let pos = s;
  let count = 0;
  restStart = -1;
  for (;;) {
    if (count === knownFields) {
      restStart = <isize>pos;
      break;
    }
    let after: usize;
    if (pos < e && <u32>load<u8>(pos) === QUOTE) {
      let close = nextOf(pos + 1, e, quote, inQuotes);
      while (close < e && <u32>load<u8>(close) === BACKSLASH) {
        if (close + 1 >= e) return FALLBACK;
        close = nextOf(close + 2, e, quote, inQuotes);
      }
      if (close >= e) return FALLBACK;
      setField(count, pos + 1, close, 1);
      after = close + 1;
      if (after < e && <u32>load<u8>(after) !== SPACE) return FALLBACK;
    } else {
      after = nextOf(pos, e, space, quote);
      if (after < e && <u32>load<u8>(after) === QUOTE) return FALLBACK;
      setField(count, pos, after, 0);
    }
    count++;
    if (after >= e) break;
    pos = after + 1;
  }
  return count;
}

/** `ip:port` split at the last colon; `[ip]` loses its brackets. Returns 0 (FALLBACK) if it is not that shape. */
function writeHostPort(p: usize, s: usize, e: usize, entry: usize, escaped: bool): usize {
  let colon = e - 1;
  while (colon > s && <u32>load<u8>(colon) !== COLON) colon--;
  if (colon <= s || !isPlainPort(colon + 1, e)) return 0;
  let ipStart = s;
  let ipEnd = colon;
  if (<u32>load<u8>(s) === OPEN_BRACKET && ipEnd - ipStart >= 2 && <u32>load<u8>(ipEnd - 1) === CLOSE_BRACKET) {
    ipStart++;
    ipEnd--;
  }
  p = writeKey(p, entry, 0);
  p = writeString(p, ipStart, ipEnd, escaped);
  p = writeKey(p, entry, 1);
  return copy(p, colon + 1, <i32>(e - colon - 1));
}

/**
 * `VERB url PROTO`, split at the first and last space after trimming spaces, the last token being the protocol only
 * when shaped like one (`HTTP/d`, `HTTP/d.d` or `-`), as line-parser.ts does.
 */
function writeRequest(p: usize, s: usize, e: usize, entry: usize, escaped: bool): usize {
  while (s < e && <u32>load<u8>(s) === SPACE) s++;
  while (e > s && <u32>load<u8>(e - 1) === SPACE) e--;
  let first = s;
  while (first < e && <u32>load<u8>(first) !== SPACE) first++;
  if (first === e) return writeColumn(p, entry, 1, s, e, escaped);
  let last = e - 1;
  while (<u32>load<u8>(last) !== SPACE) last--;
  if (last !== first && !isProtocol(last + 1, e)) last = first;
  p = writeColumn(p, entry, 0, s, first, escaped);
  if (last === first) return writeColumn(p, entry, 1, first + 1, e, escaped);
  p = writeColumn(p, entry, 1, first + 1, last, escaped);
  return writeColumn(p, entry, 2, last + 1, e, escaped);
}

/** `[s, e)` is `-`, `HTTP/d` or `HTTP/d.d` (d a digit). */
function isProtocol(s: usize, e: usize): bool {
  const n = e - s;
  if (n === 1) return <u32>load<u8>(s) === DASH;
  if (n !== 6 && n !== 8) return false;
  if (load<u32>(s) !== 0x50545448 || <u32>load<u8>(s, 4) !== 0x2f || !isDigit(<u32>load<u8>(s, 5))) return false;
  return n === 6 || (<u32>load<u8>(s, 6) === 0x2e && isDigit(<u32>load<u8>(s, 7)));
}

/** A string column, omitted when its value is empty or `-`. */
function writeColumn(p: usize, entry: usize, key: i32, s: usize, e: usize, escaped: bool): usize {
  if (e === s || (e - s === 1 && <u32>load<u8>(s) === DASH)) return p;
  p = writeKey(p, entry, key);
  return writeString(p, s, e, escaped);
}

function writeKey(p: usize, entry: usize, key: i32): usize {
  const at = entry + 4 + <usize>key * 8;
  return copy(p, KEYS + <usize>load<i32>(at), load<i32>(at, 4));
}

/** A JSON string of printable ASCII: only `"` and `\` need escaping, and only lines with a backslash have them. */
function writeString(p: usize, s: usize, e: usize, escaped: bool): usize {
  store<u8>(p++, <u8>QUOTE);
  if (escaped) {
    for (let i = s; i < e; i++) {
      const c = load<u8>(i);
      if (<u32>c === QUOTE || <u32>c === BACKSLASH) store<u8>(p++, <u8>BACKSLASH);
      store<u8>(p++, c);
    }
  } else {
    p = copy(p, s, <i32>(e - s));
  }
  store<u8>(p, <u8>QUOTE);
  return p + 1;
}

/** Copies `length` bytes 16 at a time (reading and writing up to 15 bytes past them: see SLACK). */
function copy(p: usize, from: usize, length: i32): usize {
  for (let i = 0; i < length; i += 16) v128.store(p + <usize>i, v128.load(from + <usize>i));
  return p + <usize>length;
}

/** The decimal digits of a positive line number. */
function writeDecimal(p: usize, n: i32): usize {
  let digits: usize = 1;
  for (let x = n; x >= 10; x /= 10) digits++;
  let at = p + digits;
  do {
    store<u8>(--at, <u8>(ZERO + <u32>(n % 10)));
    n /= 10;
  } while (n > 0);
  return p + digits;
}

// ---- value shapes: ALB's common forms only; anything else falls back ----

function isDigit(c: u32): bool {
  return c >= ZERO && c <= NINE;
}

/** `-?[1-9][0-9]*` or `0`, at most `maxDigits` digits: valid JSON as is, and always in range for the column. */
function isPlainInteger(s: usize, e: usize, maxDigits: i32): bool {
  let i = <u32>load<u8>(s) === DASH ? s + 1 : s;
  const digits = <i32>(e - i);
  if (e <= i || digits > maxDigits) return false;
  if (digits > 1 && <u32>load<u8>(i) === ZERO) return false;
  for (; i < e; i++) if (!isDigit(<u32>load<u8>(i))) return false;
  return true;
}

/**
 * For `-?digits(.digits)?` without leading zeros (at most 15 integer and 9 fraction digits): the end of the
 * shortest equal JSON number (trailing fractional zeros dropped, `0.000` → `0`), else 0.
 */
function plainDecimalEnd(s: usize, e: usize): usize {
  let i = <u32>load<u8>(s) === DASH ? s + 1 : s;
  const intStart = i;
  while (i < e && isDigit(<u32>load<u8>(i))) i++;
  const intDigits = i - intStart;
  if (intDigits < 1 || intDigits > 15 || (intDigits > 1 && <u32>load<u8>(intStart) === ZERO)) return 0;
  if (i === e) return e;
  if (<u32>load<u8>(i) !== DOT) return 0;
  const dot = i++;
  while (i < e && isDigit(<u32>load<u8>(i))) i++;
  if (i !== e || i === dot + 1 || i - dot > 10) return 0;
  let t = e;
  while (t > dot + 1 && <u32>load<u8>(t - 1) === ZERO) t--;
  if (t === dot + 1) t = dot;
  if (t - s === 2 && <u32>load<u8>(s) === DASH && <u32>load<u8>(s + 1) === ZERO) return 0; // "-0"
  return t;
}

/** Two digits at `at` as a number, or -1. */
function twoDigits(at: usize): i32 {
  const hi = <i32>load<u8>(at) - <i32>ZERO;
  const lo = <i32>load<u8>(at + 1) - <i32>ZERO;
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : -1;
}

/** Exactly ALB's form `YYYY-MM-DDTHH:MM:SS.ffffffZ`, with every field in range. */
function isAlbTimestamp(s: usize, e: usize): bool {
  if (e - s !== 27) return false;
  if (<u32>load<u8>(s + 4) !== DASH || <u32>load<u8>(s + 7) !== DASH || <u32>load<u8>(s + 10) !== T) return false;
  if (<u32>load<u8>(s + 13) !== COLON || <u32>load<u8>(s + 16) !== COLON) return false;
  if (<u32>load<u8>(s + 19) !== DOT || <u32>load<u8>(s + 26) !== Z) return false;
  if (twoDigits(s) < 0 || twoDigits(s + 2) < 0) return false;
  const month = twoDigits(s + 5);
  const day = twoDigits(s + 8);
  const hour = twoDigits(s + 11);
  const minute = twoDigits(s + 14);
  const second = twoDigits(s + 17);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return false;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  for (let k = s + 20; k < s + 26; k++) if (!isDigit(<u32>load<u8>(k))) return false;
  return true;
}

/** A port as ALB writes it: 1–5 digits, no leading zero (except `0`), at most 65535. */
function isPlainPort(s: usize, e: usize): bool {
  const digits = <i32>(e - s);
  if (digits < 1 || digits > 5 || (digits > 1 && <u32>load<u8>(s) === ZERO)) return false;
  let n: u32 = 0;
  for (let i = s; i < e; i++) {
    const c = <u32>load<u8>(i);
    if (!isDigit(c)) return false;
    n = n * 10 + (c - ZERO);
  }
  return n <= 65535;
}
