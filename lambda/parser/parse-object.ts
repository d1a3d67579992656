/**
 * One log object, end to end in memory-flat streaming form: bytes → (gunzip) → numbered lines → records and
 * rejections, in order. Used by the ingest Lambda and by `alb-iceberg parse`, so both produce identical records.
 *
 * Accounting invariant, checked by tests and reported per object:
 *   lines = resumedPast + blankLines + records + rejects
 */
import { stripBom } from '../reader/bom';
import { type ByteCounters, decompressed } from '../reader/decompress';
import { lineBlocks, MAX_LINE_BYTES, OverlongLine } from '../reader/line-blocks';
import { describeLogKey } from '../s3/log-key';
import { type EncodedLines, LineSpans, RecordEncoder } from './record-encoder';

export { type EncodedRecord, MAX_RECORD_BYTES, type RejectedLine } from './record-encoder';

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
}

/** Parses one object's body; yields one chunk of results per chunk of input. */
export async function* parseLogObject(
  body: AsyncIterable<Uint8Array>,
  options: ParseObjectOptions,
): AsyncGenerator<ParsedChunk> {
  const { key, stats } = options;
  const resumeAfter = options.resumeAfterLine ?? 0;
  const alreadyDone = options.alreadyDone;
  const encoder = new RecordEncoder(describeLogKey(key));
  const spans = new LineSpans();
  let lineNumber = 0;
  for await (const block of lineBlocks(stripBom(decompressed(body, stats)))) {
    const chunk: ParsedChunk = { records: [], rejects: [] };
    if (block instanceof OverlongLine) {
      lineNumber++;
      if (lineNumber <= resumeAfter || alreadyDone?.(lineNumber)) stats.resumedPast++;
      else chunk.rejects.push({ file: key, line: lineNumber, reason: lineTooLong(block.length), raw: block.head });
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
      stats.extraFieldLines += encoder.encodeLines(bytes, spans, key, chunk);
    }
    stats.lines = lineNumber;
    stats.records += chunk.records.length;
    stats.rejects += chunk.rejects.length;
    if (chunk.records.length > 0 || chunk.rejects.length > 0) yield chunk;
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
