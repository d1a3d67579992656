/**
 * The query benchmark's traffic: when each line happens. Real load balancers are busy by day and quiet by night, and
 * what a last-hour query reads depends on how much of the day that hour holds, so the corpus follows a daily curve
 * instead of packing lines milliseconds apart: requests per minute are proportional to
 * `1 + swing * cos(2π (hour - peakHour) / 24)` (UTC), spread at random within each minute. Pure and seeded.
 */

/** The shape of the generated traffic. */
export interface TrafficShape {
  /** Epoch milliseconds of the first minute (align it to a UTC midnight so days are whole). */
  readonly start: number;
  /** How many hours the traffic lasts. */
  readonly hours: number;
  /** How many lines in all. */
  readonly lines: number;
  /** The UTC hour (fractional) of the daily peak. */
  readonly peakHourUtc: number;
  /** 0 for flat traffic; 0.7 makes the peak minute about 5.7 times the quietest. */
  readonly swing: number;
}

const MINUTE_MS = 60_000;

/** Lines in each minute of the shape: proportional to the daily curve, summing to exactly `shape.lines`. */
export function linesPerMinute(shape: TrafficShape): number[] {
  const minutes = Math.round(shape.hours * 60);
  const weights: number[] = [];
  for (let m = 0; m < minutes; m++) {
    const hourOfDay = (((shape.start + m * MINUTE_MS) / 3_600_000) % 24) + 1 / 120;
    weights.push(1 + shape.swing * Math.cos((2 * Math.PI * (hourOfDay - shape.peakHourUtc)) / 24));
  }
  const total = weights.reduce((a, b) => a + b, 0);
  // Cumulative rounding: no line is lost or added by rounding each minute on its own.
  const counts: number[] = [];
  let cumulative = 0;
  let given = 0;
  for (const w of weights) {
    cumulative += (w / total) * shape.lines;
    const upTo = Math.round(cumulative);
    counts.push(upTo - given);
    given = upTo;
  }
  return counts;
}

/**
 * A clock for bench/corpus.ts's `lineGenerator`: each call returns the epoch milliseconds of the next line, in
 * increasing order, `linesPerMinute(shape)[m]` of them in minute m. Calls past the last line keep returning the end.
 */
export function trafficClock(shape: TrafficShape, random: () => number): () => number {
  const counts = linesPerMinute(shape);
  let minute = -1;
  let offsets: number[] = [];
  let next = 0;
  return () => {
    while (next >= offsets.length) {
      minute++;
      if (minute >= counts.length) return shape.start + counts.length * MINUTE_MS - 1;
      offsets = Array.from({ length: counts[minute]! }, () => Math.floor(random() * MINUTE_MS)).sort((a, b) => a - b);
      next = 0;
    }
    return shape.start + minute * MINUTE_MS + offsets[next++]!;
  };
}
