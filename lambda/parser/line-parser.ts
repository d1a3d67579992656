/**
 * The reference definition of every log format: one line (decoded text) of a log type becomes the exact JSON record
 * sent to Firehose, or a rejection with a specific reason, as the type's schema (lambda/schema/) says. Lines are
 * mapped by position (per line, never per file: one prefix mixes format generations). A line is either encoded
 * completely or rejected; it is never half-parsed.
 *
 * Written for clarity, not speed. For ALB access logs the pipeline's hot path is the WebAssembly line kernel
 * (kernel-encoder.ts), which hands this parser every line it does not handle itself and is tested to give the same
 * bytes on every line it does.
 */
import { ALB_ACCESS } from '../schema/alb-access';
import type { FieldDecoder, LogSchema } from '../schema/types';
import {
  encodeTimestamp,
  encodeTimestampWithoutZone,
  isIsoTimestampWithoutZone,
  isIsoUtcTimestamp,
  jsonDecimal,
  jsonInteger,
  jsonString,
} from './json';
import { type FileContext, type RecordKeys, recordKeysOf, recordSuffix } from './record-keys';
import { FieldOffsets, splitAtSpaces, tokenize } from './tokenize';

export type { FileContext } from './record-keys';

/** A line that could not be encoded faithfully. */
export interface Rejection {
  readonly reason: string;
}

const SAMPLE_CHARS = 80;
const DASH = 45;

export class LineParser {
  /** Whether the last successfully encoded line had fields beyond the known list (format drift). */
  lastHadExtraFields = false;
  private readonly fileSuffix: string;
  private readonly fields: FieldOffsets;
  private readonly decoders: readonly FieldDecoder[];
  private readonly keys: RecordKeys;
  private readonly split: typeof tokenize;

  /** @param schema the log type of the lines (default: ALB access logs) */
  constructor(
    context: FileContext = {},
    private readonly schema: LogSchema = ALB_ACCESS,
  ) {
    this.fileSuffix = recordSuffix(schema, context);
    this.fields = new FieldOffsets(schema.fields.length);
    this.decoders = schema.fields.map((f) => f.decoder);
    this.keys = recordKeysOf(schema);
    this.split = schema.quotedFields ? tokenize : splitAtSpaces;
  }

  /** Encodes `line` (no line terminator) as a JSON record, or explains why it cannot be. */
  parse(line: string, lineNumber: number): string | Rejection {
    this.lastHadExtraFields = false;
    let trimmed = line.length;
    while (trimmed > 0 && line.charCodeAt(trimmed - 1) === 32) trimmed--;
    if (trimmed < line.length) line = line.slice(0, trimmed);
    const f = this.fields;
    const error = this.split(line, f);
    if (error !== undefined) return { reason: error };
    const { minFields, title } = this.schema;
    if (f.count < minFields) {
      return { reason: `too few fields: ${f.count} (an entry of ${title} has at least ${minFields})` };
    }
    const { start, end } = f;
    const DECODERS = this.decoders;
    let out = this.keys.start + lineNumber;
    for (let i = 0; i < f.count; i++) {
      const s = start[i]!;
      const e = end[i]!;
      if (e - s === 1 && line.charCodeAt(s) === DASH) continue;
      const keys = this.keys.fields[i]!;
      const value = line.slice(s, e);
      switch (DECODERS[i]) {
        case 'string':
          if (value !== '') out += keys[0] + jsonString(value);
          break;
        case 'int':
        case 'long': {
          const num = jsonInteger(value, DECODERS[i] === 'long');
          if (num === undefined) return this.invalid(i, value, 'is not an integer in range');
          out += keys[0] + num;
          break;
        }
        case 'double': {
          const num = jsonDecimal(value);
          if (num === undefined) return this.invalid(i, value, 'is not a decimal number');
          out += keys[0] + num;
          break;
        }
        case 'timestamp':
          if (!isIsoUtcTimestamp(value)) return this.invalid(i, value, 'is not an ISO-8601 UTC timestamp');
          out += keys[0] + encodeTimestamp(value);
          break;
        case 'timestamp_no_zone':
          if (isIsoUtcTimestamp(value)) out += keys[0] + encodeTimestamp(value);
          else if (isIsoTimestampWithoutZone(value)) out += keys[0] + encodeTimestampWithoutZone(value);
          else return this.invalid(i, value, 'is not an ISO-8601 timestamp');
          break;
        case 'host_port': {
          const colon = value.lastIndexOf(':');
          const port = colon > 0 ? jsonInteger(value.slice(colon + 1), false) : undefined;
          if (port === undefined || Number(port) < 0 || Number(port) > 65535) {
            return this.invalid(i, value, 'is not ip:port');
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
      out += this.keys.extra + jsonString(line.slice(f.restStart));
      this.lastHadExtraFields = true;
    }
    return out + this.fileSuffix;
  }

  private invalid(index: number, value: string, problem: string): Rejection {
    const shown = value.length > SAMPLE_CHARS ? `${value.slice(0, SAMPLE_CHARS)}…` : value;
    return { reason: `field ${index + 1} (${this.schema.fields[index]!.field}) ${JSON.stringify(shown)} ${problem}` };
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
