/**
 * One log object, end to end in memory-flat streaming form: bytes → (gunzip) → numbered lines → records and
 * rejections, in order. Used by the ingest Lambda and by `alb-iceberg parse`, so both produce identical records.
 *
 * Accounting invariant, checked by tests and reported per object:
 *   lines = resumedPast + blankLines + records + rejects
 */
import { type ByteCounters, decompressed } from '../reader/decompress';
import { lines, MAX_LINE_CHARS, OverlongLine } from '../reader/lines';
import { describeLogKey } from '../s3/log-key';
import { LineParser } from './line-parser';

/**
 * Firehose's per-record limit, a little under AWS's 1,000 KiB
 * (https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html). A line whose record would be
 * bigger is rejected here, so the CLI and the Lambda treat it the same way.
 */
export const MAX_RECORD_BYTES = 1_000_000;

/** A line encoded as the exact JSON record for Firehose. */
export interface EncodedRecord {
  readonly lineNumber: number;
  readonly json: string;
}

/** A line that was counted and stored instead of delivered. */
export interface RejectedLine {
  /** The S3 key (or local path) of the source object. */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  readonly reason: string;
  /** The line as read (for an overlong line, its head). */
  readonly raw: string;
}

export interface ParsedChunk {
  readonly records: EncodedRecord[];
  readonly rejects: RejectedLine[];
}

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
  const meta = describeLogKey(key);
  const parser = new LineParser(meta);
  let lineNumber = 0;
  for await (const batch of lines(decompressed(body, stats))) {
    const records: EncodedRecord[] = [];
    const rejects: RejectedLine[] = [];
    for (const line of batch) {
      lineNumber++;
      if (lineNumber <= resumeAfter || alreadyDone?.(lineNumber)) {
        stats.resumedPast++;
        continue;
      }
      if (line instanceof OverlongLine) {
        rejects.push({
          file: key,
          line: lineNumber,
          reason: `line too long: ${line.length} characters (limit ${MAX_LINE_CHARS})`,
          raw: line.head,
        });
        continue;
      }
      if (line === '' || isBlank(line)) {
        stats.blankLines++;
        continue;
      }
      const result = parser.parse(line, lineNumber);
      // A record has at most 3 UTF-8 bytes per character: only long ones need an exact size check.
      if (typeof result === 'string' && result.length * 3 > MAX_RECORD_BYTES) {
        const bytes = Buffer.byteLength(result);
        if (bytes > MAX_RECORD_BYTES) {
          rejects.push({ file: key, line: lineNumber, reason: recordTooBig(bytes), raw: line });
          continue;
        }
      }
      if (typeof result === 'string') {
        records.push({ lineNumber, json: result });
        if (parser.lastHadExtraFields) stats.extraFieldLines++;
      } else {
        rejects.push({ file: key, line: lineNumber, reason: result.reason, raw: line });
      }
    }
    stats.lines = lineNumber;
    stats.records += records.length;
    stats.rejects += rejects.length;
    if (records.length > 0 || rejects.length > 0) yield { records, rejects };
  }
}

const recordTooBig = (bytes: number) =>
  `record would be ${bytes} bytes, over the Firehose record limit of ${MAX_RECORD_BYTES} bytes`;

function isBlank(line: string): boolean {
  return line.trim() === '';
}
