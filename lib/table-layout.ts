/**
 * How every log table lays out its data files, chosen by measurement (README "Table layout and query cost", from
 * `npm run bench:queries`). Incident queries filter on a time window, so what they read is the row groups whose
 * `time` statistics overlap it:
 * - **Sort order on `time`** (the Iceberg write order): compaction then writes rows in time order, so each row group
 *   covers a short time range and a last-hour filter skips the rest of the day.
 * - **Compaction strategy `sort`**: rewrites small files in that order. `binpack` would concatenate them in arrival
 *   order into one large row group per file, and a last-hour query would then read the whole day's columns.
 * - **Row group size**: small enough that an hour of a busy day spans few row groups, large enough that a day-range
 *   query does not pay per-row-group overheads.
 * - **Target file size**: files of a day stay few (fewer S3 requests, fewer manifest entries).
 * Iceberg's write properties: https://iceberg.apache.org/docs/latest/configuration/#write-properties
 * Glue compaction strategies (sort needs a sort order on the table):
 * https://docs.aws.amazon.com/glue/latest/dg/compaction-management.html
 */

/** `write.parquet.row-group-size-bytes` (Iceberg's default is 128 MiB). */
export const ROW_GROUP_SIZE_BYTES = 8 * 1024 * 1024;

/** `write.target-file-size-bytes` (Iceberg's default is 512 MiB). */
export const TARGET_FILE_SIZE_BYTES = 128 * 1024 * 1024;

/** The Glue compaction optimizer's strategy: `sort`, in the table's write order. */
export const COMPACTION_STRATEGY = 'sort';

/** The table properties of the layout. */
export function layoutProperties(): Record<string, string> {
  return {
    'write.parquet.row-group-size-bytes': String(ROW_GROUP_SIZE_BYTES),
    'write.target-file-size-bytes': String(TARGET_FILE_SIZE_BYTES),
  };
}
