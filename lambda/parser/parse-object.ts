/**
 * One log object, end to end in memory-flat streaming form: bytes → (gunzip) → numbered lines → records and
 * rejections, in order. Used by the ingest Lambda and by `alb-iceberg parse`, so both produce identical records.
 *
 * Accounting invariant, checked by tests and reported per object:
 *   lines = resumedPast + blankLines + records + rejects
 *
 * Damaged gzip (see reader/decompress.ts): every line decoded before the damage is parsed as usual. A last line the
 * damage cut short is rejected ("cut by gzip damage"): it is not a complete line, and parsed it could become a row
 * with fields silently missing. Then trailing garbage after a complete member is one more rejection, numbered after
 * the last line, and the object ends normally (nothing decodable was lost); any other damage is thrown on as
 * {@link DamagedObjectError}, for the caller to report where the object stopped.
 */
import { stripBom } from '../reader/bom';
import { type ByteCounters, DamagedObjectError, decompressed } from '../reader/decompress';
import { CutLine, lineBlocks, MAX_LINE_BYTES, OverlongLine } from '../reader/line-blocks';
import { describeLogKey } from '../s3/log-key';
import { logSchemaOf } from '../schema/log-types';
import type { LogTypeId } from '../schema/types';
import { type EncodedLines, LineSpans } from './encoded-lines';
import { createLineEncoder, type ParserEngine } from './line-encoder';

export { type EncodedRecord, MAX_RECORD_BYTES, type RejectedLine } from './encoded-lines';

/** One chunk of an object's results: records and rejections, each in line order. */
export type ParsedChunk = EncodedLines;

export interface ObjectStats extends ByteCounters {
  /** Lines read, blank ones included. */
  lines: number;
  blankLines: number;
  /** Lines at or before `resumeAfterLine`, or reported `alreadyDone`: not parsed again. */
  resumedPast: number;
  records: number;
  rejects: number;
  /** Records that carried fields beyond the known schema (AWS added a field). */
  extraFieldLines: number;
}

export const newObjectStats = (): ObjectStats => ({
  compressedBytes: 0,
  rawBytes: 0,
  lines: 0,
  blankLines: 0,
  resumedPast: 0,
  records: 0,
  rejects: 0,
  extraFieldLines: 0,
});

export interface ParseObjectOptions {
  /** S3 key used for file metadata (account, region, file identity) and in rejections. */
  readonly key: string;
  /** Lines up to and including this number were already delivered: skip them (continuations). Default 0. */
  readonly resumeAfterLine?: number;
  /** Lines after `resumeAfterLine` that are already done (continuations); asked in increasing line order. */
  readonly alreadyDone?: (lineNumber: number) => boolean;
  /** Counters, updated as the stream is consumed. */
  readonly stats: ObjectStats;
  /**
   * The log type of the lines. Default: the type the key names (log-key.ts), else ALB access logs (a local file
   * with a name of its own; the CLI's `--type` says otherwise).
   */
  readonly logType?: LogTypeId;
  /** Default `kernel` (line-encoder.ts): the reference parser alone with `reference`. */
  readonly engine?: ParserEngine;
}

/**
 * Parses one object's body; yields one chunk of results per chunk of input, an empty one when the input held only
 * blank, resumed-past or over-long bytes, so that the caller's time check runs whatever the object holds.
 */
export async function* parseLogObject(
  body: AsyncIterable<Uint8Array>,
  options: ParseObjectOptions,
): AsyncGenerator<ParsedChunk> {
  const { key, stats } = options;
  const resumeAfter = options.resumeAfterLine ?? 0;
  const alreadyDone = options.alreadyDone;
  const described = describeLogKey(key);
  const schema = logSchemaOf(options.logType ?? described.logType ?? 'alb-access');
  const encoder = createLineEncoder(schema, described, options.engine ?? 'kernel');
  const spans = new LineSpans();
  let lineNumber = 0;
  /** Counts line `raw` rejected for `reason`, unless it was done before. */
  const reject = (chunk: ParsedChunk, reason: string, raw: string) => {
    lineNumber++;
    if (lineNumber <= resumeAfter || alreadyDone?.(lineNumber)) stats.resumedPast++;
    else chunk.rejects.push({ file: key, line: lineNumber, reason, raw });
  };
  const blocks = lineBlocks(stripBom(decompressed(body, stats)));
  for (;;) {
    const chunk: ParsedChunk = { records: [], rejects: [] };
    let next: IteratorResult<Awaited<ReturnType<typeof blocks.next>>['value']>;
    try {
      next = await blocks.next();
    } catch (e) {
      if (!(e instanceof DamagedObjectError && e.kind === 'trailing-garbage')) throw e;
      reject(chunk, `gzip damage: ${e.message}`, e.preview);
      count(chunk);
      yield chunk;
      return;
    }
    if (next.done) return;
    const block = next.value;
    if (block instanceof OverlongLine) {
      reject(chunk, lineTooLong(block.length), block.head);
    } else if (block instanceof CutLine) {
      reject(chunk, `line cut by gzip damage (${block.damage.kind}) after ${block.length} bytes`, block.text);
    } else {
      const { bytes, starts, ends } = block;
      spans.clear();
      for (let i = 0; i < starts.length; i++) {
        lineNumber++;
        if (lineNumber <= resumeAfter || alreadyDone?.(lineNumber)) {
          stats.resumedPast++;
        } else if (isBlank(bytes, starts[i]!, ends[i]!)) {
          stats.blankLines++;
        } else {
          spans.add(starts[i]!, ends[i]!, lineNumber);
        }
      }
      if (spans.count > 0) stats.extraFieldLines += encoder.encodeLines(bytes, spans, key, chunk);
    }
    count(chunk);
    yield chunk;
  }

  function count(chunk: ParsedChunk): void {
    stats.lines = lineNumber;
    stats.records += chunk.records.length;
    stats.rejects += chunk.rejects.length;
  }
}

const lineTooLong = (bytes: number) => `line too long: ${bytes} bytes (limit ${MAX_LINE_BYTES})`;

/** The line as text for a rejection (invalid UTF-8 becomes U+FFFD). */
const text = (bytes: Buffer, s: number, e: number) => bytes.toString('utf8', s, e);

/** Only whitespace (String.prototype.trim's definition, so non-ASCII spaces count too). */
function isBlank(bytes: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = bytes[i]!;
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    return c < 128 ? false : text(bytes, s, e).trim() === '';
  }
  return true;
}
