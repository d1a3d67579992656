/**
 * The hot path: one log line, as raw bytes, becomes the exact UTF-8 JSON record sent to Firehose, written straight
 * into a reused output buffer. No UTF-8 decoding, no intermediate strings, no per-field allocation.
 *
 * It handles the lines ALB writes almost always (printable ASCII, the usual value shapes). Any other line
 * (non-ASCII bytes, control characters, a value of an unusual shape, anything to reject) is decoded and handed to
 * the reference parser, {@link LineParser}, which decides. A test feeds both the same generated and fuzzed lines and
 * requires identical bytes wherever the fast path answers, so the fast path is an optimisation, never a second
 * definition of the format.
 */
import {
  ACCOUNT_ID_COLUMN,
  EXTRA_FIELDS_COLUMN,
  type FieldDecoder,
  LINE_NUMBER_COLUMN,
  LOG_FIELDS,
  MIN_FIELDS,
  REGION_COLUMN,
  SOURCE_FILE_COLUMN,
} from '../schema/columns';
import { isAlbTimestamp, isPlainInteger, plainDecimalEnd, plainPort } from './byte-shapes';
import { jsonString } from './json';
import { type FileContext, LineParser, type Rejection } from './line-parser';

const SPACE = 32;
const QUOTE = 34;
const DASH = 45;
const COLON = 58;
const OPEN_BRACKET = 91;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const ZERO = 48;

// What each byte means to the tokenizer, looked up once per byte. Bytes outside printable ASCII (control
// characters, DEL, UTF-8 sequences) are BAD: such a line goes to the reference parser.
const PLAIN = 0;
const DELIMITS_UNQUOTED = 1; // space
const DELIMITS_QUOTED = 2; // "
const ESCAPE = 3; // \
const BAD = 4;
const KIND = new Uint8Array(256).map((_, c) => {
  if (c === SPACE) return DELIMITS_UNQUOTED;
  if (c === QUOTE) return DELIMITS_QUOTED;
  if (c === BACKSLASH) return ESCAPE;
  return c < 32 || c > 126 ? BAD : PLAIN;
});

/** Bytes plus a DataView on them, so spans can be copied four bytes at a time (3× faster than byte by byte). */
interface Words {
  readonly bytes: Buffer;
  readonly view: DataView;
  readonly length: number;
}
const wordsOf = (bytes: Buffer, length = bytes.length): Words => ({
  bytes,
  view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  length,
});
/** ASCII text, zero-padded to whole words so it can always be copied word by word. */
const constant = (text: string): Words => {
  const bytes = Buffer.alloc(Math.ceil(text.length / 4) * 4);
  bytes.write(text, 'latin1');
  return wordsOf(bytes, text.length);
};

const DECODERS: readonly FieldDecoder[] = LOG_FIELDS.map((f) => f.decoder);
/** `,"name":` for each column each field fills. */
const KEYS: readonly (readonly Words[])[] = LOG_FIELDS.map((f) => f.columns.map((c) => constant(`,"${c.name}":`)));
const KNOWN_FIELDS = LOG_FIELDS.length;
const EXTRA_KEY = constant(`,"${EXTRA_FIELDS_COLUMN.name}":`);
const RECORD_START = constant(`{"${LINE_NUMBER_COLUMN.name}":`);
/** Fills the bytes of a last partial word past the span with a harmless printable byte ("A"). */
const PRINTABLE_FILL = 0x41414141;
/** Word copies write up to 3 bytes past what they copy (overwritten by what follows): room for that. */
const SLACK = 8;
/** Most bytes a fast-path record adds to twice its line (every byte escaped): keys, quotes, the line number. */
const MAX_OVERHEAD =
  RECORD_START.length + 16 + EXTRA_KEY.length + 2 + KEYS.flat().reduce((n, k) => n + k.length + 2, 0) + SLACK;
/** Output buffers are this big unless one record needs more; records are views into them. */
const ARENA_BYTES = 256 * 1024;
/** The fast path's answer for "not the common shape: ask the reference parser". */
const FALLBACK = -1;

export class RecordEncoder {
  /** Whether the last encoded line had fields beyond the known list (format drift). */
  lastHadExtraFields = false;
  /** Lines handed to the reference parser so far (uncommon shapes and rejections): the fast path's misses. */
  referenceLines = 0;
  private readonly reference: LineParser;
  private readonly fileSuffix: Words;
  // The current line's fields, reused between lines.
  private readonly start = new Int32Array(KNOWN_FIELDS);
  private readonly end = new Int32Array(KNOWN_FIELDS);
  private readonly quoted = new Uint8Array(KNOWN_FIELDS);
  private count = 0;
  private restStart = -1;
  private hasBackslash = false;
  /** The first backslash of the input at or after `searchedFrom` (input length if none). */
  private nextBackslash = -1;
  private searchedFrom = 0;
  /** Non-zero when a copied byte was outside printable ASCII: the line then goes to the reference parser. */
  private bad = 0;
  // The input buffer being read (one per chunk) and the output buffer being written.
  private input: Words = wordsOf(Buffer.alloc(0));
  private out: Words = wordsOf(Buffer.allocUnsafe(ARENA_BYTES));
  private pos = 0;

  constructor(context: FileContext = {}) {
    this.reference = new LineParser(context);
    let suffix = '';
    if (context.accountId) suffix += `,"${ACCOUNT_ID_COLUMN.name}":${jsonString(context.accountId)}`;
    if (context.region) suffix += `,"${REGION_COLUMN.name}":${jsonString(context.region)}`;
    if (context.sourceFile) suffix += `,"${SOURCE_FILE_COLUMN.name}":${jsonString(context.sourceFile)}`;
    const bytes = Buffer.from(`${suffix}}`, 'utf8');
    const padded = Buffer.alloc(Math.ceil(bytes.length / 4) * 4);
    bytes.copy(padded);
    this.fileSuffix = wordsOf(padded, bytes.length);
  }

  /**
   * Encodes the line `bytes[s, e)` (no line terminator) as a JSON record, or explains why it cannot be.
   * The record is a view into an output buffer that is never written again: keep it as long as needed.
   */
  encode(bytes: Buffer, s: number, e: number, lineNumber: number): Uint8Array | Rejection {
    if (bytes !== this.input.bytes) {
      this.input = wordsOf(bytes);
      this.nextBackslash = -1;
      this.searchedFrom = 0;
    }
    this.lastHadExtraFields = false;
    this.reserve(2 * (e - s) + MAX_OVERHEAD + this.fileSuffix.length);
    const recordStart = this.pos;
    if (this.encodeCommon(s, e, lineNumber) !== FALLBACK) return this.out.bytes.subarray(recordStart, this.pos);
    this.pos = recordStart;
    this.lastHadExtraFields = false;
    this.referenceLines++;
    const result = this.reference.parse(bytes.toString('utf8', s, e), lineNumber);
    if (typeof result !== 'string') return result;
    this.lastHadExtraFields = this.reference.lastHadExtraFields;
    this.reserve(3 * result.length);
    const written = this.out.bytes.write(result, this.pos, 'utf8');
    this.pos += written;
    return this.out.bytes.subarray(this.pos - written, this.pos);
  }

  /** Makes room for `bytes` more output, starting a new buffer if needed (earlier records keep the old one). */
  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.out.length) return;
    this.out = wordsOf(Buffer.allocUnsafe(Math.max(ARENA_BYTES, bytes)));
    this.pos = 0;
  }

  /** Writes the record for a common-shape line and returns its end, or returns FALLBACK (output then undefined). */
  private encodeCommon(s: number, e: number, lineNumber: number): number {
    const b = this.input.bytes;
    while (e > s && b[e - 1] === SPACE) e--;
    this.bad = 0;
    // One search serves every line up to the next backslash (lines of a buffer come in order; if not, search again).
    if (this.nextBackslash < s || this.searchedFrom > s) {
      const at = b.indexOf(BACKSLASH, s);
      this.nextBackslash = at === -1 ? b.length : at;
      this.searchedFrom = s;
    }
    this.hasBackslash = this.nextBackslash < e;
    const fields = this.hasBackslash ? this.tokenizeEscaped(b, s, e) : this.tokenize(b, s, e);
    if (fields === FALLBACK || fields < MIN_FIELDS) return FALLBACK;
    const { start, end, quoted } = this;
    this.copyConstant(RECORD_START);
    this.writeNumber(lineNumber);
    for (let i = 0; i < this.count; i++) {
      const fs = start[i]!;
      const fe = end[i]!;
      if (fe - fs === 1 && b[fs] === DASH) continue;
      const keys = KEYS[i]!;
      switch (DECODERS[i]) {
        case 'string':
          if (fe === fs) break;
          this.copyConstant(keys[0]!);
          this.writeString(fs, fe);
          break;
        case 'int':
        case 'long':
          if (quoted[i] === 1 || !isPlainInteger(b, fs, fe, DECODERS[i] === 'long' ? 15 : 9)) return FALLBACK;
          this.copyConstant(keys[0]!);
          this.copySpan(fs, fe);
          break;
        case 'double': {
          const numberEnd = quoted[i] === 1 ? FALLBACK : plainDecimalEnd(b, fs, fe);
          if (numberEnd === FALLBACK) return FALLBACK;
          this.copyConstant(keys[0]!);
          this.copySpan(fs, numberEnd);
          break;
        }
        case 'timestamp':
          // encodeTimestamp (json.ts) sends ALB's form unchanged, so a quoted copy is the same bytes.
          if (!isAlbTimestamp(b, fs, fe)) return FALLBACK;
          this.copyConstant(keys[0]!);
          this.writeString(fs, fe);
          break;
        case 'host_port':
          if (this.writeHostPort(fs, fe, keys) === FALLBACK) return FALLBACK;
          break;
        case 'request':
          this.writeRequest(fs, fe, keys);
          break;
      }
    }
    if (this.restStart !== FALLBACK) {
      this.copyConstant(EXTRA_KEY);
      // The rest holds whole fields, quotes included: always escaped.
      this.hasBackslash = true;
      this.writeString(this.restStart, e);
      this.lastHadExtraFields = true;
    }
    this.copyConstant(this.fileSuffix);
    return this.bad === 0 ? this.pos : FALLBACK;
  }

  /**
   * Splits `b[s, e)` into at most KNOWN_FIELDS fields exactly as tokenize.ts does (a `\` inside a quoted field
   * escapes the next byte, so `\"` does not close it), or returns FALLBACK for anything unusual: a byte outside
   * printable ASCII, a quote inside an unquoted field, an unterminated quoted field, text right after a quote.
   */
  private tokenize(b: Buffer, s: number, e: number): number {
    const { start, end, quoted } = this;
    let pos = s;
    let count = 0;
    let nextQuote = b.indexOf(QUOTE, s);
    if (nextQuote === -1 || nextQuote > e) nextQuote = e;
    this.restStart = FALLBACK;
    for (;;) {
      if (count === KNOWN_FIELDS) {
        this.restStart = pos;
        break;
      }
      let after: number;
      if (pos === nextQuote) {
        const close = b.indexOf(QUOTE, pos + 1);
        if (close === -1 || close >= e) return FALLBACK;
        start[count] = pos + 1;
        end[count] = close;
        quoted[count] = 1;
        after = close + 1;
        if (after < e && b[after] !== SPACE) return FALLBACK;
        nextQuote = after < e ? b.indexOf(QUOTE, after) : e;
        if (nextQuote === -1 || nextQuote > e) nextQuote = e;
      } else {
        after = pos;
        while (after < e && b[after] !== SPACE) after++;
        if (nextQuote < after) return FALLBACK;
        start[count] = pos;
        end[count] = after;
        quoted[count] = 0;
      }
      count++;
      if (after >= e) break;
      pos = after + 1;
    }
    this.count = count;
    return count;
  }

  /** {@link tokenize} for a line with backslashes: byte by byte, checking every byte. */
  private tokenizeEscaped(b: Buffer, s: number, e: number): number {
    const { start, end, quoted } = this;
    let pos = s;
    let count = 0;
    this.restStart = FALLBACK;
    for (;;) {
      if (count === KNOWN_FIELDS) {
        for (let i = pos; i < e; i++) {
          const k = KIND[b[i]!]!;
          if (k === BAD) return FALLBACK;
        }
        this.restStart = pos;
        break;
      }
      let after: number;
      if (pos < e && b[pos] === QUOTE) {
        let i = pos + 1;
        for (;;) {
          if (i >= e) return FALLBACK;
          const k = KIND[b[i]!]!;
          if (k <= DELIMITS_UNQUOTED) {
            i++;
            continue;
          }
          if (k === DELIMITS_QUOTED) break;
          if (k === BAD || i + 1 >= e || KIND[b[i + 1]!] === BAD) return FALLBACK;
          i += 2;
        }
        start[count] = pos + 1;
        end[count] = i;
        quoted[count] = 1;
        after = i + 1;
        if (after < e && b[after] !== SPACE) return FALLBACK;
      } else {
        let i = pos;
        for (; i < e; i++) {
          const k = KIND[b[i]!]!;
          if (k === PLAIN) continue;
          if (k === DELIMITS_UNQUOTED) break;
          if (k !== ESCAPE) return FALLBACK;
        }
        start[count] = pos;
        end[count] = i;
        quoted[count] = 0;
        after = i;
      }
      count++;
      if (after >= e) break;
      pos = after + 1;
    }
    this.count = count;
    return count;
  }

  /** `ip:port` split at the last colon; `[ip]` loses its brackets. */
  private writeHostPort(s: number, e: number, keys: readonly Words[]): number {
    const b = this.input.bytes;
    let colon = e - 1;
    while (colon > s && b[colon] !== COLON) colon--;
    if (colon <= s || plainPort(b, colon + 1, e) === FALLBACK) return FALLBACK;
    let ipStart = s;
    let ipEnd = colon;
    if (b[s] === OPEN_BRACKET && ipEnd - ipStart >= 2 && b[ipEnd - 1] === CLOSE_BRACKET) {
      ipStart++;
      ipEnd--;
    }
    this.copyConstant(keys[0]!);
    this.writeString(ipStart, ipEnd);
    this.copyConstant(keys[1]!);
    this.copySpan(colon + 1, e);
    return e;
  }

  /** `VERB url PROTO`, split at the first and last space after trimming spaces (as line-parser.ts does). */
  private writeRequest(s: number, e: number, keys: readonly Words[]): void {
    const b = this.input.bytes;
    while (s < e && b[s] === SPACE) s++;
    while (e > s && b[e - 1] === SPACE) e--;
    let first = s;
    while (first < e && b[first] !== SPACE) first++;
    if (first === e) {
      this.writeColumn(keys[1]!, s, e);
      return;
    }
    let last = e - 1;
    while (b[last] !== SPACE) last--;
    this.writeColumn(keys[0]!, s, first);
    if (last === first) {
      this.writeColumn(keys[1]!, first + 1, e);
    } else {
      this.writeColumn(keys[1]!, first + 1, last);
      this.writeColumn(keys[2]!, last + 1, e);
    }
  }

  /** A string column, omitted when its value is empty or `-`. */
  private writeColumn(key: Words, s: number, e: number): void {
    if (e === s || (e - s === 1 && this.input.bytes[s] === DASH)) return;
    this.copyConstant(key);
    this.writeString(s, e);
  }

  /** A JSON string of printable ASCII: only `"` and `\` need escaping, and most lines have neither inside values. */
  private writeString(s: number, e: number): void {
    const out = this.out.bytes;
    out[this.pos++] = QUOTE;
    if (this.hasBackslash) {
      const b = this.input.bytes;
      let p = this.pos;
      for (let i = s; i < e; i++) {
        const c = b[i]!;
        const kind = KIND[c]!;
        if (kind === DELIMITS_QUOTED || kind === ESCAPE) out[p++] = BACKSLASH;
        else if (kind === BAD) this.bad = -1;
        out[p++] = c;
      }
      this.pos = p;
    } else {
      this.copySpan(s, e);
    }
    out[this.pos++] = QUOTE;
  }

  /**
   * Copies input bytes `[s, e)` a word at a time (possibly writing up to 3 bytes of junk past them), noting in
   * {@link bad} any byte outside printable ASCII: a byte below 0x20 borrows, 0x7f and above carry into bit 7.
   */
  private copySpan(s: number, e: number): void {
    const from = this.input.view;
    const to = this.out.view;
    const end = this.pos + (e - s);
    let p = this.pos;
    let i = s;
    let bad = 0;
    const lastWord = from.byteLength - 4;
    for (; i < e && i <= lastWord; i += 4, p += 4) {
      let x = from.getInt32(i, true);
      to.setInt32(p, x, true);
      if (e - i < 4) {
        const kept = (1 << ((e - i) * 8)) - 1;
        x = (x & kept) | (PRINTABLE_FILL & ~kept);
      }
      bad |= (x - 0x20202020) | x | (x + 0x01010101);
    }
    if (i < e) {
      const b = this.input.bytes;
      const out = this.out.bytes;
      for (; i < e; i++) {
        const c = b[i]!;
        out[p++] = c;
        if (KIND[c] === BAD) bad = -1;
      }
    }
    this.bad |= bad & 0x80808080;
    this.pos = end;
  }

  /** Copies a zero-padded constant a word at a time. */
  private copyConstant(c: Words): void {
    const from = c.view;
    const to = this.out.view;
    const n = c.length;
    const p = this.pos;
    for (let i = 0; i < n; i += 4) to.setInt32(p + i, from.getInt32(i));
    this.pos = p + n;
  }

  private writeNumber(n: number): void {
    if (n >= 10) this.writeNumber(Math.floor(n / 10));
    this.out.bytes[this.pos++] = ZERO + (n % 10);
  }
}
