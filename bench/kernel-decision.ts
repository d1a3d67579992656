/**
 * The kernel decision, measured where it is paid: CPU per record of the handler path (SQS event → S3 GetObject →
 * parse → PutRecordBatch over HTTP) with the kernel and with the reference parser on the same ALB access corpus,
 * the difference, and what it is worth in Lambda dollars; the reference parser's figure on another log type for
 * comparison.
 */
import type { HandlerPathResult } from './handler-path';
import { FUNCTION_MEMORY_MB, LAMBDA_ARM64_DOLLARS_PER_GB_SECOND, lambdaDollarsPer100Gb, VCPU_MB } from './lambda-cost';
import type { Timing } from './timing';

export const microsPerRecord = (t: Timing<HandlerPathResult>) => (t.cpuSeconds * 1e6) / t.result.records;

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
