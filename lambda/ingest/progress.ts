/**
 * Which lines of an object are done, so that an unfinished object resumes without sending any line twice. Pure.
 *
 * A line is done once it is blank, rejected (and its reject will be written), or acknowledged by Firehose. Lines
 * sent but not acknowledged (retry budget exhausted, deadline) are pending. The checkpoint is the end of the
 * contiguous done prefix; done lines after it travel in the continuation as ranges, so they are skipped next time.
 */
export class LineProgress {
  /** Lines whose fate is not settled yet (batched, in flight, or failed). */
  private readonly pending = new Set<number>();
  /** The highest line number whose fate has been decided or set aside as pending. */
  private through: number;

  constructor(readonly resumeAfterLine: number) {
    this.through = resumeAfterLine;
  }

  /** Lines up to `line` have been read and handed on (pending ones were marked with {@link markPending}). */
  readThrough(line: number): void {
    if (line > this.through) this.through = line;
  }

  markPending(line: number): void {
    this.pending.add(line);
  }

  markDone(line: number): void {
    this.pending.delete(line);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** The last line of the contiguous done prefix. */
  checkpoint(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const line of this.pending) if (line < min) min = line;
    return min === Number.POSITIVE_INFINITY ? this.through : min - 1;
  }

  /**
   * Done lines after the checkpoint, as inclusive ranges, merged with earlier `doneRanges` still beyond it.
   * @param earlier done ranges carried in from a previous continuation
   */
  doneRangesAfterCheckpoint(earlier: readonly (readonly [number, number])[] = []): [number, number][] {
    const cp = this.checkpoint();
    const pending = [...this.pending].sort((a, b) => a - b);
    const ranges: [number, number][] = [];
    let from = cp + 1;
    for (const p of pending) {
      if (p > from) ranges.push([from, p - 1]);
      from = p + 1;
    }
    if (from <= this.through) ranges.push([from, this.through]);
    for (const [a, b] of earlier) if (b > cp) ranges.push([Math.max(a, cp + 1), b]);
    return mergeRanges(ranges);
  }
}

/** Sorts and merges overlapping or adjacent inclusive ranges. */
export function mergeRanges(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Fast membership test over sorted, merged ranges, for lines read in increasing order. */
export class RangeCursor {
  private i = 0;
  constructor(private readonly ranges: readonly (readonly [number, number])[]) {}

  /** Whether `line` is in a range; lines must be asked in increasing order. */
  has(line: number): boolean {
    while (this.i < this.ranges.length && this.ranges[this.i]![1] < line) this.i++;
    const r = this.ranges[this.i];
    return r !== undefined && r[0] <= line;
  }
}
