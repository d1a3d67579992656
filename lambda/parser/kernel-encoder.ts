/**
 * ALB access-log lines of raw bytes become the exact UTF-8 JSON records sent to Firehose, or rejections, through the
 * WebAssembly line kernel (kernel/): an accelerator for this one format, switchable off (line-encoder.ts).
 *
 * The kernel takes a batch of lines, copied once into its memory, and writes the records of every line that has the
 * shape ALB writes almost always (printable ASCII, the usual value shapes). Any other line (non-ASCII bytes, control
 * characters, a value of an unusual shape, anything to reject) is decoded and handed to the reference parser
 * ({@link ReferenceEncoder}), which decides. Tests feed both the same generated and fuzzed lines and require
 * identical bytes wherever the kernel answers, so the kernel is an optimisation, never a second definition of the
 * format.
 */
import { ALB_ACCESS } from '../schema/alb-access';
import { type EncodedLines, type LineEncoder, LineSpans, MAX_RECORD_BYTES, recordTooBig } from './encoded-lines';
import { LineKernel, LineStatus, RECORD_OVERHEAD_BYTES } from './kernel/line-kernel';
import type { Rejection } from './line-parser';
import { type FileContext, recordSuffix } from './record-keys';
import { ReferenceEncoder } from './reference-encoder';

/**
 * Input bytes the kernel takes per call. A batch never splits a line, so one longer line (up to the reader's
 * 1 MiB line limit) is a batch of its own; the kernel's memory grows to fit it once.
 */
const BATCH_INPUT_BYTES = 256 * 1024;

export class KernelEncoder implements LineEncoder {
  /** Whether the line of the last {@link encode} call had fields beyond the known list (format drift). */
  lastHadExtraFields = false;
  /** Lines handed to the reference parser so far (uncommon shapes and rejections): the kernel's misses. */
  referenceLines = 0;
  private readonly reference: ReferenceEncoder;
  private readonly kernel = LineKernel.shared();
  /** The end of every record of this file (record-keys.ts). */
  private readonly fileSuffix: Uint8Array;
  private readonly single = new LineSpans();

  constructor(context: FileContext = {}) {
    this.reference = new ReferenceEncoder(ALB_ACCESS, context);
    this.fileSuffix = Buffer.from(recordSuffix(ALB_ACCESS, context), 'utf8');
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
    return this.reference.encodeLine(line, lineNumber, file, into);
  }
}
