/**
 * One log object, end to end in memory-flat streaming form: bytes → (gunzip) → numbered lines → records and
 * rejections, in order. Used by the ingest Lambda and by `alb-iceberg parse`, so both produce identical records.
 *
 * Accounting invariant, checked by tests and reported per object:
 *   lines = resumedPast + blankLines + records + rejects
 */
import { type ByteCounters, decompressed } from '../reader/decompress';
import { lineBlocks, MAX_LINE_BYTES, OverlongLine } from '../reader/line-blocks';
import { describeLogKey } from '../s3/log-key';
import { RecordEncoder } from './record-encoder';

/**
 * Firehose's per-record limit, a little under AWS's 1,000 KiB
 * (https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html). A line whose record would be
 * bigger is rejected here, so the CLI and the Lambda treat it the same way.
 */
export const MAX_RECORD_BYTES = 1_000_000;

/** A line encoded as the exact record for Firehose: UTF-8 JSON bytes (a view into a shared, never-rewritten buffer). */
export interface EncodedRecord {
  readonly lineNumber: number;
  readonly data: Uint8Array;
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
  const encoder = new RecordEncoder(describeLogKey(key));
  let lineNumber = 0;
  for await (const block of lineBlocks(decompressed(body, stats))) {
    const records: EncodedRecord[] = [];
    const rejects: RejectedLine[] = [];
    if (block instanceof OverlongLine) {
      lineNumber++;
      if (lineNumber <= resumeAfter || alreadyDone?.(lineNumber)) stats.resumedPast++;
      else rejects.push({ file: key, line: lineNumber, reason: lineTooLong(block.length), raw: block.head });
    } else {
      const { bytes, starts, ends } = block;
      for (let i = 0; i < starts.length; i++) {
        lineNumber++;
        if (lineNumber <= resumeAfter || alreadyDone?.(lineNumber)) {
          stats.resumedPast++;
          continue;
        }
        const s = starts[i]!;
        const e = ends[i]!;
        if (isBlank(bytes, s, e)) {
          stats.blankLines++;
          continue;
        }
        const result = encoder.encode(bytes, s, e, lineNumber);
        if (result instanceof Uint8Array) {
          if (result.length > MAX_RECORD_BYTES) {
            rejects.push({ file: key, line: lineNumber, reason: recordTooBig(result.length), raw: text(bytes, s, e) });
            continue;
          }
          records.push({ lineNumber, data: result });
          if (encoder.lastHadExtraFields) stats.extraFieldLines++;
        } else {
          rejects.push({ file: key, line: lineNumber, reason: result.reason, raw: text(bytes, s, e) });
        }
      }
    }
    stats.lines = lineNumber;
    stats.records += records.length;
    stats.rejects += rejects.length;
    if (records.length > 0 || rejects.length > 0) yield { records, rejects };
  }
}

const lineTooLong = (bytes: number) => `line too long: ${bytes} bytes (limit ${MAX_LINE_BYTES})`;
const recordTooBig = (bytes: number) =>
  `record would be ${bytes} bytes, over the Firehose record limit of ${MAX_RECORD_BYTES} bytes`;

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
