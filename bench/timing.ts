/** How bench/run.ts times a pipeline: best of several rounds, wall clock and CPU of this process. */

export interface Timing<T> {
  seconds: number;
  cpuSeconds: number;
  result: T;
}

/**
 * Best of `rounds` (the minimum is the least noisy estimate of the cost): wall-clock seconds, and CPU seconds of this
 * process (main thread plus zlib's thread pool), which is what "per core" throughput is measured against.
 */
export async function time<T>(fn: () => Promise<T>, rounds: number): Promise<Timing<T>> {
  const [timing] = await timeInterleaved([fn], rounds);
  return timing!;
}

/**
 * {@link time} for several pipelines whose ratio is reported: their rounds alternate (a, b, a, b, …), so a noisy
 * stretch on this shared machine falls on both sides of the ratio rather than on one.
 */
export async function timeInterleaved<T>(fns: (() => Promise<T>)[], rounds: number): Promise<Timing<T>[]> {
  const timings = fns.map(() => ({ seconds: Number.POSITIVE_INFINITY, cpuSeconds: Number.POSITIVE_INFINITY }));
  const results: T[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [i, fn] of fns.entries()) {
      (globalThis as { gc?: () => void }).gc?.();
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      results[i] = await fn();
      const cpu = process.cpuUsage(c0);
      const timing = timings[i]!;
      timing.seconds = Math.min(timing.seconds, Number(process.hrtime.bigint() - t0) / 1e9);
      timing.cpuSeconds = Math.min(timing.cpuSeconds, (cpu.user + cpu.system) / 1e6);
    }
  }
  return timings.map((t, i) => ({ ...t, result: results[i]! }));
}
