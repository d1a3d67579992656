/** What CPU time per record costs in Lambda duration, over 100 GB of raw logs (the README's cost unit). */

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

/**
 * Lambda dollars of `micros` of CPU per record over 100 GB of raw logs with `rawBytesPerRecord` raw bytes per
 * record, at {@link FUNCTION_MEMORY_MB} (duration = CPU × {@link VCPU_MB} / memory, billed per GB-second).
 */
export function lambdaDollarsPer100Gb(micros: number, rawBytesPerRecord: number): number {
  const records = RAW_BYTES_PER_100_GB / rawBytesPerRecord;
  const durationSeconds = ((records * micros) / 1e6) * (VCPU_MB / FUNCTION_MEMORY_MB);
  return durationSeconds * (FUNCTION_MEMORY_MB / 1024) * LAMBDA_ARM64_DOLLARS_PER_GB_SECOND;
}
