/**
 * Turns one ALB access-log line into the exact JSON record sent to Firehose, or a rejection with a specific reason.
 * Lines are mapped by position (per line, never per file: one prefix mixes format generations). A line is either
 * encoded completely or rejected; it is never half-parsed.
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
import { isAlbTimestampAt, isPlainInteger, plainDecimalEnd } from './fast-paths';
import { encodeTimestamp, isIsoUtcTimestamp, jsonDecimal, jsonInteger, jsonString } from './json';
import { FieldOffsets, tokenize } from './tokenize';

/** File-level facts repeated on every row of one object. */
export interface FileContext {
  readonly accountId?: string;
  readonly region?: string;
  readonly sourceFile?: string;
}

/** A line that could not be encoded faithfully. */
export interface Rejection {
  readonly reason: string;
}

/** `,"name":` for each column a field fills, computed once. */
const FIELD_KEYS: readonly (readonly string[])[] = LOG_FIELDS.map((f) => f.columns.map((c) => `,"${c.name}":`));
const DECODERS: readonly FieldDecoder[] = LOG_FIELDS.map((f) => f.decoder);
const KNOWN_FIELDS = LOG_FIELDS.length;
const EXTRA_KEY = `,"${EXTRA_FIELDS_COLUMN.name}":`;
const SAMPLE_CHARS = 80;
const DASH = 45;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON requires escaping exactly these control characters.
const NEEDS_ESCAPE_IN_LINE = /[\\\u0000-\u001f]/;

export class LineParser {
  /** Whether the last successfully encoded line had fields beyond the known list (format drift). */
  lastHadExtraFields = false;
  private readonly fileSuffix: string;
  private readonly fields = new FieldOffsets(KNOWN_FIELDS);

  constructor(context: FileContext = {}) {
    let suffix = '';
    if (context.accountId) suffix += `,"${ACCOUNT_ID_COLUMN.name}":${jsonString(context.accountId)}`;
    if (context.region) suffix += `,"${REGION_COLUMN.name}":${jsonString(context.region)}`;
    if (context.sourceFile) suffix += `,"${SOURCE_FILE_COLUMN.name}":${jsonString(context.sourceFile)}`;
    this.fileSuffix = `${suffix}}`;
  }

  /** Encodes `line` (no line terminator) as a JSON record, or explains why it cannot be. */
  parse(line: string, lineNumber: number): string | Rejection {
    this.lastHadExtraFields = false;
    let trimmed = line.length;
    while (trimmed > 0 && line.charCodeAt(trimmed - 1) === 32) trimmed--;
    if (trimmed < line.length) line = line.slice(0, trimmed);
    const f = this.fields;
    const error = tokenize(line, f);
    if (error !== undefined) return { reason: error };
    if (f.count < MIN_FIELDS) {
      return { reason: `too few fields: ${f.count} (an access-log entry has at least ${MIN_FIELDS})` };
    }
    // On a line without backslashes, control characters or stray quotes, every quoted field is already a valid JSON
    // string literal (quotes included) and every unquoted one becomes one by adding quotes: copy spans, escape nothing.
    const clean = !f.strayQuote && !NEEDS_ESCAPE_IN_LINE.test(line);
    const { start, end, quoted } = f;
    let out = `{"${LINE_NUMBER_COLUMN.name}":${lineNumber}`;
    for (let i = 0; i < f.count; i++) {
      const s = start[i]!;
      const e = end[i]!;
      if (e - s === 1 && line.charCodeAt(s) === DASH) continue;
      const keys = FIELD_KEYS[i]!;
      switch (DECODERS[i]) {
        case 'string':
          if (e === s) break;
          if (!clean) out += keys[0] + JSON.stringify(line.slice(s, e));
          else if (quoted[i] === 1) out += keys[0] + line.slice(s - 1, e + 1);
          else out += `${keys[0]}"${line.slice(s, e)}"`;
          break;
        case 'int':
        case 'long': {
          const isLong = DECODERS[i] === 'long';
          if (isPlainInteger(line, s, e, isLong ? 15 : 9)) {
            out += keys[0] + line.slice(s, e);
            break;
          }
          const num = jsonInteger(line.slice(s, e), isLong);
          if (num === undefined) return invalid(i, line.slice(s, e), 'is not an integer in range');
          out += keys[0] + num;
          break;
        }
        case 'double': {
          const fastEnd = plainDecimalEnd(line, s, e);
          if (fastEnd !== -1) {
            out += keys[0] + line.slice(s, fastEnd);
            break;
          }
          const num = jsonDecimal(line.slice(s, e));
          if (num === undefined) return invalid(i, line.slice(s, e), 'is not a decimal number');
          out += keys[0] + num;
          break;
        }
        case 'timestamp': {
          const v = line.slice(s, e);
          if (!isAlbTimestampAt(line, s, e) && !isIsoUtcTimestamp(v)) {
            return invalid(i, v, 'is not an ISO-8601 UTC timestamp');
          }
          out += keys[0] + encodeTimestamp(v);
          break;
        }
        case 'host_port': {
          const colon = line.lastIndexOf(':', e - 1);
          const port = colon > s ? jsonInteger(line.slice(colon + 1, e), false) : undefined;
          if (port === undefined || Number(port) < 0 || Number(port) > 65535) {
            return invalid(i, line.slice(s, e), 'is not ip:port');
          }
          let ip = line.slice(s, colon);
          if (ip.charCodeAt(0) === 91 /* [ */ && ip.endsWith(']')) ip = ip.slice(1, -1);
          out += keys[0] + (clean ? `"${ip}"` : JSON.stringify(ip)) + keys[1] + port;
          break;
        }
        case 'request':
          out += encodeRequest(line.slice(s, e), keys);
          break;
      }
    }
    if (f.restStart !== -1) {
      out += EXTRA_KEY + jsonString(line.slice(f.restStart));
      this.lastHadExtraFields = true;
    }
    return out + this.fileSuffix;
  }
}

/**
 * `VERB url PROTO`, split at the first and last space after trimming, so that spaces inside the URL stay in the URL
 * and real malformed requests (`- http://host:80- -`, a trailing space after the version) still become a row.
 */
function encodeRequest(request: string, keys: readonly string[]): string {
  const r = request.trim();
  const first = r.indexOf(' ');
  if (first === -1) return r === '' || r === '-' ? '' : keys[1] + jsonString(r);
  const last = r.lastIndexOf(' ');
  const verb = r.slice(0, first);
  const url = last === first ? r.slice(first + 1) : r.slice(first + 1, last);
  const proto = last === first ? '' : r.slice(last + 1);
  let out = '';
  if (verb !== '-' && verb !== '') out += keys[0] + jsonString(verb);
  if (url !== '-' && url !== '') out += keys[1] + jsonString(url);
  if (proto !== '-' && proto !== '') out += keys[2] + jsonString(proto);
  return out;
}

function invalid(index: number, value: string, problem: string): Rejection {
  const shown = value.length > SAMPLE_CHARS ? `${value.slice(0, SAMPLE_CHARS)}…` : value;
  return { reason: `field ${index + 1} (${LOG_FIELDS[index]!.field}) ${JSON.stringify(shown)} ${problem}` };
}
