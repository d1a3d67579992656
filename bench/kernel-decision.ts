/**
 * The kernel decision, measured where it is paid: CPU per record of the handler path (SQS event → S3 GetObject →
 * parse → PutRecordBatch over HTTP) with the kernel and with the reference parser on the same ALB access corpus,
 * the difference, and what it is worth in Lambda dollars; the reference parser's figure on another log type for
 * comparison.
 */
import type { HandlerPathResult } from './handler-path';
import type { Timing } from './timing';

/** Lambda arm64 duration price, us-east-1, per GB-second (https://aws.amazon.com/lambda/pricing/). */
export const LAMBDA_ARM64_DOLLARS_PER_GB_SECOND = 0.0000133334;
/** The ingest function's default memory (cdk.json `functionMemoryMiB`). */
export const FUNCTION_MEMORY_MB = 1024;
/**
 * Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html): at 1024 MB a CPU-second of work lasts
 * 1769 / 1024 seconds of billed duration, assuming the work is CPU-bound (the handler's waits on S3 and Firehose
 * overlap its parsing, and add duration the kernel does not change).
 */
export const VCPU_MB = 1769;

/** 100 GiB of raw (decompressed) log bytes, the unit of the README's cost figures. */
const RAW_BYTES_PER_100_GB = 100 * 1024 ** 3;

export const microsPerRecord = (t: Timing<HandlerPathResult>) => (t.cpuSeconds * 1e6) / t.result.records;

/**
 * Lambda dollars of `micros` of CPU per record over 100 GB of raw logs with `rawBytesPerRecord` raw bytes per
 * record, at {@link FUNCTION_MEMORY_MB} (duration = CPU × {@link VCPU_MB} / memory, billed per GB-second).
 */
export function lambdaDollarsPer100Gb(micros: number, rawBytesPerRecord: number): number {
  const records = RAW_BYTES_PER_100_GB / rawBytesPerRecord;
  const durationSeconds = ((records * micros) / 1e6) * (VCPU_MB / FUNCTION_MEMORY_MB);
  return durationSeconds * (FUNCTION_MEMORY_MB / 1024) * LAMBDA_ARM64_DOLLARS_PER_GB_SECOND;
}

export interface KernelDecisionInput {
  readonly kernel: Timing<HandlerPathResult>;
  readonly reference: Timing<HandlerPathResult>;
  /** Raw log bytes per record of the ALB access corpus. */
  readonly rawBytesPerRecord: number;
  /** CPU per line of the parse pipeline alone (no SDK, no HTTP) on the same corpus, per engine: the kernel's own share. */
  readonly parseMicrosPerLine: { readonly kernel: number; readonly reference: number };
  /** The reference parser on another log type: its name, handler timing and raw bytes per record. */
  readonly other: {
    readonly logType: string;
    readonly timing: Timing<HandlerPathResult>;
    readonly rawBytesPerRecord: number;
  };
}

/** The kernel-decision rows as Markdown lines. */
export function kernelDecisionLines(input: KernelDecisionInput): string[] {
  const { kernel, reference, other, rawBytesPerRecord, parseMicrosPerLine } = input;
  const k = microsPerRecord(kernel);
  const r = microsPerRecord(reference);
  const o = microsPerRecord(other.timing);
  const dollars = (micros: number, bytes: number) => `$${lambdaDollarsPer100Gb(micros, bytes).toFixed(4)}`;
  const row = (label: string, t: Timing<HandlerPathResult>, micros: number, bytes: number) =>
    `| ${label} | ${t.result.records} | ${t.cpuSeconds.toFixed(3)} s | ${micros.toFixed(2)} µs | ${dollars(micros, bytes)} |`;
  const lines = [
    `| handler path (SQS → S3 → parse → PutRecordBatch over HTTP) | records | CPU | CPU per record | Lambda per 100 GB raw (arm64, ${FUNCTION_MEMORY_MB} MB) |`,
    '| --- | --- | --- | --- | --- |',
    row('alb-access, kernel', kernel, k, rawBytesPerRecord),
    row('alb-access, reference', reference, r, rawBytesPerRecord),
    `| alb-access, reference − kernel | | | ${(r - k).toFixed(2)} µs (${(((r - k) / r) * 100).toFixed(1)} % of the reference path) | ${dollars(r - k, rawBytesPerRecord)} |`,
    row(`${other.logType}, reference`, other.timing, o, other.rawBytesPerRecord),
    `| for comparison: alb-access parse pipeline alone, CPU per line, kernel / reference / difference | | | ` +
      `${parseMicrosPerLine.kernel.toFixed(2)} / ${parseMicrosPerLine.reference.toFixed(2)} / ` +
      `${(parseMicrosPerLine.reference - parseMicrosPerLine.kernel).toFixed(2)} µs | |`,
    '',
    `assumptions: ${rawBytesPerRecord.toFixed(0)} raw bytes per alb-access record (${other.rawBytesPerRecord.toFixed(0)} per ` +
      `${other.logType} record), as in the corpus; 100 GB = 100 GiB raw; CPU-bound duration = CPU × ${VCPU_MB} / ` +
      `${FUNCTION_MEMORY_MB} (one vCPU at ${VCPU_MB} MB); $${LAMBDA_ARM64_DOLLARS_PER_GB_SECOND} per GB-second (arm64)`,
  ];
  for (const [label, t] of [
    ['alb-access kernel', kernel],
    ['alb-access reference', reference],
    [other.logType, other.timing],
  ] as const) {
    if (t.result.failures !== 0) lines.push(`note: ${label}: ${t.result.failures} failures`);
  }
  return lines;
}
