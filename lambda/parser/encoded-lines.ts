/**
 * What every line encoder (line-encoder.ts) produces: records as the exact bytes sent to Firehose, and rejections,
 * in line order; and the spans of lines it is given.
 */

/**
 * Firehose's per-record limit, a little under AWS's 1,000 KiB
 * (https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html). A line whose record would be
 * bigger is rejected, so the CLI and the Lambda treat it the same way.
 */
export const MAX_RECORD_BYTES = 1_000_000;

/** A line encoded as the exact record for Firehose: UTF-8 JSON bytes (a view into a buffer never rewritten). */
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

/** Where {@link LineEncoder.encodeLines} appends its results, in line order. */
export interface EncodedLines {
  readonly records: EncodedRecord[];
  readonly rejects: RejectedLine[];
}

/** Line numbers are an Iceberg `int` column (schema: line_number), and the kernel takes them as 32-bit integers. */
const MAX_LINE_NUMBER = 0x7fffffff;

/** The lines of one buffer to encode: line i is `bytes[start[i], end[i])`, numbered `number[i]`. Reused. */
export class LineSpans {
  start = new Int32Array(256);
  end = new Int32Array(256);
  number = new Int32Array(256);
  count = 0;

  add(start: number, end: number, lineNumber: number): void {
    if (lineNumber > MAX_LINE_NUMBER) {
      throw new RangeError(`line ${lineNumber}: past the line_number column's range (${MAX_LINE_NUMBER} lines a file)`);
    }
    if (this.count === this.start.length) {
      this.start = grown(this.start);
      this.end = grown(this.end);
      this.number = grown(this.number);
    }
    this.start[this.count] = start;
    this.end[this.count] = end;
    this.number[this.count] = lineNumber;
    this.count++;
  }

  clear(): void {
    this.count = 0;
  }
}

const grown = (a: Int32Array) => {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
};

/** What turns lines of raw log bytes into records and rejections, in line order. */
export interface LineEncoder {
  /**
   * Encodes every line of `spans` (each inside `bytes`, no line terminator), appending its record or its
   * rejection to `into` in line order.
   * @param file the S3 key (or path) named in rejections
   * @returns how many of the records carried fields beyond the known list (format drift)
   */
  encodeLines(bytes: Buffer, spans: LineSpans, file: string, into: EncodedLines): number;
}

export const recordTooBig = (bytes: number) =>
  `record would be ${bytes} bytes, over the Firehose record limit of ${MAX_RECORD_BYTES} bytes`;
