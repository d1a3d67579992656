/**
 * The reference definition of the format: one ALB access-log line (decoded text) becomes the exact JSON record sent
 * to Firehose, or a rejection with a specific reason. Lines are mapped by position (per line, never per file: one
 * prefix mixes format generations). A line is either encoded completely or rejected; it is never half-parsed.
 *
 * Written for clarity, not speed: the pipeline's hot path is the byte-level RecordEncoder (record-encoder.ts), which
 * hands this parser every line it does not handle itself, and is tested to give the same bytes on every line it does.
 */
import { type FieldDecoder, LOG_FIELDS, MIN_FIELDS } from '../schema/columns';
import { encodeTimestamp, isIsoUtcTimestamp, jsonDecimal, jsonInteger, jsonString } from './json';
import { EXTRA_KEY, FIELD_KEYS, RECORD_START, recordSuffix } from './record-keys';
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

const DECODERS: readonly FieldDecoder[] = LOG_FIELDS.map((f) => f.decoder);
const KNOWN_FIELDS = LOG_FIELDS.length;
const SAMPLE_CHARS = 80;
const DASH = 45;

export class LineParser {
  /** Whether the last successfully encoded line had fields beyond the known list (format drift). */
  lastHadExtraFields = false;
  private readonly fileSuffix: string;
  private readonly fields = new FieldOffsets(KNOWN_FIELDS);

  constructor(context: FileContext = {}) {
    this.fileSuffix = recordSuffix(context);
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
    const { start, end } = f;
    let out = RECORD_START + lineNumber;
    for (let i = 0; i < f.count; i++) {
      const s = start[i]!;
      const e = end[i]!;
      if (e - s === 1 && line.charCodeAt(s) === DASH) continue;
      const keys = FIELD_KEYS[i]!;
      const value = line.slice(s, e);
      switch (DECODERS[i]) {
        case 'string':
          if (value !== '') out += keys[0] + jsonString(value);
          break;
        case 'int':
        case 'long': {
          const num = jsonInteger(value, DECODERS[i] === 'long');
          if (num === undefined) return invalid(i, value, 'is not an integer in range');
          out += keys[0] + num;
          break;
        }
        case 'double': {
          const num = jsonDecimal(value);
          if (num === undefined) return invalid(i, value, 'is not a decimal number');
          out += keys[0] + num;
          break;
        }
        case 'timestamp':
          if (!isIsoUtcTimestamp(value)) return invalid(i, value, 'is not an ISO-8601 UTC timestamp');
          out += keys[0] + encodeTimestamp(value);
          break;
        case 'host_port': {
          const colon = value.lastIndexOf(':');
          const port = colon > 0 ? jsonInteger(value.slice(colon + 1), false) : undefined;
          if (port === undefined || Number(port) < 0 || Number(port) > 65535) {
            return invalid(i, value, 'is not ip:port');
          }
          let ip = value.slice(0, colon);
          if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
          out += keys[0] + jsonString(ip) + keys[1] + port;
          break;
        }
        case 'request':
          out += encodeRequest(value, keys);
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
 * and real malformed requests (`- http://host:80- -`, a trailing space after the version) still become a row. The
 * last token is the protocol only when it looks like one (`HTTP/1.1`, `HTTP/2.0`, `-`): a request logged without a
 * version (`GET http://host:80/hello world`) keeps its whole rest as the URL.
 */
function encodeRequest(request: string, keys: readonly string[]): string {
  const r = request.trim();
  const first = r.indexOf(' ');
  if (first === -1) return r === '' || r === '-' ? '' : keys[1] + jsonString(r);
  let last = r.lastIndexOf(' ');
  if (last !== first && !PROTOCOL.test(r.slice(last + 1))) last = first;
  const verb = r.slice(0, first);
  const url = last === first ? r.slice(first + 1) : r.slice(first + 1, last);
  const proto = last === first ? '' : r.slice(last + 1);
  let out = '';
  if (verb !== '-' && verb !== '') out += keys[0] + jsonString(verb);
  if (url !== '-' && url !== '') out += keys[1] + jsonString(url);
  if (proto !== '-' && proto !== '') out += keys[2] + jsonString(proto);
  return out;
}

/** What ALB logs as the protocol: `HTTP/1.0`, `HTTP/1.1`, `HTTP/2.0` (gRPC too), or `-`. */
const PROTOCOL = /^(?:HTTP\/\d(?:\.\d)?|-)$/;

function invalid(index: number, value: string, problem: string): Rejection {
  const shown = value.length > SAMPLE_CHARS ? `${value.slice(0, SAMPLE_CHARS)}…` : value;
  return { reason: `field ${index + 1} (${LOG_FIELDS[index]!.field}) ${JSON.stringify(shown)} ${problem}` };
}
