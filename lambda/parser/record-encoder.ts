/**
 * Lines of raw log bytes become the exact UTF-8 JSON records sent to Firehose, or rejections.
 *
 * The hot path is the WebAssembly line kernel (kernel/): it takes a batch of lines, copied once into its memory,
 * and writes the records of every line that has the shape ALB writes almost always (printable ASCII, the usual
 * value shapes). Any other line (non-ASCII bytes, control characters, a value of an unusual shape, anything to
 * reject) is decoded and handed to the reference parser, {@link LineParser}, which decides. Tests feed both the
 * same generated and fuzzed lines and require identical bytes wherever the kernel answers, so the kernel is an
 * optimisation, never a second definition of the format.
 */
import { LineKernel, LineStatus, RECORD_OVERHEAD_BYTES } from './kernel/line-kernel';
import { type FileContext, LineParser, type Rejection } from './line-parser';
import { recordSuffix } from './record-keys';

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

/** Where {@link RecordEncoder.encodeLines} appends its results, in line order. */
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

/**
 * Input bytes the kernel takes per call. A batch never splits a line, so one longer line (up to the reader's
 * 1 MiB line limit) is a batch of its own; the kernel's memory grows to fit it once.
 */
const BATCH_INPUT_BYTES = 256 * 1024;

export class RecordEncoder {
  /** Whether the line of the last {@link encode} call had fields beyond the known list (format drift). */
  lastHadExtraFields = false;
  /** Lines handed to the reference parser so far (uncommon shapes and rejections): the kernel's misses. */
  referenceLines = 0;
  private readonly reference: LineParser;
  private readonly kernel = LineKernel.shared();
  /** The end of every record of this file (record-keys.ts). */
  private readonly fileSuffix: Uint8Array;
  private readonly single = new LineSpans();

  constructor(context: FileContext = {}) {
    this.reference = new LineParser(context);
    this.fileSuffix = Buffer.from(recordSuffix(context), 'utf8');
  }

  /**
   * Encodes every line of `spans` (each inside `bytes`, no line terminator), appending its record or its
   * rejection to `into` in line order.
   * @param file the S3 key (or path) named in rejections
   * @returns how many of the records carried fields beyond the known list (format drift)
   */
  encodeLines(bytes: Buffer, spans: LineSpans, file: string, into: EncodedLines): number {
    let extraFieldLines = 0;
    const { start, end } = spans;
    const perLine = RECORD_OVERHEAD_BYTES + this.fileSuffix.length;
    for (let from = 0; from < spans.count; ) {
      // The batch: lines from `from` while the bytes they span stay within BATCH_INPUT_BYTES (at least one line).
      let inputStart = start[from]!;
      let inputEnd = end[from]!;
      let outputBytes = 2 * (inputEnd - inputStart) + perLine;
      let to = from + 1;
      for (; to < spans.count; to++) {
        const s = Math.min(inputStart, start[to]!);
        const e = Math.max(inputEnd, end[to]!);
        if (e - s > BATCH_INPUT_BYTES) break;
        inputStart = s;
        inputEnd = e;
        outputBytes += 2 * (end[to]! - start[to]!) + perLine;
      }
      const { output, results } = this.kernel.encode(
        bytes,
        spans,
        from,
        to,
        inputStart,
        inputEnd,
        outputBytes,
        this.fileSuffix,
      );
      let recordStart = 0;
      for (let i = from; i < to; i++) {
        const recordEnd = results[2 * (i - from)]!;
        const status = results[2 * (i - from) + 1]!;
        const lineNumber = spans.number[i]!;
        if (status === LineStatus.FALLBACK) {
          const line = bytes.toString('utf8', start[i]!, end[i]!);
          if (this.byReference(line, lineNumber, file, into)) extraFieldLines++;
          continue;
        }
        const length = recordEnd - recordStart;
        if (length > MAX_RECORD_BYTES) {
          const raw = bytes.toString('utf8', start[i]!, end[i]!);
          into.rejects.push({ file, line: lineNumber, reason: recordTooBig(length), raw });
        } else {
          into.records.push({ lineNumber, data: new Uint8Array(output.buffer, recordStart, length) });
          if (status === LineStatus.ENCODED_WITH_EXTRA_FIELDS) extraFieldLines++;
        }
        recordStart = recordEnd;
      }
      from = to;
    }
    return extraFieldLines;
  }

  /** One line `bytes[s, e)`: its record, or why it cannot be one. For tests and one-off use; batches are faster. */
  encode(bytes: Buffer, s: number, e: number, lineNumber: number): Uint8Array | Rejection {
    this.single.clear();
    this.single.add(s, e, lineNumber);
    const into: EncodedLines = { records: [], rejects: [] };
    this.lastHadExtraFields = this.encodeLines(bytes, this.single, '', into) > 0;
    return into.records[0]?.data ?? { reason: into.rejects[0]!.reason };
  }

  /** Asks the reference parser; returns whether the record had extra fields. */
  private byReference(line: string, lineNumber: number, file: string, into: EncodedLines): boolean {
    this.referenceLines++;
    const result = this.reference.parse(line, lineNumber);
    if (typeof result !== 'string') {
      into.rejects.push({ file, line: lineNumber, reason: result.reason, raw: line });
      return false;
    }
    const data = Buffer.from(result, 'utf8');
    if (data.length > MAX_RECORD_BYTES) {
      into.rejects.push({ file, line: lineNumber, reason: recordTooBig(data.length), raw: line });
      return false;
    }
    into.records.push({ lineNumber, data });
    return this.reference.lastHadExtraFields;
  }
}

const recordTooBig = (bytes: number) =>
  `record would be ${bytes} bytes, over the Firehose record limit of ${MAX_RECORD_BYTES} bytes`;
