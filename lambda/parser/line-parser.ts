/**
 * Turns one ALB access-log line into the exact JSON record sent to Firehose, or a rejection with a specific reason.
 * Lines are mapped by position (per line, never per file: one prefix mixes format generations). A line is either
 * encoded completely or rejected; it is never half-parsed.
 */
import {
  ACCOUNT_ID_COLUMN,
  EXTRA_FIELDS_COLUMN,
  LINE_NUMBER_COLUMN,
  LOG_FIELDS,
  type LogField,
  MIN_FIELDS,
  REGION_COLUMN,
  SOURCE_FILE_COLUMN,
} from '../schema/columns';
import { encodeTimestamp, isIsoUtcTimestamp, jsonDecimal, jsonInteger, jsonString } from './json';
import { tokenize } from './tokenize';

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
const KNOWN_FIELDS = LOG_FIELDS.length;
const EXTRA_KEY = `,"${EXTRA_FIELDS_COLUMN.name}":`;
const SAMPLE_CHARS = 80;

export class LineParser {
  /** Whether the last successfully encoded line had fields beyond the known list (format drift). */
  lastHadExtraFields = false;
  private readonly fileSuffix: string;
  private readonly tokens: string[] = new Array(KNOWN_FIELDS).fill('');

  constructor(context: FileContext = {}) {
    let suffix = '';
    if (context.accountId) suffix += `,"${ACCOUNT_ID_COLUMN.name}":${jsonString(context.accountId)}`;
    if (context.region) suffix += `,"${REGION_COLUMN.name}":${jsonString(context.region)}`;
    if (context.sourceFile) suffix += `,"${SOURCE_FILE_COLUMN.name}":${jsonString(context.sourceFile)}`;
    this.fileSuffix = `${suffix}}`;
  }

  /** Encodes `line` (no line terminator) as a JSON record, or explains why it cannot be. */
  parse(line: string, lineNumber: number): string | Rejection {
    let end = line.length;
    while (end > 0 && line.charCodeAt(end - 1) === 32) end--;
    if (end < line.length) line = line.slice(0, end);
    const t = tokenize(line, KNOWN_FIELDS, this.tokens);
    if ('error' in t) return { reason: t.error };
    return this.encodeFields(this.tokens, t.count, t.restStart === -1 ? '' : line.slice(t.restStart), lineNumber);
  }

  /**
   * Encodes already-split fields. `extraText` is the verbatim remainder after the last known field ('' for none).
   * Public so that other tokenizers (the csv-parse comparison in bench/) share the exact same mapping.
   */
  encodeFields(fields: readonly string[], count: number, extraText: string, lineNumber: number): string | Rejection {
    this.lastHadExtraFields = false;
    if (count < MIN_FIELDS) {
      return { reason: `too few fields: ${count} (an access-log entry has at least ${MIN_FIELDS})` };
    }
    let out = `{"${LINE_NUMBER_COLUMN.name}":${lineNumber}`;
    const n = Math.min(count, KNOWN_FIELDS);
    for (let i = 0; i < n; i++) {
      const v = fields[i]!;
      if (v === '-') continue;
      const field = LOG_FIELDS[i]!;
      const keys = FIELD_KEYS[i]!;
      switch (field.decoder) {
        case 'string':
          if (v !== '') out += keys[0] + jsonString(v);
          break;
        case 'int':
        case 'long': {
          const num = jsonInteger(v, field.decoder === 'long');
          if (num === undefined) return invalid(i, field, v, 'is not an integer in range');
          out += keys[0] + num;
          break;
        }
        case 'double': {
          const num = jsonDecimal(v);
          if (num === undefined) return invalid(i, field, v, 'is not a decimal number');
          out += keys[0] + num;
          break;
        }
        case 'timestamp':
          if (!isIsoUtcTimestamp(v)) return invalid(i, field, v, 'is not an ISO-8601 UTC timestamp');
          out += keys[0] + encodeTimestamp(v);
          break;
        case 'host_port': {
          const colon = v.lastIndexOf(':');
          const port = colon > 0 ? jsonInteger(v.slice(colon + 1), false) : undefined;
          if (port === undefined || Number(port) < 0 || Number(port) > 65535) {
            return invalid(i, field, v, 'is not ip:port');
          }
          let ip = v.slice(0, colon);
          if (ip.charCodeAt(0) === 91 /* [ */ && ip.endsWith(']')) ip = ip.slice(1, -1);
          out += keys[0] + jsonString(ip) + keys[1] + port;
          break;
        }
        case 'request':
          out += encodeRequest(v, keys);
          break;
      }
    }
    if (extraText !== '') {
      out += EXTRA_KEY + jsonString(extraText);
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

function invalid(index: number, field: LogField, value: string, problem: string): Rejection {
  const shown = value.length > SAMPLE_CHARS ? `${value.slice(0, SAMPLE_CHARS)}…` : value;
  return { reason: `field ${index + 1} (${field.field}) ${JSON.stringify(shown)} ${problem}` };
}
