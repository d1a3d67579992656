/**
 * Which Parquet file of Firehose's each delivered log file's records end up in, before compaction. Firehose buffers
 * the records it receives and writes them out when the buffer's oldest record is `interval` old or the buffer holds
 * `size` bytes (BufferingHints), one data file per partition (`day(time)`) per flush, rows in arrival order.
 * https://docs.aws.amazon.com/firehose/latest/dev/create-configure-buffering.html (buffering hints). Pure.
 */

/** One log file as the ingest Lambda sends it on: when its records reach Firehose, and how many JSON bytes. */
export interface Delivery {
  /** Epoch milliseconds the file's records reached Firehose. */
  readonly at: number;
  readonly jsonBytes: number;
}

/**
 * The flush (0, 1, …) each delivery lands in, deliveries taken in `at` order (ties in index order).
 * A delivery is not split across flushes: the Lambda sends a file's records within seconds.
 */
export function firehoseFlushes(deliveries: readonly Delivery[], intervalMs: number, sizeBytes: number): number[] {
  const order = deliveries.map((_, i) => i).sort((a, b) => deliveries[a]!.at - deliveries[b]!.at || a - b);
  const flushOf = new Array<number>(deliveries.length);
  let flush = -1;
  let openedAt = Number.NEGATIVE_INFINITY;
  let buffered = 0;
  for (const i of order) {
    const d = deliveries[i]!;
    if (flush < 0 || d.at >= openedAt + intervalMs || buffered + d.jsonBytes > sizeBytes) {
      flush++;
      openedAt = d.at;
      buffered = 0;
    }
    buffered += d.jsonBytes;
    flushOf[i] = flush;
  }
  return flushOf;
}
