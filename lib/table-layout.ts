/**
 * How every log table lays out its data files, chosen by measurement: `npm run bench:queries` writes Parquet from the
 * pipeline's own records in each candidate layout and models the bytes each saved incident query reads (README
 * "Table layout and query cost" has the measured tables). Incident queries filter on a time window, so what they read
 * is the files whose `time` bounds (kept per file in Iceberg's manifests) and the row groups whose `time` statistics
 * (kept in each file's footer) overlap it, plus the footer of every file they open:
 * - **Sort order on `time`** (the Iceberg write order) and **compaction strategy `sort`**: compaction rewrites small
 *   files in time order, so each file and each row group covers a short time range. `binpack` would concatenate them
 *   in arrival order into large row groups covering the whole day: measured, a last-hour query then reads 5.9× fewer
 *   bytes than the raw logs instead of 44×, and a trace lookup 1.9× instead of 58×.
 * - **Row group size**: small enough that an hour, or the few minutes a trace lookup reads, spans few row groups;
 *   large enough that the footers (about 4.5 KB of statistics per row group) do not outweigh the data a day-range
 *   query reads. 640 KiB gives row groups of about 4,096 rows (0.26 MB compressed): halving it drops day-range
 *   queries to 15.8×, at the edge of their 15× target; doubling it drops trace lookups to 34×.
 * - **Target file size**: a lookup opens one file and reads its whole footer, which grows with the row groups the
 *   file holds: at 4 MiB a file holds 16 row groups (about 64,000 rows); at 32 MiB a last-hour query drops to 30×
 *   and a trace lookup to 36×. Files stay few all the same: 8 a day at the benchmark's 500,000 requests a day,
 *   against the 183 files Firehose writes at the default buffering interval. A table far busier than that can raise
 *   both sizes: what a lookup reads stays about the same while the raw day folder it is compared with grows.
 *
 * Iceberg's Parquet writer counts the row group size against its buffered pages, encoded but (for row groups smaller
 * than a page) not yet compressed, and the file size against the bytes written, compressed:
 * https://github.com/apache/iceberg/blob/main/parquet/src/main/java/org/apache/iceberg/parquet/ParquetWriter.java
 * Iceberg's write properties: https://iceberg.apache.org/docs/latest/configuration/#write-properties
 * Glue compaction strategies (sort needs a sort order on the table):
 * https://docs.aws.amazon.com/glue/latest/webapi/API_IcebergCompactionConfiguration.html
 */

/** `write.parquet.row-group-size-bytes` (Iceberg's default is 128 MiB). */
export const ROW_GROUP_SIZE_BYTES = 640 * 1024;

/** `write.target-file-size-bytes` (Iceberg's default is 512 MiB). */
export const TARGET_FILE_SIZE_BYTES = 4 * 1024 * 1024;

/** The Glue compaction optimizer's strategy: `sort`, in the table's write order. */
export const COMPACTION_STRATEGY = 'sort';

/** The table properties of the layout. */
export function layoutProperties(): Record<string, string> {
  return {
    'write.parquet.row-group-size-bytes': String(ROW_GROUP_SIZE_BYTES),
    'write.target-file-size-bytes': String(TARGET_FILE_SIZE_BYTES),
  };
}
